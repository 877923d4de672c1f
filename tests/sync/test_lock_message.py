"""A run refused because another is going on says which, since when, where, and exits 4."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hub.core.accounts import LeaseBusy
from hub.core.app import HubApp
from hub.core.storage.models import SyncRun


def test_the_lock_message_names_the_run_its_start_host_and_pid(app: HubApp, account: str,
                                                               hub_cli: Any) -> None:
    started = datetime(2026, 12, 5, 9, 30, 15, tzinfo=UTC)
    with app.db.session() as s:  # the other process's run, as it recorded it
        s.add(SyncRun(account_id=1, flow="orders", trigger="scheduled", started_at=started))
    assert app.db.acquire_lease("run:orders:1", "worker-7.example.net:4242:9f8e7d6c", 120)

    result = hub_cli("orders", "import", "--account", "main")
    assert result.code == 4
    assert result.err.strip() == (
        "hub: error: another run of main orders is in progress since 2026-12-05 09:30:15 UTC "
        "on worker-7.example.net (pid 4242); wait or stop it")


def test_a_push_names_its_flow_and_the_exit_code_is_documented(app: HubApp, account: str,
                                                                hub_cli: Any) -> None:
    app.accounts.set_flags("main", flow_stock=True)
    assert app.db.acquire_lease("run:stock:1", "worker-7.example.net:4242:9f8e7d6c", 120)
    result = hub_cli("stock", "push", "--account", "main")
    assert result.code == 4
    assert "another run of main stock is in progress on worker-7.example.net (pid 4242)" \
        in result.err
    assert LeaseBusy.exit_code == 4
