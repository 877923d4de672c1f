"""Recovered faults reach run history: retried 429/5xx/network errors, token refreshes, page drift.

Against real sandboxes, the run's counts equal the faults the sandbox injected;
in the core, every kind of fault lands in the run that met it (and only there),
in ``hub runs show`` and in ``/metrics``.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from hub.core.app import HubApp
from hub.core.http import faults
from hub.core.http.client import HttpClient
from hub.core.http.paging import PageGuard
from hub.core.http.retry import RetryPolicy
from hub.core.http.tokens import TokenRefresher
from hub.core.metrics import collect, render
from hub.core.storage.models import SyncRun
from hub.core.sync import runs
from hub.sandbox import SandboxOptions
from hub.testing.harness import SandboxHarness

BASE = "https://shop.test"


def run_counts(app: HubApp, run_id: int) -> dict[str, Any]:
    with app.db.session() as s:
        run = s.get(SyncRun, run_id)
        assert run is not None
        return dict(run.counts or {})


@pytest.mark.parametrize("platform", ["woocommerce", "shopify"])
def test_the_run_counts_the_faults_the_sandbox_injected(tmp_path: Path, platform: str) -> None:
    options = SandboxOptions(orders=60, seed=3, burst_429=12, burst_at=2, retry_after=0.0,
                             error_5xx_every=7)
    with SandboxHarness(platform, tmp_path, options) as h:
        h.sandbox.stats.reset()  # count from the import's first request
        result = h.import_orders()
        assert result.error is None, result.error  # a 12-answer burst no longer fails the import
        assert h.order_ids() == h.sandbox.eligible_order_ids()
        stats = h.sandbox.stats
        assert stats.rejected_429 == 12 and stats.errors_5xx >= 2
        counts = run_counts(h.app, result.run_id)
        assert counts["retried_429"] == stats.rejected_429
        assert counts["retried_5xx"] == stats.errors_5xx
        assert result.counts.faults == {"retried_429": stats.rejected_429,
                                        "retried_5xx": stats.errors_5xx}
        assert f"recovered: {stats.rejected_429} retried_429" in result.counts.summary()


class NoWait(list[float]):
    async def __call__(self, delay: float) -> None:
        self.append(delay)


@respx.mock(base_url=BASE)
def test_every_kind_of_fault_lands_in_the_run_that_met_it(
        app: HubApp, account: str, respx_mock: respx.MockRouter) -> None:
    respx_mock.get("/a").mock(side_effect=[
        httpx.Response(429, headers={"Retry-After": "0"}), httpx.Response(503),
        httpx.ConnectError("refused"), httpx.Response(401), httpx.Response(200)])
    respx_mock.get("/b").mock(return_value=httpx.Response(429, headers={"Retry-After": "0"}))

    async def refresh(credentials: dict[str, Any]) -> dict[str, Any]:
        return {"access_token": "fresh-token"}

    http = HttpClient(BASE, name="Test", sleep=NoWait(), retry=RetryPolicy(max_attempts=9),
                      refresher=TokenRefresher.in_memory({"access_token": "old"}, refresh))

    async def during_a_run() -> int:
        with app.db.session() as s:
            run_id = runs.start_run(s, 1, "orders", "manual").id or 0
        await http.get("/a")  # 429, 503, network error, 401 + refresh, then 200
        guard = PageGuard("orders")
        guard.fresh([{"id": 1}, {"id": 2}])
        guard.fresh([{"id": 2}, {"id": 3}, {"id": 1}])  # the listing shifted: one drift
        with app.db.session() as s:
            runs.finish_run(s, run_id, runs.RunCounts())
        return run_id

    async def main() -> int:
        async with http:
            run_id = await during_a_run()
            with pytest.raises(Exception, match="gave up"):
                await http.get("/b")  # after the run: counted nowhere
            return run_id

    run_id = asyncio.run(main())
    assert run_counts(app, run_id) == {"retried_429": 1, "retried_5xx": 1, "retried_network": 1,
                                       "token_refreshed": 1, "page_drift": 1}
    text = render(collect(app))
    assert ('hub_recovered_faults_total{account="main",fault="retried_429",flow="orders"} 1'
            in text)
    assert 'fault="page_drift",flow="orders"} 1' in text


def test_concurrent_runs_keep_their_own_faults(app: HubApp, account: str) -> None:
    async def one_run(flow: str, retries: int) -> int:
        with app.db.session() as s:
            run_id = runs.start_run(s, 1, flow, "manual").id or 0
        for _ in range(retries):
            faults.record(faults.RETRIED_429)
            await asyncio.sleep(0)  # let the other run record in between
        with app.db.session() as s:
            runs.finish_run(s, run_id, runs.RunCounts())
        return run_id

    async def main() -> tuple[int, int]:
        return await asyncio.gather(one_run("orders", 3), one_run("stock", 5))  # type: ignore[return-value]

    orders, stock = asyncio.run(main())
    assert run_counts(app, orders) == {"retried_429": 3}
    assert run_counts(app, stock) == {"retried_429": 5}


def test_runs_show_prints_the_recovered_faults(app: HubApp, account: str, hub_cli: Any) -> None:
    async def main() -> int:
        with app.db.session() as s:
            run_id = runs.start_run(s, 1, "orders", "manual").id or 0
        faults.record(faults.TOKEN_REFRESHED)
        with app.db.session() as s:
            runs.finish_run(s, run_id, runs.RunCounts())
        return run_id

    run_id = asyncio.run(main())
    shown = hub_cli("runs", "show", str(run_id), "--json")
    assert shown.code == 0 and shown.json()["counts"]["token_refreshed"] == 1
    assert "token_refreshed" in hub_cli("runs", "show", str(run_id)).out
