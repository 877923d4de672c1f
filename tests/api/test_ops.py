"""Operations endpoints: health, readiness (database and the daemon's scheduler) and Prometheus
metrics computed from the database, in a text format a scraper accepts."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import timedelta

import pytest

from hub import sign_hmac
from hub.core.app import HubApp
from hub.core.metrics import Metric, render
from hub.core.outbound import add_subscription
from hub.core.scheduler import Daemon
from hub.core.storage.columns import now
from hub.core.storage.models import SyncRun
from hub.core.sync.inventory import manage_stock
from hub.core.sync.push import push
from tests.api.conftest import call, client, import_all
from tests.fakeplatform import FakePlatform, make_order

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\\\|\\"|\\n)*"'
SAMPLE = re.compile(rf"^({NAME})(?:\{{{LABEL}(?:,{LABEL})*\}})? (-?[0-9.e+]+|NaN|[+-]Inf)$")


def parse(text: str) -> dict[str, dict[str, float]]:
    """Check the exposition format line by line; return {family: {sample line head: value}}."""
    assert text.endswith("\n")
    families: dict[str, dict[str, float]] = {}
    declared: dict[str, str] = {}
    current = None
    for line in text.splitlines():
        if line.startswith("# HELP "):
            current = line.split()[2]
            assert re.fullmatch(NAME, current) and current not in families, line
            families[current] = {}
        elif line.startswith("# TYPE "):
            _, _, name, kind = line.split()
            assert name == current and kind in ("counter", "gauge"), line
            declared[name] = kind
        else:
            match = SAMPLE.match(line)
            assert match, f"not a sample line: {line!r}"
            assert match.group(1) == current, f"sample outside its family: {line!r}"
            head = line.rsplit(" ", 1)[0]
            assert head not in families[current], f"duplicate sample {head}"
            families[current][head] = float(match.group(2))
    assert set(declared) == set(families)
    for name, kind in declared.items():
        assert (kind == "counter") == name.endswith("_total"), name
    return families


def test_healthz_and_readyz(app: HubApp) -> None:
    assert call(app, "GET", "/healthz").json() == {"status": "ok"}
    ready = call(app, "GET", "/readyz")
    assert ready.status_code == 200 and ready.json() == {"status": "ready", "database": "ok"}


def test_readyz_is_503_when_the_database_does_not_answer(app: HubApp,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlalchemy.exc import OperationalError

    def broken() -> None:
        raise OperationalError("SELECT 1", {}, Exception("unable to open database file"))

    monkeypatch.setattr(app.db.engine, "connect", broken)
    response = call(app, "GET", "/readyz")
    assert response.status_code == 503 and response.json()["database"] == "unreachable"


def test_readyz_follows_the_daemons_scheduler(app: HubApp) -> None:
    daemon = Daemon(app, rescan=3600)

    async def scenario() -> list[tuple[int, str]]:
        seen = []
        async with client(app, daemon=daemon) as c:
            response = await c.get("/readyz")  # created, not started
            seen.append((response.status_code, response.json()["scheduler"]))
            task = asyncio.create_task(daemon.run())
            while not daemon.scheduler.running:
                await asyncio.sleep(0.01)
            assert daemon.scheduler.get_job("webhook-deliveries") is not None
            response = await c.get("/readyz")
            seen.append((response.status_code, response.json()["scheduler"]))
            daemon.stop()
            await asyncio.wait_for(task, 60)  # a hang guard
            response = await c.get("/readyz")
            seen.append((response.status_code, response.json()["scheduler"]))
        return seen

    assert asyncio.run(scenario()) == [(503, "stopped"), (200, "running"), (503, "stopped")]


def test_metrics_count_what_the_database_holds(app: HubApp, account: str, fake: FakePlatform) -> None:
    app.accounts.set_flags("main", flow_stock=True)
    app.accounts.add("fakeshop", "quiet", {"base_url": "https://q.example.com", "api_key": "k" * 10})
    add_subscription(app, "main", "http://127.0.0.1:9/hooks")
    fake.add(make_order(1), make_order(2))
    import_all(app)
    bad = make_order(3)
    del bad["status"]
    body = json.dumps(bad).encode()
    webhook = call(app, "POST", "/webhooks/fakeshop/main", content=body,
                   headers={"x-signature": sign_hmac("sk_live_topsecret_123", body)})
    assert webhook.status_code == 202
    fake.reject_skus = {"SKU-1"}
    for sku in ("SKU-1", "SKU-2-RED"):  # only stock the hub manages is pushed
        manage_stock(app, sku)
    asyncio.run(push(app, "main", "stock"))

    response = call(app, "GET", "/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    families = parse(response.text)
    assert families["hub_orders_imported_total"] == {'hub_orders_imported_total{account="main"}': 2}
    assert families["hub_orders_quarantined_total"] == {
        'hub_orders_quarantined_total{account="main"}': 1}
    assert families["hub_orders"] == {'hub_orders{account="main",status="paid"}': 2}
    assert families["hub_pushes_total"] == {'hub_pushes_total{account="main",flow="stock"}': 1}
    assert families["hub_push_failures_total"] == {
        'hub_push_failures_total{account="main",flow="stock"}': 1}
    assert families["hub_push_queue"] == {
        'hub_push_queue{account="main",flow="stock",state="retrying"}': 1}
    assert families["hub_webhook_events_in_total"] == {
        'hub_webhook_events_in_total{account="main",state="done"}': 1}
    assert families["hub_webhook_events_out_total"] == {
        'hub_webhook_events_out_total{account="main",state="pending"}': 2}
    assert families["hub_webhook_subscription_up"] == {
        'hub_webhook_subscription_up{account="main",subscription="1"}': 1}
    assert families["hub_account_up"] == {'hub_account_up{account="main",platform="fakeshop"}': 1,
                                          'hub_account_up{account="quiet",platform="fakeshop"}': 1}
    runs = families["hub_runs_total"]
    assert runs['hub_runs_total{account="main",flow="orders",status="ok"}'] == 1
    assert runs['hub_runs_total{account="main",flow="orders",status="partial"}'] == 1
    assert runs['hub_runs_total{account="main",flow="stock",status="partial"}'] == 1

    lag = families["hub_sync_lag_seconds"]
    assert set(lag) == {'hub_sync_lag_seconds{account="main",flow="orders"}',
                        'hub_sync_lag_seconds{account="main",flow="stock"}',
                        'hub_sync_lag_seconds{account="quiet",flow="orders"}'}
    assert lag['hub_sync_lag_seconds{account="main",flow="orders"}'] < 60


def test_sync_lag_is_the_time_since_the_last_successful_run(app: HubApp, account: str) -> None:
    row = app.accounts.row("main")
    with app.db.session() as s:
        s.add(SyncRun(account_id=row.id or 0, flow="orders", status="ok",
                      started_at=now() - timedelta(hours=2), finished_at=now() - timedelta(hours=2)))
        s.add(SyncRun(account_id=row.id or 0, flow="orders", status="failed",
                      started_at=now() - timedelta(minutes=1), finished_at=now() - timedelta(minutes=1)))
    lag = parse(call(app, "GET", "/metrics").text)["hub_sync_lag_seconds"]
    assert 7190 < lag['hub_sync_lag_seconds{account="main",flow="orders"}'] < 7300


def test_label_values_are_escaped() -> None:
    metric = Metric("hub_x", "help with a \\ backslash\nand a newline", "gauge")
    metric.add(1.5, account='we"ird\\name\nx')
    metric.add(3, account="plain")
    text = render([metric])
    assert text == ('# HELP hub_x help with a \\\\ backslash and a newline\n# TYPE hub_x gauge\n'
                    'hub_x{account="plain"} 3\nhub_x{account="we\\"ird\\\\name\\nx"} 1.5\n')
    assert parse(text)
