"""Order import: every sync rule, each with a test that fails without it."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TypeVar

import pytest
from sqlmodel import col, func, select

from hub.core.app import HubApp
from hub.core.storage.models import (
    Category,
    Customer,
    Order,
    OrderEvent,
    OrderLine,
    Product,
    ProductLink,
    RunItem,
    StockLevel,
    SyncCursor,
    SyncRun,
    Warehouse,
)
from hub.core.sync import fulfilment
from hub.core.sync.orders import import_orders, import_payload
from hub.core.sync.stock import set_level
from hub.core.sync.writebehind import WriteBehind
from tests.fakeplatform import NOW, FakePlatform, Observer, make_order

T = TypeVar("T")


def run_import(app: HubApp, name: str = "main", **kw: object):  # type: ignore[no-untyped-def]
    async def go():  # type: ignore[no-untyped-def]
        try:
            return await import_orders(app, name, **kw)  # type: ignore[arg-type]
        finally:
            await app.accounts.aclose()
    return asyncio.run(go())


def read_ahead(app: HubApp, fake: FakePlatform, pages: int) -> None:
    """Give the fake platform's ``PlatformInfo.read_ahead`` (read once, when it registers)."""
    fake.read_ahead = pages
    app.host.unregister("fakeshop")
    app.host.register(fake, name="fakeshop", distribution="hub-fakeshop", version="1.0")


def written_in_a_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages written in the worker thread, as on PostgreSQL, on these tests' SQLite too."""
    import hub.core.sync.orders as orders_module

    class Threaded(WriteBehind[T]):
        def __init__(self, *, threaded: bool) -> None:
            super().__init__(threaded=True)

    monkeypatch.setattr(orders_module, "WriteBehind", Threaded)


def count(app: HubApp, model: type, *where: object) -> int:
    with app.db.session() as s:
        return s.exec(select(func.count()).select_from(model).where(*where)).one()


def orders_of(app: HubApp) -> dict[str, Order]:
    with app.db.session() as s:
        return {o.platform_order_id: o for o in s.exec(select(Order))}


@pytest.fixture(autouse=True)
def _clock(monkeypatch: pytest.MonkeyPatch) -> None:
    import hub.core.sync.orders as orders_module

    monkeypatch.setattr(orders_module, "now", lambda: NOW)


def test_imports_each_order_once_and_rerun_changes_nothing(app: HubApp, account: str,
                                                           fake: FakePlatform, observer: Observer) -> None:
    fake.add(*(make_order(i) for i in range(1, 6)))
    first = run_import(app)
    assert first.counts.counts["imported"] == 5 and first.status == "ok"
    assert first.counts.available == 5
    second = run_import(app, full=True)
    assert second.counts.counts["imported"] == 0
    assert second.counts.counts["unchanged"] == 5
    assert count(app, Order) == 5 and count(app, OrderLine) == 10
    assert sorted(o for _, o, created in observer.imported if created) == ["1", "2", "3", "4", "5"]


def test_amounts_are_exact_and_order_keeps_its_raw_payload(app: HubApp, account: str,
                                                           fake: FakePlatform) -> None:
    fake.add(make_order(1, lines=[{"product": "p1", "sku": "SKU-1", "name": "Mug", "qty": "3",
                                   "price": "0.10"}]) | {"total": "0.30"})
    run_import(app)
    order = orders_of(app)["1"]
    assert order.total == Decimal("0.30") and order.raw and order.raw["id"] == 1
    with app.db.session() as s:
        line = s.exec(select(OrderLine)).one()
    assert line.unit_price * line.quantity == Decimal("0.30")


def test_first_sync_backfills_the_window_then_uses_cursor_minus_overlap(
        app: HubApp, account: str, fake: FakePlatform) -> None:
    fake.add(make_order(1, modified=NOW - timedelta(days=59)),
             make_order(2, modified=NOW - timedelta(days=61)))  # outside the 60-day window
    result = run_import(app)
    assert set(orders_of(app)) == {"1"} and result.counts.counts["imported"] == 1
    # slices of 7 days: the first fetch starts 60 days back and each slice is bounded
    assert fake.fetch_calls[0][0] == NOW - timedelta(days=60)
    assert fake.fetch_calls[0][1] == NOW - timedelta(days=53)
    assert fake.fetch_calls[-1][1] is None
    with app.db.session() as s:
        cursor = s.get(SyncCursor, (1, "orders"))
    # the last finished slice ended 4 days ago and the open slice found nothing newer
    assert cursor is not None and cursor.position == NOW - timedelta(days=4)
    fake.fetch_calls.clear()
    fake.add(make_order(3, modified=NOW - timedelta(hours=1)))
    run_import(app)
    assert fake.fetch_calls == [(NOW - timedelta(days=4, minutes=10), None)]
    with app.db.session() as s:
        assert s.get(SyncCursor, (1, "orders")).position == NOW - timedelta(hours=1)


def test_backfill_days_setting_widens_the_window(app: HubApp, account: str, fake: FakePlatform) -> None:
    app.accounts.update_settings("main", {"backfill_days": "90"})
    fake.add(make_order(2, modified=NOW - timedelta(days=61)))
    run_import(app)
    assert set(orders_of(app)) == {"2"}


@pytest.mark.parametrize("pages", [0, 3])
def test_error_on_page_k_keeps_committed_pages_and_resumes_without_loss_or_duplicates(
        app: HubApp, account: str, fake: FakePlatform, observer: Observer,
        monkeypatch: pytest.MonkeyPatch, pages: int) -> None:
    read_ahead(app, fake, pages)  # pages read ahead are written in order, up to the failure
    if pages:
        written_in_a_thread(monkeypatch)
    fake.add(*(make_order(i, modified=NOW - timedelta(hours=10 - i)) for i in range(1, 8)))
    fake.fail_on_page = 3  # pages of 2: orders 1-4 commit, then the platform fails
    failed = run_import(app)
    assert failed.status == "failed" and "503" in (failed.error or "")
    assert set(orders_of(app)) == {"1", "2", "3", "4"}
    assert observer.failed == [("main", "orders")]
    with app.db.session() as s:
        assert s.get(SyncCursor, (1, "orders")).position == NOW - timedelta(hours=6)  # order 4
    fake.fail_on_page = None
    resumed = run_import(app)
    assert set(orders_of(app)) == {str(i) for i in range(1, 8)}
    assert resumed.counts.counts["imported"] == 3
    assert count(app, Order) == 7


@pytest.mark.parametrize("pages", [0, 3])  # 3: the page is written in a worker thread
def test_a_crash_mid_page_rolls_the_page_back(app: HubApp, account: str, fake: FakePlatform,
                                              monkeypatch: pytest.MonkeyPatch,
                                              pages: int) -> None:
    import hub.core.sync.orders as orders_module

    read_ahead(app, fake, pages)
    if pages:
        written_in_a_thread(monkeypatch)
    fake.add(*(make_order(i, modified=NOW - timedelta(hours=10 - i)) for i in range(1, 5)))
    original = orders_module.OrderWriter._create_many
    calls = {"n": 0}

    def dying_create(self, s, new, *a, **kw):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        original(self, s, new, *a, **kw)
        if calls["n"] == 2:  # the second page was written, not yet committed: the process "dies"
            raise KeyboardInterrupt

    monkeypatch.setattr(orders_module.OrderWriter, "_create_many", dying_create)
    with pytest.raises(KeyboardInterrupt):
        run_import(app)
    assert set(orders_of(app)) == {"1", "2"}  # page 2 was rolled back whole
    monkeypatch.setattr(orders_module.OrderWriter, "_create_many", original)
    run_import(app)
    assert set(orders_of(app)) == {"1", "2", "3", "4"} and count(app, Order) == 4
    with app.db.session() as s:
        statuses = [r.status for r in s.exec(select(SyncRun).order_by(SyncRun.id))]
    assert statuses == ["interrupted", "ok"]


@pytest.mark.parametrize(("payload", "reason"), [
    (make_order(1, lines=[]), "no line items"),
    ({**make_order(1), "buyer": None}, "no customer"),
    (make_order(1, email=None, phone=None), "customer has neither email nor phone"),
    (make_order(1, currency="EUR"), "currency EUR differs from the hub's USD"),
    (make_order(1, status="pending"), "status 'pending' is not ready to ship"),
    (make_order(1, status="cancelled"), "status 'cancelled' is excluded"),
])
def test_orders_breaking_a_rule_are_skipped_with_their_reason(app: HubApp, account: str,
                                                              fake: FakePlatform, payload: dict,
                                                              reason: str) -> None:
    fake.add(payload, make_order(2))
    result = run_import(app)
    assert set(orders_of(app)) == {"2"}
    assert result.counts.skipped == {reason: 1}
    with app.db.session() as s:
        item = s.exec(select(RunItem).where(RunItem.outcome == "skipped")).one()
    assert (item.key, item.reason) == ("1", reason)


def test_phone_alone_is_enough_contact_and_currency_follows_the_hub_setting(
        app: HubApp, account: str, fake: FakePlatform, monkeypatch: pytest.MonkeyPatch) -> None:
    fake.add(make_order(1, email=None, phone="+55 11 99999-0000"), make_order(2, currency="EUR"))
    monkeypatch.setenv("HUB_CURRENCY", "EUR")
    run_import(app)
    assert set(orders_of(app)) == {"2"}
    monkeypatch.delenv("HUB_CURRENCY")
    app.set_setting("currency", "USD")
    run_import(app, full=True)
    assert set(orders_of(app)) == {"1", "2"}


def test_eligible_and_excluded_statuses_are_configurable_per_account(
        app: HubApp, account: str, fake: FakePlatform) -> None:
    app.accounts.update_settings("main", {"eligible_statuses": "paid,on-hold"})
    fake.add(make_order(1, status="on-hold"), make_order(2, status="pending"))
    run_import(app)
    assert set(orders_of(app)) == {"1"}


def test_a_bad_payload_is_quarantined_and_the_batch_goes_on(app: HubApp, account: str,
                                                            fake: FakePlatform) -> None:
    bad = make_order(1)
    del bad["status"]
    fake.add(bad, make_order(2), {**make_order(3), "total": "not-money"})
    result = run_import(app)
    assert set(orders_of(app)) == {"2"}
    assert result.counts.counts["quarantined"] == 2 and result.status == "partial"
    with app.db.session() as s:
        items = {i.key: i for i in s.exec(select(RunItem).where(RunItem.outcome == "quarantined"))}
    assert "no status" in items["1"].reason and items["1"].payload["id"] == 1
    assert "not-money" in items["3"].reason


def test_products_matched_by_sku_created_when_missing_with_code_unit_and_category(
        app: HubApp, account: str, fake: FakePlatform) -> None:
    with app.db.session() as s:
        s.add(Product(sku="SKU-1", name="Existing mug"))
    fake.add(make_order(1), make_order(2))
    run_import(app)
    with app.db.session() as s:
        products = {p.sku: p for p in s.exec(select(Product))}
        categories = {c.id: c.name for c in s.exec(select(Category))}
        links = s.exec(select(ProductLink)).all()
    assert set(products) == {"SKU-1", "SKU-2-RED"}
    assert products["SKU-1"].name == "Existing mug"  # matched, not duplicated
    shirt = products["SKU-2-RED"]
    assert (shirt.code, shirt.unit, categories[shirt.category_id]) == ("p2", "piece", "Clothes")
    assert {(lk.platform_product_id, lk.platform_variant_id) for lk in links} == {("p1", ""), ("p2", "v7")}
    assert fake.product_fetches == [["p1", "p2"]]  # details fetched once, for unlinked products


def test_product_key_platform_id_never_matches_by_sku(app: HubApp, account: str,
                                                      fake: FakePlatform) -> None:
    app.accounts.update_settings("main", {"product_key": "platform_id"})
    with app.db.session() as s:
        s.add(Product(sku="OTHER", name="Mug"))
    fake.add(make_order(1, lines=[{"product": "p1", "name": "Mug", "qty": "1", "price": "1"}]))
    run_import(app)
    assert count(app, Product) == 2


def test_customers_matched_by_email_or_phone_are_never_duplicated(app: HubApp, account: str,
                                                                  fake: FakePlatform) -> None:
    fake.add(make_order(1, email="Same@Example.com"), make_order(2, email="same@example.com "),
             make_order(3, email=None, phone="+1 (555) 010-9999"),
             make_order(4, email="other@example.com", phone="15550109999"))
    run_import(app)
    with app.db.session() as s:
        customers = s.exec(select(Customer)).all()
        by_order = {o.platform_order_id: o.customer_id for o in s.exec(select(Order))}
    assert len(customers) == 2
    assert by_order["1"] == by_order["2"] and by_order["3"] == by_order["4"]


def test_platform_id_matching_for_platforms_without_contact_data(app: HubApp, fake: FakePlatform) -> None:
    fake.customer_match = "platform_id"
    app.host.unregister("fakeshop")
    app.host.register(fake, name="fakeshop")
    app.accounts.add("fakeshop", "meli", {"base_url": "https://x.example.com", "api_key": "k" * 8})
    fake.add(make_order(1, email=None), {**make_order(2, email=None), "buyer": make_order(1)["buyer"]})
    run_import(app, "meli")
    assert set(orders_of(app)) == {"1", "2"} and count(app, Customer) == 1


def test_redacted_customer_is_imported_as_unspecified(app: HubApp, account: str,
                                                      fake: FakePlatform) -> None:
    order = make_order(1, email=None)
    order["buyer"] = {"id": None, "first": None, "last": None, "redacted": True}
    fake.add(order, {**make_order(2, email=None), "buyer": order["buyer"]})
    run_import(app)
    with app.db.session() as s:
        [customer] = s.exec(select(Customer)).all()
    assert customer.unspecified and customer.first_name == "Unspecified"
    assert count(app, Order) == 2


def test_delivery_comment_and_a_new_comment_when_it_changes(app: HubApp, account: str,
                                                            fake: FakePlatform) -> None:
    fake.add(make_order(1))
    run_import(app)
    fake.add(make_order(1, delivery="Same day", modified=NOW - timedelta(minutes=1)))
    run_import(app)
    run_import(app, full=True)
    with app.db.session() as s:
        deliveries = [e.message for e in s.exec(select(OrderEvent).where(OrderEvent.kind == "delivery"))]
    assert len(deliveries) == 2
    assert deliveries[0].startswith("Delivery: Express; cost 4.00 USD; to 1 Main St")
    assert deliveries[1].startswith("Delivery: Same day")


def test_changes_update_the_order_until_its_stock_is_deducted(app: HubApp, account: str,
                                                              fake: FakePlatform) -> None:
    fake.add(make_order(1))
    run_import(app)
    changed = make_order(1, modified=NOW - timedelta(minutes=5))
    changed["lines"][0]["qty"] = "5"
    fake.add(changed)
    result = run_import(app)
    assert result.counts.counts["updated"] == 1
    order = orders_of(app)["1"]
    with app.db.session() as s:
        qty = s.exec(select(OrderLine.quantity).where(OrderLine.sku == "SKU-1")).one()
        assert qty == Decimal("5")
        events = [e.message for e in s.exec(select(OrderEvent).where(OrderEvent.kind == "updated"))]
    assert "SKU-1 quantity 2 -> 5" in events[0]
    fulfilment.deduct(app, order.id)
    changed["lines"][0]["qty"] = "7"
    changed["modified"] = (NOW - timedelta(minutes=2)).isoformat()
    fake.add(changed)
    run_import(app)
    with app.db.session() as s:
        ignored = s.exec(select(OrderEvent).where(OrderEvent.kind == "ignored")).all()
    assert len(ignored) == 1 and "after the stock was deducted" in ignored[0].message
    fake.add(make_order(1, status="cancelled", modified=NOW - timedelta(minutes=1)))
    run_import(app)
    after = orders_of(app)["1"]
    # deducted: the status is recorded (the order's life goes on) but lines stay as deducted
    assert after.status == "cancelled"
    with app.db.session() as s:
        assert s.exec(select(OrderLine.quantity).where(OrderLine.sku == "SKU-1")).one() == 5
        last = s.exec(select(OrderEvent).order_by(col(OrderEvent.id).desc()).limit(2)).all()
    assert [(e.kind, e.message) for e in reversed(last)] == [
        ("updated", "status paid -> cancelled"),
        ("state", "ready -> cancelled: FakeShop status 'cancelled'")]


def test_a_deleted_order_is_imported_again_and_nothing_else_recreates_it(
        app: HubApp, account: str, fake: FakePlatform) -> None:
    fake.add(make_order(1), make_order(2))
    run_import(app)
    fulfilment.delete(app, orders_of(app)["1"].id)
    assert set(orders_of(app)) == {"2"}
    run_import(app, full=True)
    assert set(orders_of(app)) == {"1", "2"} and count(app, Order) == 2


def test_import_debits_the_sales_warehouse_once_and_gives_back_on_cancel(
        app: HubApp, account: str, fake: FakePlatform) -> None:
    with app.db.session() as s:
        s.add(Warehouse(name="main"))
        s.add(Product(sku="SKU-1", name="Mug"))
        s.flush()
        set_level(s, 1, 1, 10)
    fake.add(make_order(1))
    run_import(app)
    run_import(app, full=True)
    def level() -> int:
        with app.db.session() as s:
            return s.exec(select(StockLevel.quantity).where(StockLevel.product_id == 1)).one()
    assert level() == 8  # 2 mugs, debited once even though imported twice
    fake.add(make_order(1, status="cancelled", modified=NOW - timedelta(minutes=1)))
    run_import(app)
    assert level() == 10


def test_payload_import_goes_through_the_same_rules(app: HubApp, account: str) -> None:
    async def go():  # type: ignore[no-untyped-def]
        return [await import_payload(app, "main", make_order(9)),
                await import_payload(app, "main", make_order(9)),
                await import_payload(app, "main", make_order(10, currency="EUR"))]
    first, again, euro = asyncio.run(go())
    assert first.counts.counts["imported"] == 1 and again.counts.counts["unchanged"] == 1
    assert euro.counts.skipped == {"currency EUR differs from the hub's USD": 1}


def test_two_accounts_with_colliding_ids_and_skus_stay_isolated(app: HubApp, account: str,
                                                                fake: FakePlatform) -> None:
    app.accounts.add("fakeshop", "second", {"base_url": "https://b.example.com", "api_key": "k" * 8})
    fake.add(make_order(1))
    run_import(app, "main")
    run_import(app, "second")
    with app.db.session() as s:
        orders = s.exec(select(Order)).all()
        links = s.exec(select(ProductLink)).all()
    assert sorted((o.account_id, o.platform_order_id) for o in orders) == [(1, "1"), (2, "1")]
    assert {lk.account_id for lk in links} == {1, 2} and len(links) == 4


def test_a_second_concurrent_import_of_one_account_is_refused(app: HubApp, account: str,
                                                              fake: FakePlatform) -> None:
    from hub.core.accounts import LeaseBusy

    fake.add(make_order(1))

    async def go() -> None:
        async with app.accounts.lease("run:orders:1", ttl=30):
            with pytest.raises(LeaseBusy, match="another run of main orders is in progress"):
                await import_orders(app, "main")
    asyncio.run(go())
    assert count(app, Order) == 0


def test_without_read_ahead_the_scan_resumes_only_after_its_page_is_committed(
        app: HubApp, account: str, fake: FakePlatform) -> None:
    fake.add(*(make_order(i, modified=NOW - timedelta(hours=10 - i)) for i in range(1, 8)))
    committed: list[int] = []
    fake.on_resume = lambda: committed.append(count(app, Order))
    run_import(app)
    assert committed == [2, 4, 6, 7]  # pages of 2: each one in the database before the next is read


@pytest.mark.parametrize("slice_days", ["0", "2"])
def test_read_ahead_imports_every_slice_once_and_ends_at_the_same_cursor(
        app: HubApp, fake: FakePlatform, slice_days: str) -> None:
    app.accounts.add("fakeshop", "main", {"base_url": "https://s.example.com", "api_key": "k" * 10,
                                          "backfill_days": "10", "backfill_slice_days": slice_days})
    fake.add(*(make_order(i, modified=NOW - timedelta(hours=6 * i + 1)) for i in range(1, 30)))
    read_ahead(app, fake, 3)
    committed: list[int] = []
    fake.on_resume = lambda: committed.append(count(app, Order))
    result = run_import(app)
    assert result.counts.counts["imported"] == 29 and count(app, Order) == 29
    assert any(n < 2 * k for k, n in enumerate(committed, start=1)), "pages were read ahead"
    with app.db.session() as s:
        assert s.get(SyncCursor, (1, "orders")).position == NOW - timedelta(hours=7)  # order 1
    assert run_import(app).counts.counts.get("imported", 0) == 0


def test_peek_order_skips_new_excluded_orders_unparsed_with_the_same_reasons(
        app: HubApp, account: str, fake: FakePlatform) -> None:
    fake.add(make_order(1), make_order(2, status="cancelled"), make_order(3, status="pending"),
             make_order(4, status="refunded"))
    plain = run_import(app)
    fake.peeking, fake.parsed = True, []
    app.accounts.add("fakeshop", "peeked", {"base_url": "https://t.example.com", "api_key": "k" * 10})
    peeked = run_import(app, "peeked")
    assert fake.parsed == ["1"]  # the three the rules exclude were never parsed
    assert peeked.counts.counts == plain.counts.counts
    assert peeked.counts.skipped == plain.counts.skipped  # same reasons, same numbers


def test_peek_order_never_skips_an_order_the_hub_holds(app: HubApp, account: str,
                                                        fake: FakePlatform) -> None:
    fake.add(make_order(1, modified=NOW - timedelta(hours=3)))
    run_import(app)
    fake.peeking, fake.parsed = True, []
    fake.add(make_order(1, status="cancelled", modified=NOW - timedelta(hours=1)))
    result = run_import(app)
    assert fake.parsed == ["1"] and result.counts.counts["updated"] == 1
    assert orders_of(app)["1"].status == "cancelled"  # the cancellation reached the held order


@pytest.mark.parametrize("pages", [0, 3])
def test_an_order_listed_again_on_the_next_page_finds_the_first_copy_committed(
        app: HubApp, account: str, fake: FakePlatform, monkeypatch: pytest.MonkeyPatch,
        pages: int) -> None:
    """With read-ahead the next page is read while the page before is still being written
    (a slow write, here): its triage must still find the order the page before imported."""
    import hub.core.sync.orders as orders_module

    store = orders_module.OrderWriter.store

    def slow_store(self, page):  # type: ignore[no-untyped-def]
        time.sleep(0.3)
        return store(self, page)

    monkeypatch.setattr(orders_module.OrderWriter, "store", slow_store)
    read_ahead(app, fake, pages)
    if pages:
        written_in_a_thread(monkeypatch)
    fake.peeking = True
    fake.add(*(make_order(i, modified=NOW - timedelta(hours=10 - i)) for i in range(1, 5)))
    later = fake.orders["3"]  # on page 2; listed again as order 1, cancelled since page 1

    def drift() -> None:
        if later["id"] == 3:
            later.update(make_order(1, status="cancelled", modified=NOW - timedelta(hours=1)))
    fake.on_resume = drift
    result = run_import(app)
    assert set(orders_of(app)) == {"1", "2", "4"} and orders_of(app)["1"].status == "cancelled"
    assert result.counts.counts == {"imported": 3, "updated": 1} and not result.counts.skipped


def test_stop_with_read_ahead_ends_after_the_page_being_written(
        app: HubApp, account: str, fake: FakePlatform, monkeypatch: pytest.MonkeyPatch) -> None:
    read_ahead(app, fake, 3)
    written_in_a_thread(monkeypatch)
    fake.add(*(make_order(i, modified=NOW - timedelta(hours=10 - i)) for i in range(1, 8)))
    stop = asyncio.Event()
    stop.set()  # asked before the first page: that page is committed, no other
    result = run_import(app, stop=stop)
    assert result.status == "interrupted" and set(orders_of(app)) == {"1", "2"}
    assert run_import(app).counts.counts["imported"] == 5


def test_a_resumed_import_far_behind_commits_its_cursor_after_each_slice(
        app: HubApp, account: str, fake: FakePlatform) -> None:
    """A kill mid-resume keeps the slices already read (issue 15: the cursor stayed put)."""
    from hub.core.sync.orders import advance_cursor
    from hub.errors import TransientError

    fake.checkpoint_pages = False  # like WooCommerce: a scan checkpoints only at its end
    fake.add(*(make_order(i, modified=NOW - timedelta(days=i)) for i in range(1, 30)))
    with app.db.session() as s:
        advance_cursor(s, 1, "orders", NOW - timedelta(days=30))
    positions: list[object] = []

    async def before_fetch() -> None:
        with app.db.session() as s:
            positions.append(s.get(SyncCursor, (1, "orders")).position)
        if len(positions) == 4:
            raise TransientError("killed")  # the run dies inside its fourth slice

    fake.before_fetch = before_fetch
    failed = run_import(app)
    assert failed.status == "failed"
    start = NOW - timedelta(days=30, minutes=10)
    assert fake.fetch_calls[0] == (start, start + timedelta(days=7))
    assert positions == [NOW - timedelta(days=30)] + [start + timedelta(days=7 * k)
                                                      for k in (1, 2, 3)]
    fake.before_fetch = None
    fake.fetch_calls.clear()
    resumed = run_import(app)
    assert resumed.status == "ok" and count(app, Order) == 29
    assert fake.fetch_calls[0][0] == start + timedelta(days=21, minutes=-10)


def test_a_checkpoint_past_the_slice_end_is_clamped_to_it(
        app: HubApp, account: str, fake: FakePlatform) -> None:
    """A plugin vouching for a time after its slice's end cannot move the cursor past orders not read."""
    from hub.errors import TransientError

    fake.add(*(make_order(i, modified=NOW - timedelta(days=i)) for i in range(1, 30)))
    fake.checkpoint_at = NOW + timedelta(days=1)  # a plugin that answers with the platform's clock

    def had_orders(window: tuple[datetime, datetime | None]) -> bool:
        return any(window[0] <= NOW - timedelta(days=i) < (window[1] or NOW) for i in range(1, 30))

    async def before_fetch() -> None:
        if len(fake.fetch_calls) > 1 and had_orders(fake.fetch_calls[-2]):
            raise TransientError("killed")  # dies in the slice after the first one with orders

    fake.before_fetch = before_fetch
    assert run_import(app).status == "failed"
    read_end = fake.fetch_calls[-2][1]
    with app.db.session() as s:
        assert s.get(SyncCursor, (1, "orders")).position == read_end
    fake.before_fetch = None
    fake.checkpoint_at = None
    assert run_import(app).status == "ok" and count(app, Order) == 29


def test_an_import_sets_the_heap_aside_while_it_runs_and_hands_it_back(
        app: HubApp, account: str, fake: FakePlatform) -> None:
    """gc.freeze and a higher young threshold during the import, both undone when it ends,
    failed or not."""
    import gc

    fake.add(*(make_order(i, modified=NOW - timedelta(hours=10 - i)) for i in range(1, 6)))
    during: list[tuple[int, int]] = []
    before = gc.get_threshold()
    assert gc.get_freeze_count() == 0 and before[0] < 10_000
    done = run_import(app, progress=lambda n, total: during.append(
        (gc.get_freeze_count(), gc.get_threshold()[0])))
    assert done.counts.counts["imported"] == 5 and during
    assert all(frozen > 0 and young == 10_000 for frozen, young in during)
    assert gc.get_freeze_count() == 0 and gc.get_threshold() == before
    fake.fail_on_page = 2
    fake.add(*(make_order(i, modified=NOW - timedelta(hours=5)) for i in range(6, 10)))
    failed = run_import(app, full=True)
    assert failed.status == "failed"
    assert gc.get_freeze_count() == 0 and gc.get_threshold() == before


def test_concurrent_imports_share_one_freeze() -> None:
    import gc

    from hub.core.heap import settled_heap

    async def nested() -> list[int]:
        seen = [gc.get_freeze_count()]
        async with settled_heap():
            seen.append(gc.get_freeze_count())
            async with settled_heap():
                seen.append(gc.get_freeze_count())
            seen.append(gc.get_freeze_count())  # the other import still runs
        seen.append(gc.get_freeze_count())
        return seen

    thresholds = gc.get_threshold()
    before, outer, inner, after_inner, after = asyncio.run(nested())
    assert before == 0 and outer > 0 and inner == outer and after_inner == outer and after == 0
    assert gc.get_threshold() == thresholds


def test_a_freeze_the_process_made_itself_is_left_as_it_is() -> None:
    """The hub executable freezes what its start-up imports loaded: an import keeps that freeze
    (gc.unfreeze would release it all) and still raises the young threshold while it runs."""
    import gc

    from hub.core.heap import settled_heap

    async def during() -> tuple[int, int]:
        async with settled_heap():
            return gc.get_freeze_count(), gc.get_threshold()[0]

    thresholds = gc.get_threshold()
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        assert frozen > 0
        inside, young = asyncio.run(during())
        # nothing added (a freeze would add every object made since), nothing released (frozen
        # objects freed by reference counting leave the count, so it may only go down a little)
        assert young == 10_000 and 0 < inside <= frozen
        assert 0 < gc.get_freeze_count() <= frozen and gc.get_threshold() == thresholds
    finally:
        gc.unfreeze()
