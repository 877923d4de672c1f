"""The plugin against its sandbox on 127.0.0.1: backfill, feed, faults, limits, auth."""

from __future__ import annotations

import time
from datetime import timedelta
from types import ModuleType

import pytest

import hub
from hub.sandbox import SandboxOptions, TokenBucket
from hub.testing.transports import InFlight
from hub_vtex import plugin
from hub_vtex.sandbox import VtexSandbox

BACKFILL = timedelta(days=60)


def eligible(acct: hub.Account, pages: list[hub.OrderPage]) -> set[str]:
    """What the core's rules keep (ready, lines, BRL, a contact) from the scanned orders."""
    orders = [plugin.parse_order(acct, p) for page in pages for p in page.payloads]
    return {o.platform_order_id for o in orders
            if o.status == "ready-for-handling" and o.lines and o.currency == "BRL"
            and o.customer is not None and (o.customer.email or o.customer.phone)}


def test_a_backfill_reads_every_order_created_since_exactly_once(vt: ModuleType) -> None:
    with vt.running(orders=260) as (sandbox, acct):
        since = sandbox.now() - BACKFILL
        pages = vt.run(acct, lambda a: vt.scan(a, since))
        found = vt.ids(pages)
        assert len(found) == len(set(found))
        assert set(found) == sandbox.created_between(since)
        assert set(sandbox.orders) - set(found), "older orders exist and were left out"
        assert eligible(acct, pages) == sandbox.eligible_order_ids()
        assert sandbox.stats.routes["GET /api/oms/pvt/orders/{orderId}"] == len(found)
        checkpoint = pages[-1].checkpoint
        assert checkpoint is not None and since < checkpoint <= sandbox.now()
        assert sandbox.feed is not None, "auto mode sets the feed up for the next runs"


def test_the_sandbox_has_every_shape_the_rules_must_catch(vt: ModuleType) -> None:
    with vt.running(orders=120) as (sandbox, acct):
        pages = vt.run(acct, lambda a: vt.scan(a, sandbox.now() - timedelta(days=91)))
    orders = [plugin.parse_order(acct, p) for page in pages for p in page.payloads]
    assert {"ready-for-handling", "handling", "invoiced", "canceled",
            "payment-pending"} <= {o.status for o in orders}
    assert any(o.currency == "USD" for o in orders)
    assert any(o.customer is None for o in orders)
    assert any(o.customer and not o.customer.email and not o.customer.phone for o in orders)
    assert any("masked_email" in o.flags for o in orders)
    assert any(len(o.lines) >= 3 for o in orders)
    assert not any("totals_mismatch" in o.flags for o in orders)


def test_429_bursts_and_503s_are_retried(vt: ModuleType) -> None:
    with vt.running(orders=150, burst_429=3, burst_at=4, retry_after=0.05,
                    error_5xx_every=9) as (sandbox, acct):
        since = sandbox.now() - BACKFILL
        found = vt.ids(vt.run(acct, lambda a: vt.scan(a, since)))
        assert sorted(found) == sorted(sandbox.created_between(since))
        assert sandbox.stats.rejected_429 == 3 and sandbox.stats.errors_5xx >= 1


def test_the_order_rate_limit_answers_429_and_the_import_still_completes(vt: ModuleType) -> None:
    sandbox = plugin.create_sandbox(SandboxOptions(now=vt.NOW, orders=120))
    sandbox.buckets["order"] = TokenBucket(5, 40)  # 40/s: tighter than the plugin's 100/s
    with vt.running(sandbox) as (sandbox, acct):
        since = sandbox.now() - BACKFILL
        found = vt.ids(vt.run(acct, lambda a: vt.scan(a, since)))
    assert sorted(found) == sorted(sandbox.created_between(since))
    assert sandbox.buckets["order"].rejected > 0


def test_with_latency_the_import_is_bound_by_the_rate_limit_not_round_trips(vt: ModuleType) -> None:
    with vt.running(orders=200, latency=0.1) as (sandbox, acct):
        since = sandbox.now() - BACKFILL
        acct.runtime.transport = counted = InFlight()
        found = vt.ids(vt.run(acct, lambda a: vt.scan(a, since)))
    # ~130 order fetches one by one would take 13 s; overlapped, the rate limit bounds them
    assert len(found) > 100 and counted.most >= 4, counted.most


def test_drift_between_pages_loses_nothing_and_the_feed_brings_the_change(vt: ModuleType) -> None:
    with vt.running(orders=260, drift_page=1) as (sandbox, acct):
        since = sandbox.now() - BACKFILL
        before = sandbox.created_between(since)

        async def twice(a: hub.Account) -> tuple[list[hub.OrderPage], list[hub.OrderPage]]:
            first = await vt.scan(a, since)
            checkpoint = first[-1].checkpoint
            assert checkpoint is not None
            return first, await vt.scan(a, checkpoint - timedelta(minutes=10))

        first, second = vt.run(acct, twice)
        assert sandbox.drifted
        found = vt.ids(first)
        assert len(found) == len(set(found))
        new = set(found) - before
        assert len(new) == 1, "the order created while paging is on a later page"
        changed = {p["orderId"]: p for page in second for p in page.payloads}
        assert any(p["status"] == "canceled" for p in changed.values())
        assert sandbox.stats.routes["GET /api/orders/feed"] >= 1


def test_after_the_backfill_the_feed_brings_new_orders_and_cancellations(vt: ModuleType) -> None:
    with vt.running(orders=80) as (sandbox, acct):
        since = sandbox.now() - BACKFILL

        async def flow(a: hub.Account) -> tuple[list[hub.OrderPage], list[hub.OrderPage]]:
            first = await vt.scan(a, since)
            ready = sorted(sandbox.eligible_order_ids())[0]
            sandbox.change_status(ready, "canceled")
            fresh = sandbox.new_order()
            checkpoint = first[-1].checkpoint
            assert checkpoint is not None
            second = await vt.scan(a, checkpoint - timedelta(minutes=10))
            return second, [hub.OrderPage(payloads=[{"orderId": ready}, {"orderId": fresh}])]

        second, expected = vt.run(acct, flow)
        assert sorted(vt.ids(second)) == sorted(vt.ids(expected))
        assert sandbox.stats.routes["GET /api/orders/feed"] >= 1
        assert sandbox.feed is not None and sandbox.feed.events == []  # every handle committed
        assert sandbox.feed.committed == 3  # two events, one of them delivered twice
        assert second[-1].checkpoint is not None


def test_a_feed_only_account_sees_only_unexpired_events(vt: ModuleType) -> None:
    sandbox = VtexSandbox(SandboxOptions(now=vt.NOW, orders=150), feed_since=timedelta(days=20))
    with vt.running(sandbox) as (sandbox, acct):
        recent = {oid for oid, h in sandbox.histories.items()
                  if any(s in ("ready-for-handling", "canceled", "handling", "invoiced")
                         and w > sandbox.now() - timedelta(seconds=345_600) for s, w in h)}
        acct = vt.with_settings(acct, order_source="feed")
        found = vt.ids(vt.run(acct, lambda a: vt.scan(a, sandbox.now() - timedelta(days=60))))
        assert set(found) == recent and len(found) == len(set(found))
        assert len(recent) < len(sandbox.eligible_order_ids()), "older events expired"


def test_a_crash_before_the_commit_gets_the_events_again(vt: ModuleType) -> None:
    sandbox = VtexSandbox(SandboxOptions(now=vt.NOW, orders=40))
    sandbox.configure_feed(["ready-for-handling", "canceled", "handling", "invoiced"], visibility=1)
    with vt.running(sandbox) as (sandbox, acct):
        acct = vt.with_settings(acct, order_source="feed")
        fresh = sandbox.new_order()

        async def crash_then_retry(a: hub.Account) -> list[str]:
            pages = plugin.fetch_orders(a, sandbox.now(), None)
            first = await anext(pages)
            assert [p["orderId"] for p in first.payloads] == [fresh]
            await pages.aclose()  # the hub died before committing the page
            assert vt.ids(await vt.scan(a, sandbox.now())) == []  # still hidden
            time.sleep(1.1)  # the visibility timeout passes
            return vt.ids(await vt.scan(a, sandbox.now()))

        assert vt.run(acct, crash_then_retry) == [fresh]
        assert sandbox.feed is not None and sandbox.feed.events == []


def test_bad_keys_are_refused_and_a_key_without_the_feed_role_reads_the_list(vt: ModuleType) -> None:
    with vt.running(orders=30) as (sandbox, acct):
        bad = vt.with_settings(acct, app_token="WRONG-TOKEN-1234567")
        with pytest.raises(hub.AuthError) as refused:
            vt.run(bad, lambda a: plugin.authorize(a, None))
        assert "WRONG-TOKEN-1234567" not in str(refused.value)
        assert vt.run(acct, lambda a: plugin.authorize(a, None)) is None
        sandbox.revoke_role("feed")
        since = sandbox.now() - BACKFILL
        found = vt.ids(vt.run(acct, lambda a: vt.scan(a, since)))
        assert set(found) == sandbox.created_between(since) and sandbox.feed is None


def test_fetch_order_returns_none_for_unknown_orders(vt: ModuleType) -> None:
    with vt.running(orders=10) as (sandbox, acct):
        known = next(iter(sandbox.orders))
        assert vt.run(acct, lambda a: plugin.fetch_order(a, known))["orderId"] == known
        assert vt.run(acct, lambda a: plugin.fetch_order(a, "999-01")) is None


def test_products_come_from_the_catalog_sku_endpoints(vt: ModuleType) -> None:
    with vt.running(orders=10) as (sandbox, acct):
        async def both(a: hub.Account) -> tuple[list[hub.Product], list[hub.Product]]:
            named = [plugin.map_product(a, p) async for batch in
                     plugin.fetch_products(a, ["100", "104", "999"]) for p in batch]
            every = [plugin.map_product(a, p) async for batch in
                     plugin.fetch_products(a, None) for p in batch]
            return named, every

        named, every = vt.run(acct, both)
    assert [p.platform_product_id for p in named] == ["100", "104"]
    shirt = named[0]
    assert shirt.name == "Basic T-Shirt" and shirt.category == "T-Shirts"
    assert [v.sku for v in shirt.variants] == ["BT-S", "BT-M", "BT-L"]
    assert all(v.barcode and len(v.barcode) == 13 for v in shirt.variants)
    assert sum(len(p.variants) for p in every) == len(sandbox.skus)
