"""The CLI reads through the API's query services: the same JSON, readable text, no silent cuts."""

from __future__ import annotations

from typing import Any

import pytest

import hub
from hub.core import apikeys
from hub.core.app import HubApp
from hub.money import format_money
from tests.api.conftest import call
from tests.fakeplatform import FakePlatform, make_order


class KeyShop(FakePlatform):
    """The fake platform with key-based ``authorize``: it verifies the keys, stores nothing."""

    @hub.hookimpl
    async def authorize(self, account: hub.Account, session: hub.AuthSession) -> dict[str, Any] | None:
        self.verified = account.name
        return None


@pytest.fixture
def fake() -> FakePlatform:
    return KeyShop()


ADD = ("accounts", "add", "fakeshop", "--name", "main", "--set", "base_url=https://shop.example.com",
       "--set", "api_key=sk_live_very_secret_1")


def test_orders_show_json_is_the_api_document(hub_cli: Any, app: HubApp, fake: FakePlatform) -> None:
    hub_cli(*ADD)
    fake.add(make_order(1), make_order(2))
    assert hub_cli("orders", "import", "--account", "main").code == 0
    hub_cli("orders", "ship", "1", "--carrier", "UPS", "--tracking", "1Z9")
    key = apikeys.create(app, "backoffice")[1]
    for order_id in (1, 2):
        cli = hub_cli("orders", "show", str(order_id), "--json").json()
        api = call(app, "GET", f"/api/orders/{order_id}", key=key).json()
        assert cli == api
    assert cli["lines"] and cli["events"]
    listed = hub_cli("orders", "list", "--json").json()
    api_items = call(app, "GET", "/api/orders", key=key).json()["items"]
    assert sorted(listed, key=lambda o: o["id"]) == sorted(api_items, key=lambda o: o["id"])
    run_id = hub_cli("runs", "list", "--json").json()[0]["id"]
    assert hub_cli("runs", "show", str(run_id), "--json").json() == \
        call(app, "GET", f"/api/runs/{run_id}", key=key).json()


def test_orders_list_says_when_it_was_cut(hub_cli: Any, fake: FakePlatform) -> None:
    hub_cli(*ADD)
    fake.add(*[make_order(n) for n in range(1, 6)])
    hub_cli("orders", "import", "--account", "main")
    cut = hub_cli("orders", "list", "--limit", "2", "--json")
    assert len(cut.json()) == 2
    assert "showing 2 of 5 orders; use --limit N or --all" in cut.err
    everything = hub_cli("orders", "list", "--all", "--json")
    assert len(everything.json()) == 5 and "showing" not in everything.err
    assert "showing" not in hub_cli("orders", "list").err
    text = hub_cli("orders", "list").out
    assert "44.00 USD" in text


def test_runs_show_prints_lines_not_a_python_dict(hub_cli: Any, fake: FakePlatform) -> None:
    hub_cli(*ADD)
    fake.add(make_order(1))
    hub_cli("orders", "import", "--account", "main")
    shown = hub_cli("runs", "show", "1")
    assert shown.code == 0
    assert "{" not in shown.out and "'" not in shown.out
    lines = shown.out.splitlines()
    assert lines[0].split() == ["run:", "1"]
    assert any(line.startswith("status:") for line in lines)
    counts = next(line for line in lines if line.startswith("counts:"))
    assert "imported=1" in counts


def test_one_money_format() -> None:
    from decimal import Decimal

    assert format_money(6999.0, "USD") == "6999.00 USD"
    assert format_money(Decimal("76"), "USD") == "76.00 USD"
    assert format_money(Decimal("1500"), "JPY") == "1500 JPY"
    assert format_money(Decimal("1.5"), "KWD") == "1.500 KWD"
    assert format_money(None, "USD") == "-"


def test_key_based_account_is_authorized_after_authorize(hub_cli: Any) -> None:
    hub_cli(*ADD)
    before = hub_cli("accounts", "show", "main", "--json").json()
    assert before["authorized"] is False and before["authorized_at"] is None
    done = hub_cli("accounts", "authorize", "main")
    assert done.code == 0, done.err
    after = hub_cli("accounts", "show", "main", "--json").json()
    assert after["authorized"] is True and after["authorized_at"]
    listed = hub_cli("accounts", "list", "--json").json()
    assert listed[0]["authorized"] is True
    assert "authorized: yes (" in hub_cli("accounts", "show", "main").out
    assert "yes (" in hub_cli("accounts", "list").out
