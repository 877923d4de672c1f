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


# --- a listing the platform caps, read as windows -------------------------------------------

def test_halve_splits_on_the_step_grid_and_refuses_below_two_steps() -> None:
    ms = timedelta(milliseconds=1)
    assert hub.halve((T0, T0 + 10 * ms), ms) == ((T0, T0 + 5 * ms), (T0 + 6 * ms, T0 + 10 * ms))
    low, high = hub.halve((T0, T0 + 5 * ms), ms) or ((T0, T0), (T0, T0))
    assert low == (T0, T0 + 2 * ms) and high == (T0 + 3 * ms, T0 + 5 * ms)
    assert hub.halve((T0, T0 + ms), ms) is None


def test_split_windows_halves_a_window_over_the_cap_and_reads_each_record_once() -> None:
    """A platform serving at most 2 pages of 2 per query: 11 records, windows over ids."""
    records = [{"id": i} for i in range(11)]
    asked: list[tuple[tuple[int, int], int]] = []

    async def fetch(window: tuple[int, int], number: int) -> ListingPage[dict[str, Any]]:
        asked.append((window, number))
        assert number <= 2, "asked past the platform's cap"
        found = [r for r in records if window[0] <= r["id"] <= window[1]]
        return ListingPage(found[(number - 1) * 2:number * 2], total=len(found),
                           total_pages=min(2, (len(found) + 1) // 2))

    def split(window: tuple[int, int]) -> tuple[tuple[int, int], tuple[int, int]]:
        middle = (window[0] + window[1]) // 2
        return (window[0], middle), (middle + 1, window[1])

    guard = PageGuard()
    pages = _collect(hub.split_windows(fetch, _same, PageNumbers, (0, 10),
                                       too_big=lambda p: (p.total or 0) > 4, split=split,
                                       guard=guard))
    assert [r["id"] for p in pages for r in p.fresh] == list(range(11))
    first_pages = [a for a in asked if a[1] == 1]
    assert len(first_pages) == len(set(first_pages))  # no window's first page is asked twice
    assert (0, 10) in [w for w, _ in asked] and all(
        p.total is not None and p.total <= 4 for p in pages)


def test_split_windows_passes_on_a_window_that_cannot_be_split() -> None:
    async def fetch(window: tuple[int, int], number: int) -> ListingPage[dict[str, Any]]:
        return ListingPage([{"id": 1}], total=99, total_pages=50)

    def split(window: tuple[int, int]) -> tuple[tuple[int, int], tuple[int, int]]:
        raise hub.PlatformError("more records in one instant than the platform serves")

    with pytest.raises(hub.PlatformError, match="one instant"):
        _collect(hub.split_windows(fetch, _same, PageNumbers, (0, 0), too_big=lambda p: True,
                                   split=split, guard=PageGuard()))
