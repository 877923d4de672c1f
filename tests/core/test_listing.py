"""The core paginators and the order-scan driver (hub.paginate, hub.scan_orders)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

import hub
from hub import (
    Cursors,
    ListingPage,
    Offsets,
    PageGuard,
    PageNumbers,
    PaginationLoop,
    Scroll,
    SortedBy,
    paged_listing,
    paginate,
    scan_orders,
)

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def _collect(source: AsyncIterator[Any]) -> list[Any]:
    async def go() -> list[Any]:
        return [item async for item in source]

    return asyncio.run(go())


class Numbered:
    """A listing of ``records`` by page number (size 2); ``ignore_page`` serves page 1 always."""

    def __init__(self, records: list[dict[str, Any]], ignore_page: bool = False) -> None:
        self.records = records
        self.ignore_page = ignore_page
        self.asked: list[int] = []

    async def fetch(self, number: int) -> ListingPage[dict[str, Any]]:
        self.asked.append(number)
        number = 1 if self.ignore_page else number
        items = self.records[(number - 1) * 2:number * 2]
        return ListingPage(list(items), total=len(self.records),
                           total_pages=(len(self.records) + 1) // 2, when=T0)


def _same(page: ListingPage[dict[str, Any]]) -> ListingPage[dict[str, Any]]:
    return page


def test_page_numbers_read_every_page_once_and_stop_at_the_last() -> None:
    listing = Numbered([{"id": i} for i in range(5)])
    pages = _collect(paginate(listing.fetch, _same, PageNumbers(), guard=PageGuard()))
    assert [p.token for p in pages] == [1, 2, 3] and listing.asked == [1, 2, 3]
    assert [i["id"] for p in pages for i in p.fresh] == [0, 1, 2, 3, 4]


def test_page_numbers_read_ahead_keep_the_order() -> None:
    listing = Numbered([{"id": i} for i in range(9)])
    pages = _collect(paginate(listing.fetch, _same, PageNumbers(ahead=3), guard=PageGuard()))
    assert [p.token for p in pages] == [1, 2, 3, 4, 5]


def test_a_platform_ignoring_the_page_number_raises_instead_of_looping() -> None:
    listing = Numbered([{"id": i} for i in range(5)], ignore_page=True)
    with pytest.raises(PaginationLoop):
        _collect(paginate(listing.fetch, _same, PageNumbers(), guard=PageGuard()))


def test_a_repeated_cursor_raises() -> None:
    async def fetch(token: str | None) -> ListingPage[dict[str, Any]]:
        return ListingPage([{"id": token or "start"}], next="abc")  # always the same next cursor

    with pytest.raises(PaginationLoop, match="twice"):
        _collect(paginate(fetch, _same, Cursors(), guard=PageGuard()))


def test_offsets_stop_at_a_short_page_or_the_total() -> None:
    records = [{"id": i} for i in range(7)]
    asked: list[int] = []

    async def fetch(offset: int) -> ListingPage[dict[str, Any]]:
        asked.append(offset)
        return ListingPage(records[offset:offset + 3], total=len(records))

    pages = _collect(paginate(fetch, _same, Offsets(3), guard=PageGuard()))
    assert asked == [0, 3, 6] and sum(len(p.fresh) for p in pages) == 7


def test_a_scroll_may_keep_its_id_but_not_repeat_its_records() -> None:
    batches = [[{"id": 1}, {"id": 2}], [{"id": 3}], []]

    async def fetch(token: str | None) -> ListingPage[dict[str, Any]]:
        return ListingPage(batches.pop(0), next="same-scroll")

    pages = _collect(paginate(fetch, _same, Scroll(), guard=PageGuard()))
    assert [i["id"] for p in pages for i in p.fresh] == [1, 2, 3]
    looping = [[{"id": 1}], [{"id": 1}]]

    async def stuck(token: str | None) -> ListingPage[dict[str, Any]]:
        return ListingPage(looping.pop(0) if looping else [{"id": 9}], next="s")

    with pytest.raises(PaginationLoop):
        _collect(paginate(stuck, _same, Scroll(), guard=PageGuard()))


def test_a_stable_scan_reads_again_when_short_and_checkpoints_once_at_the_start_capped() -> None:
    """A record deleted mid-scan shifts the next one onto a page already read: a second sweep."""
    records = [{"id": i} for i in range(6)]
    sweeps: list[int] = []

    def read(guard: PageGuard, sweep: int) -> AsyncIterator[ListingPage[dict[str, Any]]]:
        sweeps.append(sweep)
        shown = records if sweep == 2 else [r for r in records if r["id"] != 2]  # 2 skipped
        listing = Numbered(shown)
        listing.records = shown

        async def fetch(number: int) -> ListingPage[dict[str, Any]]:
            page = await listing.fetch(number)
            page.total = 6  # the count taken before the shift
            return page

        return paginate(fetch, _same, PageNumbers(), guard=guard, scope=sweep)

    until = T0 - timedelta(hours=1)
    pages = _collect(scan_orders(read, since=T0 - timedelta(days=1), until=until,
                                 sorted_by=SortedBy.STABLE, name="test"))
    assert sweeps == [1, 2]
    assert sorted(p["id"] for page in pages for p in page.payloads) == list(range(6))
    assert [p.checkpoint for p in pages] == [None] * (len(pages) - 1) + [until]


def test_a_stable_scan_checkpoints_at_the_platform_clock_less_lag() -> None:
    listing = Numbered([{"id": i} for i in range(3)])
    read = paged_listing(listing.fetch, _same, PageNumbers)
    pages = _collect(scan_orders(read, since=T0 - timedelta(days=1), until=None,
                                 sorted_by=SortedBy.STABLE, name="test", lag=timedelta(seconds=1)))
    assert pages[-1].checkpoint == T0 - timedelta(seconds=1)
    assert listing.asked == [1, 2], "no second sweep when the count matches"


def test_a_modified_sorted_scan_checkpoints_every_page_at_its_last_record() -> None:
    records = [{"id": i, "m": T0 + timedelta(minutes=i)} for i in range(5)]

    async def fetch(token: int | None) -> ListingPage[dict[str, Any]]:
        start = token or 0
        return ListingPage(records[start:start + 2], next=start + 2 if start + 2 < 5 else None)

    read = paged_listing(fetch, _same, Cursors)
    pages = _collect(scan_orders(read, since=T0, until=T0 + timedelta(minutes=3),
                                 sorted_by=SortedBy.MODIFIED, name="test",
                                 modified=lambda r: r["m"]))
    assert [p.checkpoint for p in pages] == [T0 + timedelta(minutes=1),
                                             T0 + timedelta(minutes=3), T0 + timedelta(minutes=3)]
    assert hub.scan_orders is scan_orders
