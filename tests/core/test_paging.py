import pytest

from hub.core.http.paging import PageGuard
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
