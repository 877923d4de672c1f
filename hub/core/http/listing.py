"""Listings: paginators with the repeat guard built in, and the one order-scan driver.

A plugin reading a paged listing supplies two functions, "make request"
(``fetch(token)``: the page a token names) and "parse page" (``parse(response)``:
a :class:`ListingPage`), and picks the paginator that says where the next page is:

=========================  ==========================================================
:class:`PageNumbers`       ``page=1, 2, ...``; read ahead once the page count is known
:class:`Offsets`           ``offset=0, size, 2*size, ...``
:class:`Cursors`           the page's own next token (GraphQL ``endCursor``, ``next_page``)
:class:`LinkHeader`        the ``Link: <...>; rel="next"`` URL (see :func:`next_link`)
:class:`Scroll`            a scroll id that may stay the same from page to page
=========================  ==========================================================

:func:`paginate` runs one of them under a :class:`hub.PageGuard`: a token asked
for twice, or the same records served under a new token (the platform ignores
the page parameter), raises :class:`hub.PaginationLoop`; records already seen
in the scan are left out of :attr:`ListingPage.fresh`.

:func:`split_windows` reads a listing the platform caps (it serves only so
many records or pages of one query) as windows, halving a window whose first
page says it holds more (:func:`halve` splits a time range).

:func:`scan_orders` is the ``fetch_orders`` loop: it owns the guard, the
second sweep and the checkpoint (a last, empty page), from how the
listing is sorted (:class:`SortedBy`).
"""

from __future__ import annotations

import contextlib
import inspect
from abc import ABC, abstractmethod
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum
from typing import Any, Generic, TypeVar

import httpx

from hub.core.http.paging import PageGuard, numbered_pages
from hub.tickets import TicketPage
from hub.types import OrderPage

T = TypeVar("T")
R = TypeVar("R")
W = TypeVar("W", bound=Hashable)


def _item_id(item: Any) -> Hashable:
    return item["id"]  # type: ignore[no-any-return]


@dataclass
class ListingPage(Generic[T]):
    """One page of a listing, as a plugin's ``parse`` reads it off the response.

    :param items: the records, in the listing's order.
    :param next: the following page's token for :class:`Cursors`, :class:`LinkHeader`
        and :class:`Scroll` (None: this is the last page); others ignore it.
    :param total: records in the whole listing, when the page says.
    :param total_pages: pages in the whole listing, when the page says.
    :param when: the platform's clock when it answered (:func:`hub.platform_time`).
    :param extra: anything else the plugin wants back (the response, a body).
    """

    items: list[T]
    next: Any = None
    total: int | None = None
    total_pages: int | None = None
    when: datetime | None = None
    extra: Any = None
    token: Any = None  # set by paginate: the token this page was asked for with
    fresh: list[T] = field(default_factory=list)  # set by paginate: records new to the scan


class Paginator(ABC):
    """Where a listing starts and how it moves on (after singer-sdk's ``BaseAPIPaginator``).

    :meth:`advance` returns the next page's token, or None at the end. The
    guard in :func:`paginate` raises when a token comes round again.
    """

    first: Any = None
    remember_tokens = True  # a token seen twice is a loop (not so for scroll ids)
    same_items_loop = True  # the same records under a new token are a loop

    @abstractmethod
    def advance(self, token: Any, page: ListingPage[Any]) -> Any:
        """The token of the page after ``page`` (read with ``token``), or ``None`` when it was the last."""


class PageNumbers(Paginator):
    """``page=start, start+1, ...`` until an empty page, the reported last page or a short page.

    :param size: the page size asked for (a shorter page is the last) or None.
    :param ahead: pages requested at once once a page reports ``total_pages``.
    """

    def __init__(self, start: int = 1, size: int | None = None, ahead: int = 1) -> None:
        self.first, self.size, self.ahead = start, size, ahead

    def advance(self, token: Any, page: ListingPage[Any]) -> Any:
        if not page.items:
            return None
        if page.total_pages is not None:
            return token + 1 if token < page.total_pages else None
        if self.size is not None and len(page.items) < self.size:
            return None
        return token + 1


class Offsets(Paginator):
    """``offset=start, start+size, ...`` until a short page or the reported total."""

    def __init__(self, size: int, start: int = 0) -> None:
        self.first, self.size = start, size

    def advance(self, token: Any, page: ListingPage[Any]) -> Any:
        following = token + self.size
        if len(page.items) < self.size or (page.total is not None and following >= page.total):
            return None
        return following


class Cursors(Paginator):
    """The page's own ``next`` token (None ends); the first page is asked for with ``first``."""

    def __init__(self, first: Any = None) -> None:
        self.first = first

    def advance(self, token: Any, page: ListingPage[Any]) -> Any:
        return page.next


class LinkHeader(Cursors):
    """The ``rel="next"`` URL of each response's ``Link`` header (``parse`` sets
    ``next=next_link(response)``); the first page is asked for with ``first`` (a URL or None)."""


class Scroll(Paginator):
    """A scroll id: the same id may serve every page, so only repeated records count as a loop."""

    remember_tokens = False

    def advance(self, token: Any, page: ListingPage[Any]) -> Any:
        return page.next if page.items else None


def next_link(response: httpx.Response) -> str | None:
    """The ``rel="next"`` URL of a response's ``Link`` header, or None."""
    link = response.links.get("next") or {}
    return link.get("url") or None


Fetch = Callable[[Any], Awaitable[R]]
Parse = Callable[[R], "ListingPage[T] | Awaitable[ListingPage[T]]"]


async def paginate(fetch: Fetch[R], parse: Parse[R, T], paginator: Paginator, *,
                   guard: PageGuard, key: Callable[[T], Hashable] = _item_id,
                   scope: Hashable = None) -> AsyncGenerator[ListingPage[T], None]:
    """Every page of a listing in order, guarded; each page's :attr:`ListingPage.fresh` set.

    :param fetch: "make request": the response for a token (page number, offset, cursor, URL).
    :param parse: "parse page": a :class:`ListingPage` from the response (may be async).
    :param guard: the scan's guard (shared by every listing and sweep of one scan).
    :param key: a record's identity for repeats (default ``item["id"]``).
    :param scope: told apart from other listings' tokens in the same guard (a sweep, a window).
    """

    async def one(token: Any) -> ListingPage[T]:
        found = parse(await fetch(token))
        page: ListingPage[T] = await found if inspect.isawaitable(found) else found
        page.token = token
        return page

    def checked(page: ListingPage[T]) -> ListingPage[T]:
        if page.items and paginator.same_items_loop:  # the platform ignored the page token
            guard.check((scope, "items", tuple(key(item) for item in page.items)))
        page.fresh = guard.fresh(page.items, key)
        return page

    if isinstance(paginator, PageNumbers) and paginator.ahead > 1:
        numbered = numbered_pages(one, lambda p: p.total_pages, lambda p: not p.items,
                                  start=paginator.first, ahead=paginator.ahead)
        async with contextlib.aclosing(numbered) as pages:
            async for page in pages:
                guard.check((scope, page.token))
                yield checked(page)
                if paginator.advance(page.token, page) is None:
                    return
        return
    token = paginator.first
    while True:
        guard.check((scope, token) if paginator.remember_tokens else None)
        page = await one(token)
        yield checked(page)
        token = paginator.advance(token, page)
        if token is None:
            return


TimeRange = tuple[datetime, datetime]


def halve(window: TimeRange, step: timedelta) -> tuple[TimeRange, TimeRange] | None:
    """``[start, end]`` as two inclusive halves on a ``step`` grid from ``start``, or None when
    it is shorter than two steps (it cannot be split further)."""
    start, end = window
    if end - start < 2 * step:
        return None
    middle = start + ((end - start) / 2 // step) * step
    return (start, middle), (middle + step, end)


async def split_windows(fetch: Callable[[W, Any], Awaitable[R]], parse: Parse[R, T],
                        paginator: Callable[[], Paginator], window: W, *,
                        too_big: Callable[[ListingPage[T]], bool],
                        split: Callable[[W], tuple[W, W]], guard: PageGuard,
                        key: Callable[[T], Hashable] = _item_id, scope: Hashable = None
                        ) -> AsyncGenerator[ListingPage[T], None]:
    """Every page of a listing the platform caps, read window by window, in order.

    The first page of ``window`` is read; when ``too_big(page)`` says the
    window holds more than the platform serves for one query (VTEX: 30 pages),
    ``split(window)`` gives its two halves and each is read the same way
    (recursively); otherwise the window is paginated, starting from that first
    page (it is not asked for twice).

    :param fetch: "make request": the response for a window and a page token.
    :param split: the two halves of a window; raise :class:`hub.PlatformError`
        when it cannot be split (see :func:`halve` for time ranges).
    :param scope: told apart from other listings in the same guard; each window
        adds itself to it.
    """
    pager = paginator()
    guard.check((scope, window, "probe"))
    first = await fetch(window, pager.first)
    probe = parse(first)
    page: ListingPage[T] = await probe if inspect.isawaitable(probe) else probe
    if too_big(page):
        for half in split(window):
            async with contextlib.aclosing(split_windows(
                    fetch, parse, paginator, half, too_big=too_big, split=split, guard=guard,
                    key=key, scope=scope)) as pages:
                async for found in pages:
                    yield found
        return
    held: list[R] = [first]

    async def fetch_page(token: Any) -> R:
        if held and token == pager.first:
            return held.pop()
        return await fetch(window, token)

    async with contextlib.aclosing(paginate(fetch_page, parse, pager, guard=guard, key=key,
                                            scope=(scope, window))) as pages:
        async for found in pages:
            yield found


class SortedBy(Enum):
    """How an order listing is sorted: it decides where a scan may checkpoint.

    ``MODIFIED``: ascending by modified time with keyset cursors (an order
    edited mid-scan moves behind the cursor and is listed again): every page
    vouches for its last record's modified time.

    ``STABLE``: by something an edit does not move (id, creation date): no
    point is safe until the end, then the moment the scan started on the
    platform's clock (the first page's ``when``; else ``since``). A record
    deleted or added mid-scan shifts the others, so when fewer distinct records
    were seen than any page reported, the listing is read a second time for
    the ones missed.
    """

    MODIFIED = "modified"
    STABLE = "stable"


Read = Callable[[PageGuard, int], AsyncIterator[ListingPage[T]]]


def paged_listing(fetch: Fetch[R], parse: Parse[R, T], paginator: Callable[[], Paginator], *,
            key: Callable[[T], Hashable] = _item_id) -> Read[T]:
    """A :data:`Read` for :func:`scan_orders` from one paged listing (a new paginator per sweep)."""

    def read(guard: PageGuard, sweep: int) -> AsyncIterator[ListingPage[T]]:
        return paginate(fetch, parse, paginator(), guard=guard, key=key, scope=sweep)

    return read


async def scan_orders(read: Read[T], *, since: datetime, until: datetime | None, sorted_by: SortedBy,
                      name: str, modified: Callable[[T], datetime] | None = None,
                      payloads: Callable[[list[T]], Awaitable[list[dict[str, Any]]]] | None = None,
                      lag: timedelta = timedelta(0), max_pages: int = 100_000
                      ) -> AsyncIterator[OrderPage]:
    """``fetch_orders`` for a listing: each order once, checkpoints where ``sorted_by`` allows.

    :param read: the listing's pages for one sweep (:func:`paged_listing`, or a plugin's
        own composition of :func:`paginate` calls sharing the guard it is given).
    :param sorted_by: how the listing is sorted (:class:`SortedBy`).
    :param name: what is scanned, for messages (``"Acme shop: orders"``).
    :param modified: a record's modified time (``SortedBy.MODIFIED`` only).
    :param payloads: turns a page's fresh records into order payloads (details,
        carts); default: the records themselves.
    :param lag: ``SortedBy.STABLE``: how far the listing's index runs behind the platform's clock.
    """
    guard = PageGuard(name, max_pages=max_pages)

    async def made(records: list[T]) -> list[dict[str, Any]]:
        return await payloads(records) if payloads is not None else list(records)  # type: ignore[arg-type]

    if sorted_by is SortedBy.MODIFIED:
        if modified is None:
            raise TypeError("scan_orders: SortedBy.MODIFIED needs modified=")
        async for page in read(guard, 1):
            checkpoint = modified(page.items[-1]) if page.items else None
            if checkpoint is not None and until is not None:
                checkpoint = min(checkpoint, until)
            yield OrderPage(payloads=await made(page.fresh), checkpoint=checkpoint,
                            total=page.total)
        return
    started: datetime | None = None
    first_total: int | None = None
    reported = 0
    clocked = False
    for sweep in (1, 2):
        async for page in read(guard, sweep):
            if not clocked:
                clocked, started, first_total = True, page.when, page.total
            reported = max(reported, page.total or 0)
            found = await made(page.fresh)
            if found:  # yielded at once: the core writes it while the next page is read
                yield OrderPage(payloads=found, total=first_total)
        if not reported or guard.seen_count >= reported:
            break
    checkpoint = started - lag if started is not None else since
    if until is not None and until < checkpoint:
        checkpoint = until
    yield OrderPage(payloads=[], total=first_total, checkpoint=checkpoint)  # vouches for the scan


async def scan_tickets(read: Read[T], *, since: datetime, sorted_by: SortedBy, name: str,
                       modified: Callable[[T], datetime] | None = None,
                       payloads: Callable[[list[T]], Awaitable[list[dict[str, Any]]]] | None = None,
                       lag: timedelta = timedelta(0), max_pages: int = 100_000
                       ) -> AsyncIterator[TicketPage]:
    """``fetch_tickets`` for a listing: :func:`scan_orders`' guard, sweeps and checkpoints,
    as :class:`hub.TicketPage` pages (same parameters; tickets have no ``until``).

    A plugin reading several listings (questions, message threads, claims) composes
    them into one ``read`` whose :func:`paginate` calls share the guard, each with
    its own ``scope``, and gives records ids that differ across listings.
    """
    async for page in scan_orders(read, since=since, until=None, sorted_by=sorted_by, name=name,
                                  modified=modified, payloads=payloads, lag=lag,
                                  max_pages=max_pages):
        yield TicketPage(payloads=page.payloads, checkpoint=page.checkpoint, total=page.total)
