"""Running a plugin's ``authorize`` hook and storing what it returns, encrypted.

:func:`authorize_with` is the one place that runs the hook and stores the
result; the CLI (:func:`authorize_account`, with a loopback listener) and the
daemon (``POST /api/accounts/{name}/authorize``, with a
:class:`~hub.core.oauth.DaemonAuthSession`) differ only in the session.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hub.core.oauth import LoopbackSession, Opener

if TYPE_CHECKING:
    from hub.auth import AuthSession
    from hub.core.app import HubApp


async def authorize_with(app: HubApp, name: str, session: AuthSession) -> bool:
    """Run account ``name``'s authorize hook with ``session``; store new credentials encrypted.

    A disconnected or disabled account is enabled again: its import resumes from its
    cursor (orders it released stay released; see ``hub accounts authorize
    --reimport-released``).

    :return: True when new credentials were stored, False when the hook only verified keys.
    """
    row = app.accounts.row(name)
    account = app.accounts.open(row)
    credentials = await app.host.authorize(account, session)
    if credentials:
        merged = {**account.credentials, **credentials}
        app.accounts.save_credentials(row.id or 0, merged)
        account.credentials = merged
    else:  # keys verified; clear a pause left by an earlier failure
        app.accounts.set_flags(name, paused_reason=None)
    if not row.enabled:  # a disconnected or disabled account reconnects: flows resume
        app.accounts.set_flags(name, enabled=True)
    app.accounts.forget(row.id or 0)
    from hub.core.storage.queries import record_authorized

    record_authorized(app.db, row.id or 0)  # key-based accounts store no credentials: remember when
    return bool(credentials)


async def authorize_account(app: HubApp, name: str, *, port: int = 0,
                            opener: Opener | None = None) -> bool:
    """Authorize account ``name`` from a terminal (``hub accounts authorize``), the redirect
    coming to a listener on 127.0.0.1; return True when new credentials were stored."""
    app.accounts.row(name)  # an unknown name fails before a listener opens
    async with LoopbackSession(port=port, opener=opener) as session:
        return await authorize_with(app, name, session)
