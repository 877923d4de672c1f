"""Running a plugin's ``authorize`` hook and storing what it returns, encrypted."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hub.core.oauth import LoopbackSession, Opener

if TYPE_CHECKING:
    from hub.core.app import HubApp


async def authorize_account(app: HubApp, name: str, *, port: int = 0,
                            opener: Opener | None = None) -> bool:
    """Authorize account ``name``; return True when new credentials were stored."""
    row = app.accounts.row(name)
    account = app.accounts.open(row)
    async with LoopbackSession(port=port, opener=opener) as session:
        credentials = await app.host.authorize(account, session)
    if credentials:
        merged = {**account.credentials, **credentials}
        app.accounts.save_credentials(row.id or 0, merged)
        account.credentials = merged
    else:  # keys verified; clear a pause left by an earlier failure
        app.accounts.set_flags(name, paused_reason=None)
    app.accounts.forget(row.id or 0)
    return bool(credentials)
