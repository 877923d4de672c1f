"""Read ahead: fetch the next pages from the platform while the current one is written.

Only for plugins that declare it safe (``PlatformInfo.read_ahead``): with
read-ahead, a ``fetch_orders`` generator resumes after a ``yield`` before the
core has committed that page, so a plugin that acknowledges pages to its
platform after the ``yield`` (a queue's handles, say) must keep ``read_ahead`` 0.

An import alternates between waiting on the platform (latency, rate limits)
and its own work (parsing, rules, the database). :class:`Prefetch` runs a page
source in a task of its own, at most ``ahead`` pages in front of the consumer,
so the next requests are already on the wire while a page is written.
:func:`chain` does the same across a backfill's slices: the next slice's
first page is requested while the current slice is still being read. Pages
still reach the consumer one at a time and in order, so checkpoints are
committed exactly as without read-ahead; a page read ahead but never written
(the import stopped or failed) is simply read again next time.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")


async def aclose(source: object) -> None:
    """Close an async iterator that has ``aclose`` (an async generator); others need nothing."""
    close = getattr(source, "aclose", None)
    if close is not None:
        await close()


class _End:
    def __init__(self, error: BaseException | None = None) -> None:
        self.error = error


class Prefetch(Generic[T]):
    """``source``'s items in order, up to ``ahead`` of them fetched before they are asked for.

    Reading starts when the object is made (inside a running event loop). An
    exception raised by ``source`` is raised here after the items before it.
    :meth:`aclose` (or leaving an ``async with``) cancels the read-ahead.
    """

    def __init__(self, source: AsyncIterator[T], ahead: int = 1) -> None:
        self.source = source
        self.queue: asyncio.Queue[T | _End] = asyncio.Queue(maxsize=max(1, ahead))
        self.task = asyncio.create_task(self._pump())
        self.finished = False

    async def _pump(self) -> None:
        try:
            async for item in self.source:
                await self.queue.put(item)
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # handed to the consumer, in order
            await self.queue.put(_End(exc))
            return
        await self.queue.put(_End())

    def __aiter__(self) -> Prefetch[T]:
        return self

    async def __anext__(self) -> T:
        if self.finished:
            raise StopAsyncIteration
        item = await self.queue.get()
        if isinstance(item, _End):
            self.finished = True
            await self.aclose()
            if item.error is not None:
                raise item.error
            raise StopAsyncIteration
        return item

    async def aclose(self) -> None:
        self.finished = True
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task
        await aclose(self.source)

    async def __aenter__(self) -> Prefetch[T]:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


async def chain(sources: Sequence[Callable[[], AsyncIterator[T]]], *, ahead: int = 1,
                open_ahead: int = 1) -> AsyncGenerator[tuple[int, T | None]]:
    """Each source's items as ``(index, item)``, then ``(index, None)`` when it is exhausted.

    With ``ahead`` > 0, up to ``open_ahead`` sources after the current one are
    already being read (each ``ahead`` items deep), so moving from one to the
    next costs no round trip. With ``ahead`` 0 nothing is read ahead: a source
    is asked for its next item only when the consumer asks for it.
    """
    if ahead <= 0:
        for index, make in enumerate(sources):
            source = make()
            try:
                async for item in source:
                    yield index, item
            finally:
                await aclose(source)
            yield index, None
        return
    opened: deque[Prefetch[T]] = deque()
    following = 0
    try:
        for index in range(len(sources)):
            while following < len(sources) and len(opened) <= open_ahead:
                opened.append(Prefetch(sources[following](), ahead))
                following += 1
            current = opened.popleft()
            try:
                async for item in current:
                    yield index, item
            finally:
                await current.aclose()
            yield index, None
    finally:
        for left in opened:
            await left.aclose()
