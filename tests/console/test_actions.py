"""Console actions that run work: an import with live progress (server-sent events), a push
now and its dry-run diff, retrying a failed run."""

from __future__ import annotations

import json

from sqlmodel import select

from hub.core.app import HubApp
from hub.core.storage.models import Order, RunItem
from hub.core.sync import inventory
from hub.core.sync.stock import add_warehouse
from tests.console.conftest import signed_in
from tests.fakeplatform import FakePlatform, make_order


def _events(text: str) -> list[tuple[str, dict[str, object]]]:
    out = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        out.append((lines["event"], json.loads(lines["data"])))
    return out


def test_an_import_streams_its_progress_until_every_order_is_read(
        app: HubApp, people: dict[str, str], account: str, fake: FakePlatform) -> None:
    fake.add(*(make_order(n) for n in range(1, 8)))  # 7 orders, pages of 2
    web = signed_in(app, "operator1")
    try:
        started = web.post("/imports", {"account": "main"})
        assert started.status_code == 303 and started.headers["location"] == "/imports/1"
        stream = web.get("/imports/1/events")
        assert stream.headers["content-type"].startswith("text/event-stream")
        events = _events(stream.text)
        assert events[-1][0] == "done"
        last = events[-2][1]
        assert (last["read"], last["available"], last["status"]) == (7, 7, "ok")
        assert last["started_by"] == "user 'operator1'"
        page = web.get("/imports/1").text
        assert f'href="/runs/{last["run_id"]}"' in page and "7</span> orders read" in page
        run = web.get(f"/runs/{last['run_id']}").text
        assert "user:operator1" in run and "console" in run
        listed = web.get("/imports").text
        assert "7 / 7" in listed
    finally:
        web.close()
    with app.db.session() as s:
        assert len(s.exec(select(Order)).all()) == 7


def test_an_import_of_a_disabled_account_says_why(app: HubApp, people: dict[str, str],
                                                  account: str) -> None:
    app.accounts.set_flags("main", enabled=False)
    web = signed_in(app, "operator1")
    try:
        stream_start = web.post("/imports", {"account": "main"})
        events = _events(web.get(stream_start.headers["location"] + "/events").text)
        assert events[-2][1]["status"] == "failed"
        assert "account 'main' is disabled" in str(events[-2][1]["error"])
        assert "no account named" in web.post("/imports", {"account": "ghost"}).headers["location"] \
            .replace("+", " ")
    finally:
        web.close()


def _linked(app: HubApp, fake: FakePlatform) -> None:
    from tests.api.conftest import import_all

    with app.db.session() as s:
        add_warehouse(s, "north")
    fake.add(make_order(1))
    import_all(app)
    app.accounts.set_flags("main", flow_stock=True)
    inventory.set_stock(app, "SKU-1", 4, "north")


def test_dry_run_shows_the_diff_and_sends_nothing_then_push_now_sends(
        app: HubApp, people: dict[str, str], account: str, fake: FakePlatform) -> None:
    _linked(app, fake)
    web = signed_in(app, "operator1")
    try:
        dry = web.post("/stock/push", {"account": "main", "kind": "stock", "dry_run": "on"})
        assert dry.status_code == 200
        assert "Dry run: main stock: would push 1" in dry.text
        assert "<td>SKU-1</td><td>?</td><td>4</td>" in dry.text
        inventory.set_price(app, "SKU-1", inventory.parse_money("12.50", "PRICE"))
        priced = web.get("/stock?sku=SKU-1").text
        assert "<td>SKU-1</td><td>every account</td><td>12.50 USD</td>" in priced
        assert fake.stock_calls == []
        now = web.post("/stock/push", {"account": "main", "kind": "stock"})
        assert "pushed+1" in now.headers["location"]
        assert [[u.quantity for u in call] for call in fake.stock_calls] == [[4]]
    finally:
        web.close()


def test_retry_a_failed_run_from_its_page(app: HubApp, people: dict[str, str], account: str,
                                          fake: FakePlatform) -> None:
    _linked(app, fake)
    fake.reject_skus = {"SKU-1"}
    web = signed_in(app, "operator1")
    try:
        web.post("/stock/push", {"account": "main", "kind": "stock"})
        with app.db.session() as s:
            failed = s.exec(select(RunItem).where(RunItem.outcome == "failed")).one()
        listed = web.get("/runs?failed=1").text
        assert f'href="/runs/{failed.run_id}"' in listed
        page = web.get(f"/runs/{failed.run_id}").text
        assert "listing locked" in page and "Retry the failed items" in page
        fake.reject_skus = set()
        answer = web.post(f"/runs/{failed.run_id}/retry")
        assert "1+resolved%2C+0+still+failing" in answer.headers["location"]
        assert "Retry the failed items" not in web.get(f"/runs/{failed.run_id}").text
    finally:
        web.close()
    with app.db.session() as s:
        assert s.get(RunItem, failed.id).resolved  # type: ignore[union-attr]
