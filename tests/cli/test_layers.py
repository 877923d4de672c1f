"""The query layer's seams: no accounts <-> app import circle; one 'active account' filter."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from hub.core.app import HubApp
from hub.core.storage.queries import active_accounts

ROOT = Path(__file__).resolve().parents[2]


def test_accounts_does_not_import_the_app() -> None:
    source = (ROOT / "hub/core/accounts.py").read_text(encoding="utf-8")
    assert "hub.core.app" not in source
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, hub.core.accounts; print('hub.core.app' in sys.modules)"],
        capture_output=True, text=True, check=True, cwd=ROOT)
    assert loaded.stdout.strip() == "False"


def test_active_accounts_are_enabled_unpaused_with_the_flow_on(app: HubApp, account: str) -> None:
    for name in ("paused", "off", "stocked"):
        app.accounts.add("fakeshop", name, {"base_url": "https://x.example.com", "api_key": "k"})
    app.accounts.set_flags("paused", paused_reason="token revoked", flow_stock=True)
    app.accounts.set_flags("off", enabled=False, flow_stock=True)
    app.accounts.set_flags("stocked", flow_stock=True)
    with app.db.session() as s:
        assert [a.name for a in active_accounts(s)] == ["main", "stocked"]
        assert [a.name for a in active_accounts(s, "stock")] == ["stocked"]


def test_accounts_warehouses_replaces_the_feed(hub_cli, app: HubApp) -> None:  # type: ignore[no-untyped-def]
    from sqlmodel import select

    from hub.core.storage.models import AccountWarehouse, Warehouse

    hub_cli("accounts", "add", "fakeshop", "--name", "main", "--set", "base_url=https://x.example.com",
            "--set", "api_key=k")
    for name in ("a", "b"):
        assert hub_cli("warehouses", "add", name).code == 0
    assert hub_cli("accounts", "warehouses", "main", "--feed", "a,b", "--sales", "a").code == 0
    assert hub_cli("accounts", "warehouses", "main", "--feed", "b").code == 0
    with app.db.session() as s:
        names = {w.id: w.name for w in s.exec(select(Warehouse))}
        assert [names[link.warehouse_id] for link in s.exec(select(AccountWarehouse))] == ["b"]
    assert hub_cli("accounts", "warehouses", "main", "--feed", "nope").code == 2
