"""Paginated scans: guard against platforms that loop or shift records, and read pages ahead."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncGenerator, Awaitable, Callable, Hashable, Iterable
from typing import Any, TypeVar

from hub.core.http import faults
from hub.core.http.redact import redact
from hub.errors import PaginationLoop

T = TypeVar("T")
P = TypeVar("P")


def _item_id(item: Any) -> Hashable:
    return item["id"]  # type: ignore[no-any-return]


class PageGuard:
    """One scan's memory of cursors and record ids.

    Call :meth:`check` with each page's cursor (page number, next token, URL)
    before fetching it, and :meth:`fresh` on each page's records.

    :param name: what is being paged, for messages (``"Shopify orders"``).
    :param max_pages: raise :class:`hub.PaginationLoop` past this many pages.
    """

    def __init__(self, name: str = "pagination", *, max_pages: int | None = None) -> None:
        self.name = name
        self.max_pages = max_pages
        self.pages = 0
        self.repeats = 0  # records skipped by fresh() because this scan already had them
        self._cursors: set[Hashable] = set()
        self._ids: set[Hashable] = set()

    @property
    def seen_count(self) -> int:
        """Distinct records seen by :meth:`fresh` so far."""
        return len(self._ids)

    def check(self, cursor: object) -> None:
        """Record ``cursor``; raise :class:`hub.PaginationLoop` if it was seen before.

        ``None`` (the first page of a cursor scheme) counts as a page but is not remembered.
        """
        self.pages += 1
        if self.max_pages is not None and self.pages > self.max_pages:
            raise PaginationLoop(f"{self.name}: more than {self.max_pages} pages; "
                                 "the platform's pagination does not end")
        if cursor is None:
            return
        key: Hashable
        try:
            key = (cursor, hash(cursor))  # raises for unhashable cursors (dicts, lists)
        except TypeError:
            key = repr(cursor)
        if key in self._cursors:
            shown = redact(str(cursor))
            shown = shown if len(shown) <= 120 else shown[:117] + "..."
            raise PaginationLoop(f"{self.name}: the platform returned page/cursor {shown} twice")
        self._cursors.add(key)

    def fresh(self, items: Iterable[T], key: Callable[[T], Hashable] = _item_id) -> list[T]:
        """The records of ``items`` not seen before in this scan (counting the rest in ``repeats``)."""
        out: list[T] = []
        for item in items:
            item_id = key(item)
            if item_id in self._ids:
                if not self.repeats:  # the listing shifted: one drift per scan, for the run
                    faults.record(faults.PAGE_DRIFT)
                self.repeats += 1
            else:
                self._ids.add(item_id)
                out.append(item)
        return out


async def numbered_pages(fetch: Callable[[int], Awaitable[P]], total_pages: Callable[[P], int | None],
                         is_empty: Callable[[P], bool], *, start: int = 1, ahead: int = 1
                         ) -> AsyncGenerator[P]:
    """Pages ``start``, ``start + 1``, ... of a numbered listing, in order, read ahead concurrently.

    The first page is read alone; once a page reports how many there are
    (``total_pages``), up to ``ahead`` of the following pages are requested at
    once, so a listing costs about one round trip per ``ahead`` pages rather
    than one per page. The scan ends after an empty page or the last page the
    latest page reports (a listing that grows while it is read is followed to
    its new end; pages read ahead past a shrunken end are dropped). Leaving
    early, or a failed page, cancels the requests still in flight.
    """
    number, last = start, start
    pending: deque[asyncio.Task[P]] = deque()
    try:
        while True:
            following = number + len(pending)
            while len(pending) < max(1, ahead) and following <= last:
                pending.append(asyncio.ensure_future(fetch(following)))
                following += 1
            page = await pending.popleft()
            yield page
            last = total_pages(page) or number
            if is_empty(page) or number >= last:
                return
            number += 1
    finally:
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
