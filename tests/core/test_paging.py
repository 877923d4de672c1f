import asyncio

import pytest

from hub.core.http.paging import PageGuard, numbered_pages
from hub.core.http.redact import register_secret
from hub.errors import PaginationLoop


def test_repeated_cursor_raises() -> None:
    guard = PageGuard("Woo orders")
    for page in (1, 2, 3):
        guard.check(page)
    with pytest.raises(PaginationLoop, match=r"Woo orders: .*page/cursor 2 twice"):
        guard.check(2)


def test_none_cursor_is_not_remembered_and_unhashable_cursors_work() -> None:
    guard = PageGuard()
    guard.check(None)
    guard.check(None)
    guard.check({"after": "abc"})
    with pytest.raises(PaginationLoop):
        guard.check({"after": "abc"})


def test_cursor_in_message_is_redacted() -> None:
    register_secret("pg-secret-token")
    guard = PageGuard()
    url = "https://api.test/orders?page_info=x&access_token=pg-secret-token"
    guard.check(url)
    with pytest.raises(PaginationLoop) as caught:
        guard.check(url)
    assert "pg-secret-token" not in str(caught.value)


def test_max_pages() -> None:
    guard = PageGuard("scan", max_pages=2)
    guard.check("a")
    guard.check("b")
    with pytest.raises(PaginationLoop, match="more than 2 pages"):
        guard.check("c")


def test_fresh_drops_records_already_seen_in_the_scan() -> None:
    guard = PageGuard()
    assert guard.fresh([{"id": 1}, {"id": 2}]) == [{"id": 1}, {"id": 2}]
    assert guard.fresh([{"id": 2}, {"id": 3}, {"id": 3}]) == [{"id": 3}]
    assert guard.repeats == 2
    assert guard.seen_count == 3
    assert guard.fresh([{"sku": "A"}, {"sku": "A"}], key=lambda r: r["sku"]) == [{"sku": "A"}]


class Listing:
    """A numbered listing of ``total`` pages that answers after ``delay`` seconds."""

    def __init__(self, total: int, delay: float = 0.02) -> None:
        self.total, self.delay = total, delay
        self.in_flight = self.most_in_flight = 0
        self.asked: list[int] = []

    async def fetch(self, number: int) -> tuple[int, int, list[int]]:
        self.asked.append(number)
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.delay)
        finally:
            self.in_flight -= 1
        items = [number] if number <= self.total else []
        return number, self.total, items


def read(listing: Listing, ahead: int, stop_after: int | None = None) -> list[int]:
    async def main() -> list[int]:
        got = []
        pages = numbered_pages(listing.fetch, lambda p: p[1], lambda p: not p[2], ahead=ahead)
        async for number, _, _ in pages:
            got.append(number)
            if stop_after is not None and number == stop_after:
                await pages.aclose()
                break
        return got

    return asyncio.run(main())


def test_numbered_pages_arrive_in_order_with_ahead_in_flight() -> None:
    listing = Listing(10)
    assert read(listing, ahead=4) == list(range(1, 11))
    assert listing.most_in_flight == 4  # 1 + ceil(9 / 4) round trips, not 10
    assert sorted(listing.asked) == list(range(1, 11))  # nothing past the last page


def test_numbered_pages_one_at_a_time_when_ahead_is_one() -> None:
    listing = Listing(3)
    assert read(listing, ahead=1) == [1, 2, 3]
    assert listing.most_in_flight == 1


def test_numbered_pages_follow_a_listing_that_grows_and_stop_at_an_empty_page() -> None:
    listing = Listing(2)
    original = listing.fetch

    async def growing(number: int) -> tuple[int, int, list[int]]:
        page = await original(number)
        listing.total = 5 if number == 2 else listing.total  # new orders arrived meanwhile
        return page if number != 2 else (number, 5, page[2])

    listing.fetch = growing  # type: ignore[method-assign]
    assert read(listing, ahead=2) == [1, 2, 3, 4, 5]


def test_leaving_early_cancels_the_pages_in_flight() -> None:
    listing = Listing(20, delay=0.05)
    assert read(listing, ahead=4, stop_after=2) == [1, 2]
    assert listing.in_flight == 0
