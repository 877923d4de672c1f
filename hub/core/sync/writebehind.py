"""Write behind: a page's transaction runs in a worker thread while the event loop reads on.

On PostgreSQL a third of an import's time was the hub waiting for the server
(its inserts, index upkeep, the commit's WAL flush). psycopg releases the GIL
while it waits, so a page's write in a thread lets the event loop meanwhile take
the next pages off the wire and decode them (the read-ahead's work). One write is
in flight at a time and the caller waits for it (:meth:`WriteBehind.result`)
before the next page reads the database, so pages are committed one by one and
in order, exactly as when written inline. (SQLite's work is done in the hub's own
process, mostly holding the GIL: there a thread measured slower, so it is not used.)
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class WriteBehind(Generic[T]):
    """At most one call in flight: in a worker thread when ``threaded``, else run at once."""

    def __init__(self, *, threaded: bool) -> None:
        self.threaded = threaded
        self.pending: asyncio.Future[T] | None = None

    def start(self, call: Callable[..., T], *args: Any) -> None:
        """Run ``call(*args)``; its result (or error) comes from :meth:`result`."""
        if self.pending is not None:
            raise RuntimeError("a write is still in flight: await result() first")
        loop = asyncio.get_running_loop()
        if self.threaded:  # as asyncio.to_thread, but a future rather than a task of its own,
            # so that even a KeyboardInterrupt in the call is raised where result() is awaited
            self.pending = loop.run_in_executor(None, functools.partial(
                contextvars.copy_context().run, call, *args))
            return
        done: asyncio.Future[T] = loop.create_future()
        try:
            done.set_result(call(*args))
        except Exception as exc:  # raised by result(), where a threaded call's error is
            done.set_exception(exc)
        self.pending = done

    async def result(self) -> T | None:
        """The call's result once it returned (None when nothing was started); its error
        is raised here. Cancelling the wait leaves the call running (see :meth:`drain`)."""
        pending = self.pending
        if pending is None:
            return None
        try:
            return await asyncio.shield(pending)
        finally:
            if pending.done():
                self.pending = None

    async def drain(self) -> None:
        """Wait for a call still in flight, its outcome dropped: for leaving on an error,
        so that no transaction is still open behind the caller's back."""
        pending, self.pending = self.pending, None
        if pending is None:
            return
        await asyncio.wait([pending])
        if not pending.cancelled():
            with contextlib.suppress(BaseException):
                pending.result()  # retrieved, so asyncio does not report it as lost
