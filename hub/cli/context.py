"""One :class:`HubApp` per command invocation, and running async services from click."""

from __future__ import annotations

from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any, TypeVar, cast

import click

if TYPE_CHECKING:
    from hub.core.app import HubApp

T = TypeVar("T")


def get_app() -> HubApp:
    ctx = click.get_current_context()
    root = ctx.find_root()
    root.ensure_object(dict)
    app = root.obj.get("app")
    if app is None:
        from hub.core.loading import loading

        with loading():
            from hub.core.app import HubApp

        app = root.obj["app"] = HubApp()
        root.call_on_close(app.close)
    return cast("HubApp", app)


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run a service coroutine, closing the accounts' HTTP clients afterwards."""
    app = get_app()

    async def main() -> T:
        try:
            return await coro
        finally:
            await app.accounts.aclose()

    import asyncio

    return asyncio.run(main())
