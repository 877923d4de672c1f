"""The overview's SVG charts count from the database (SQLite and PostgreSQL alike)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlmodel import select

from hub.core.app import HubApp
from hub.core.console import charts
from hub.core.storage.columns import now
from hub.core.storage.models import Account, InboundEvent
from hub.core.sync.orders import import_orders
from tests.fakeplatform import NOW, FakePlatform, make_order


def test_orders_per_store_per_day_and_webhook_lag(any_db_app: HubApp, fake: FakePlatform) -> None:
    app = any_db_app
    for name in ("north", "south"):
        app.accounts.add("fakeshop", name, {"base_url": "https://s.example.com", "api_key": "k1"})
    fake.add(make_order(1), make_order(2))

    async def go() -> None:
        await import_orders(app, "north", since=NOW - timedelta(days=30))
        fake.orders.clear()
        fake.add(make_order(3))
        await import_orders(app, "south", since=NOW - timedelta(days=30))
        await app.accounts.aclose()

    asyncio.run(go())
    received = now() - timedelta(minutes=5)
    with app.db.session() as s:
        south = s.exec(select(Account).where(Account.name == "south")).one()
        s.add(InboundEvent(account_id=south.id or 0, topic="order", body="{}", status="done",
                           received_at=received, processed_at=received + timedelta(seconds=8)))
    orders, failures, lag = charts.collect(app)
    # summed over the days: a test run across midnight UTC puts them on either day
    assert sum(orders.values["north"]) == 2 and sum(orders.values["south"]) == 1
    assert len(orders.days) == charts.DAYS
    assert failures.values == {}
    assert sum(lag.values["south"]) == 8.0
    svg = str(charts.svg(orders))
    assert svg.startswith("<svg") and 'role="img"' in svg
    assert "<title>north" in svg and svg.count("<rect") >= 4  # 2 bars + 2 legend swatches
    empty = str(charts.svg(failures))
    assert "nothing in the last 14 days" in empty


def test_sign_in_session_and_order_filters_on_every_database(any_db_app: HubApp,
                                                             fake: FakePlatform) -> None:
    from hub.core import users
    from tests.console.conftest import PASSWORD, signed_in

    app = any_db_app
    users.add_user(app, "op", "operator", PASSWORD)
    app.accounts.add("fakeshop", "main", {"base_url": "https://s.example.com", "api_key": "k1"})
    fake.add(make_order(1), make_order(2))

    async def go() -> None:
        await import_orders(app, "main", since=NOW - timedelta(days=30))
        await app.accounts.aclose()

    asyncio.run(go())
    web = signed_in(app, "op")
    try:
        day = (NOW - timedelta(days=1)).date().isoformat()
        assert "2 order(s)" in web.get(f"/orders?store=main&platform=fakeshop&status=paid"
                                       f"&from=2000-01-01&to={day}").text
        assert "0 order(s)" in web.get("/orders?from=2099-01-01").text
        assert web.get("/").status_code == 200 and web.get("/accounts/main").status_code == 200
        assert web.post("/logout").status_code == 303
        assert web.get("/orders").status_code == 303
    finally:
        web.close()
