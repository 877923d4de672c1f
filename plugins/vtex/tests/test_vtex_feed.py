"""Feed v3 and the order list with respx: commit only after the core's commit, slicing, sources."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import Any

import httpx
import pytest
import respx

import hub
from hub_vtex import feed, listing, orders
from hub_vtex.client import VtexClient

FEED = "/api/orders/feed"


def event(n: int, order_id: str, state: str = "ready-for-handling") -> dict[str, Any]:
    return {"eventId": f"E{n}", "handle": f"H{n}", "domain": "Fulfillment", "state": state,
            "lastState": "window-to-cancel", "orderId": order_id,
            "lastChange": "2024-05-20T12:00:00.0000000Z",
            "currentChange": "2024-05-20T12:00:01.0000000Z"}


class FakeFeed:
    """A respx side effect serving ``lots`` (one list per GET) and recording commits."""

    def __init__(self, lots: list[list[dict[str, Any]]]) -> None:
        self.lots = list(lots)
        self.committed: list[str] = []

    def get(self, request: httpx.Request) -> httpx.Response:
        assert request.url.params["maxlot"] == "10"
        return httpx.Response(200, json=self.lots.pop(0) if self.lots else [],
                              headers={"Date": "Mon, 20 May 2024 15:00:00 GMT"})

    def commit(self, request: httpx.Request) -> httpx.Response:
        self.committed += json.loads(request.content)["handles"]
        return httpx.Response(200)


def mock_orders(router: respx.Router, vt: ModuleType, *order_ids: str) -> respx.Route:
    def one(request: httpx.Request) -> httpx.Response:
        order_id = request.url.path.rsplit("/", 1)[1]
        if order_id not in order_ids:
            return httpx.Response(404, json={"error": {"code": "OMS004", "message": "not found"}})
        return httpx.Response(200, json=vt.order(orderId=order_id))
    return router.get(url__regex=rf"{vt.BASE}/api/oms/pvt/orders/[^/]+$").mock(side_effect=one)


def test_handles_are_committed_only_when_the_core_asks_for_the_next_page(vt: ModuleType) -> None:
    full = [event(n, f"{n}-01") for n in range(10)]
    fake = FakeFeed([full] * 10 + [[event(100, "100-01"), event(101, "5-01")]])
    acct = vt.account()

    async def work(a: hub.Account) -> None:
        client = VtexClient(a)
        with respx.mock(assert_all_called=False) as router:
            router.get(f"{vt.BASE}{FEED}").mock(side_effect=fake.get)
            router.post(f"{vt.BASE}{FEED}").mock(side_effect=fake.commit)
            mock_orders(router, vt, *[f"{n}-01" for n in (*range(10), 100)])
            pages = feed.drain(client, None, orders.details, _settled)
            first = await anext(pages)
            # The core has the page but has not committed it: nothing is spent yet.
            assert fake.committed == [] and first.checkpoint is None
            assert sorted(p["orderId"] for p in first.payloads) == sorted(f"{n}-01" for n in range(10))
            last = await anext(pages)  # resumed: the first page's 100 handles are committed
            assert len(fake.committed) == 100 and "H100" not in fake.committed
            assert [p["orderId"] for p in last.payloads] == ["100-01", "5-01"]
            assert last.checkpoint == datetime(2024, 5, 20, 15, 0, tzinfo=UTC)
            with pytest.raises(StopAsyncIteration):
                await anext(pages)
            assert fake.committed[-2:] == ["H100", "H101"]

    vt.run(acct, work)


def test_a_page_the_core_never_committed_leaves_its_handles(vt: ModuleType) -> None:
    fake = FakeFeed([[event(1, "1-01"), event(2, "1-01")]])  # a duplicate of one order

    async def work(a: hub.Account) -> list[hub.OrderPage]:
        client = VtexClient(a)
        with respx.mock(assert_all_called=False) as router:
            router.get(f"{vt.BASE}{FEED}").mock(side_effect=fake.get)
            router.post(f"{vt.BASE}{FEED}").mock(side_effect=fake.commit)
            details = mock_orders(router, vt, "1-01")
            pages = feed.drain(client, None, orders.details, _settled)
            page = await anext(pages)
            await pages.aclose()  # the core failed while writing this page
            assert details.call_count == 1  # the order was fetched once for both events
            return [page]

    pages = vt.run(vt.account(), work)
    assert [p["orderId"] for p in pages[0].payloads] == ["1-01"]
    assert fake.committed == []


def test_orders_vtex_no_longer_has_are_left_out_but_their_events_committed(vt: ModuleType) -> None:
    fake = FakeFeed([[event(1, "gone-01"), event(2, "2-01")]])

    async def work(a: hub.Account) -> list[hub.OrderPage]:
        with respx.mock(assert_all_called=False) as router:
            router.get(f"{vt.BASE}{FEED}").mock(side_effect=fake.get)
            router.post(f"{vt.BASE}{FEED}").mock(side_effect=fake.commit)
            mock_orders(router, vt, "2-01")
            return [p async for p in feed.drain(VtexClient(a), None, orders.details, _settled)]

    pages = vt.run(vt.account(), work)
    assert vt.ids(pages) == ["2-01"] and sorted(fake.committed) == ["H1", "H2"]


async def _settled() -> None:
    await asyncio.sleep(0)


@pytest.mark.parametrize("answer, posts, ready", [
    (httpx.Response(404, json={"error": {"code": "FD001", "message": "not found"}}), 1, False),
    (httpx.Response(200, json={"filter": {"type": "FromWorkflow", "status": ["invoiced"]}}), 1,
     False),
    (httpx.Response(200, json={"filter": {"type": "FromWorkflow",
                                          "status": ["canceled", "ready-for-handling"]}}), 0, True),
])
def test_the_feed_is_configured_unless_it_already_matches(vt: ModuleType, answer: httpx.Response,
                                                          posts: int, ready: bool) -> None:
    async def work(a: hub.Account) -> tuple[bool, respx.Route]:
        with respx.mock(assert_all_called=False) as router:
            router.get(f"{vt.BASE}/api/orders/feed/config").mock(return_value=answer)
            post = router.post(f"{vt.BASE}/api/orders/feed/config").mock(
                return_value=httpx.Response(200))
            found, _ = await feed.ensure(VtexClient(a), ["ready-for-handling", "canceled"])
            if posts:
                assert json.loads(post.calls.last.request.content) == {
                    "filter": {"type": "FromWorkflow", "status": ["ready-for-handling", "canceled"]},
                    "queue": {"visibilityTimeoutInSeconds": 300,
                              "MessageRetentionPeriodInSeconds": 345600}}
            return found, post

    found, post = vt.run(vt.account(), work)
    assert found is ready and post.call_count == posts


@pytest.mark.parametrize("setting, since_hours, until, ready, expected", [
    ("auto", 1, False, True, "feed"),
    ("auto", 1, False, False, "list"),  # the feed was just created: older events are not in it
    ("auto", 1, True, True, "list"),  # a backfill slice
    ("auto", 48, False, True, "list"),  # a long gap (or a backfill's last slice)
    ("feed", 48, True, False, "feed"),
    ("list", 1, False, True, "list"),
])
def test_order_source_rule(vt: ModuleType, monkeypatch: pytest.MonkeyPatch, setting: str,
                           since_hours: int, until: bool, ready: bool, expected: str) -> None:
    calls: list[list[str]] = []

    async def ensure(client: VtexClient, statuses: list[str]) -> tuple[bool, datetime]:
        calls.append(statuses)
        return ready, vtex_now

    monkeypatch.setattr(feed, "ensure", ensure)
    vtex_now = vt.NOW  # VTEX's clock decides, whatever the local one says
    acct = vt.account(order_source=setting)
    source, _ = vt.run(acct, lambda a: orders.choose_source(
        VtexClient(a), vtex_now - timedelta(hours=since_hours), vtex_now if until else None))
    assert source == expected
    assert calls == ([] if setting == "list"
                     else [["ready-for-handling", "canceled", "handling", "invoiced"]])


def test_auto_reads_the_list_when_the_key_lacks_the_feed_role(vt: ModuleType) -> None:
    async def work(a: hub.Account) -> str:
        with respx.mock() as router:
            router.get(f"{vt.BASE}/api/orders/feed/config").mock(
                return_value=httpx.Response(403, text="Forbidden"))
            return (await orders.choose_source(VtexClient(a), datetime.now(UTC), None))[0]

    assert vt.run(vt.account(), work) == "list"


class FakeList:
    """The order list with ``count`` orders created one minute apart, honouring the filter."""

    def __init__(self, start: datetime, count: int) -> None:
        self.orders = [{"orderId": f"L{n:05d}-01", "status": "ready-for-handling",
                        "creationDate": (start + timedelta(minutes=n)).isoformat()}
                       for n in range(count)]
        self.queries: list[dict[str, str]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        q = dict(request.url.params)
        self.queries.append(q)
        window = q["f_creationDate"].removeprefix("creationDate:[").removesuffix("]")
        low, high = (datetime.fromisoformat(x.replace("Z", "+00:00")) for x in window.split(" TO "))
        found = [o for o in self.orders if low <= datetime.fromisoformat(o["creationDate"]) <= high
                 and q.get("f_status", o["status"]) == o["status"]]
        page, per = int(q["page"]), int(q["per_page"])
        if page > 30:
            return httpx.Response(400, json={"error": {"code": "1", "message": "max 30 pages"}})
        return httpx.Response(200, json={"list": found[(page - 1) * per:page * per],
                                         "paging": {"total": len(found),
                                                    "pages": -(-len(found) // per),
                                                    "currentPage": page, "perPage": per}})


def test_windows_over_30_pages_are_split_and_every_order_comes_once(vt: ModuleType) -> None:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    fake = FakeList(start, 7000)

    async def work(a: hub.Account) -> list[hub.OrderPage]:
        async def stub_details(client: VtexClient, order_ids: list[str]) -> list[dict[str, Any]]:
            return [{"orderId": i} for i in order_ids]

        with respx.mock() as router:
            router.get(f"{vt.BASE}/api/oms/pvt/orders").mock(side_effect=fake)
            return [p async for p in listing.scan(VtexClient(a), start, start + timedelta(days=6),
                                                  stub_details, sweep_statuses=[],
                                                  lookback=timedelta(days=7))]

    pages = vt.run(vt.account(), work)
    found = vt.ids(pages)
    assert len(found) == 7000 == len(set(found))
    assert all(int(q["page"]) <= 30 and q["per_page"] == "100" and q["orderBy"] == "creationDate,asc"
               for q in fake.queries)
    first = fake.queries[0]["f_creationDate"]
    assert first == "creationDate:[2024-01-01T00:00:00.000Z TO 2024-01-07T00:00:00.000Z]"
    assert pages[-1].checkpoint == start + timedelta(days=6)
    assert all(p.checkpoint is None for p in pages[:-1])


def test_incremental_list_runs_sweep_the_lookback_for_late_ready_orders(vt: ModuleType) -> None:
    now = datetime.now(UTC)
    fake = FakeList(now - timedelta(days=3), 5)  # created days ago, ready only now

    async def work(a: hub.Account) -> list[hub.OrderPage]:
        async def stub_details(client: VtexClient, order_ids: list[str]) -> list[dict[str, Any]]:
            return [{"orderId": i} for i in order_ids]

        with respx.mock() as router:
            router.get(f"{vt.BASE}/api/oms/pvt/orders").mock(side_effect=fake)
            return [p async for p in listing.scan(VtexClient(a), now - timedelta(minutes=15), None,
                                                  stub_details,
                                                  sweep_statuses=["ready-for-handling"],
                                                  lookback=timedelta(days=7))]

    pages = vt.run(vt.account(), work)
    assert len(vt.ids(pages)) == 5
    assert [q.get("f_status") for q in fake.queries] == [None, "ready-for-handling"]
