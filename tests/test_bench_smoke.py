"""The benchmarks at tiny sizes: they must keep running (figures are measured by `dev.py bench`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import __main__ as runner
from bench import incremental, memory, overhead, ratelimit, scale
from bench.common import Figure
from tests.conftest import PG_URL


def test_overhead_scenario_runs() -> None:
    figures = overhead.run(orders=150, runs=1, postgres=False)
    assert [f.unit for f in figures] == ["orders/s", "orders/s", "x", "x"]
    assert figures[0].context["orders_read"] > 0 and figures[0].value > 0
    assert figures[1].value > 0 and figures[2].value > 0  # the floor read the same pages


def test_incremental_scenario_times_quiet_and_changed_runs() -> None:
    figures = incremental.run(orders=200, runs=1)  # raises unless each edit became an update
    assert [f.name for f in figures] == ["hub orders import, nothing changed",
                                         "hub orders import, 1 % changed (2 orders updated)"]
    assert all(f.value > 0 and len(f.context["runs"]) == 1 for f in figures)


def test_memory_scenario_reports_rss_and_linearity() -> None:
    figures = memory.run([60, 120], postgres=False)
    rss = [f for f in figures if f.unit == "MB"]
    assert len(rss) == 2 and all(f.value > 0 and f.context["exit_code"] == 0 for f in rss)
    assert all(f.context["orders_per_s"] > 0 for f in rss)
    assert [f.unit for f in figures if "rate at" in f.name] == ["x"]


@pytest.mark.postgres
def test_linearity_scenario_measures_postgresql_alone() -> None:
    if not PG_URL:
        pytest.skip("HUB_TEST_DATABASE_URL is not set")
    figures = memory.run([60, 120], sqlite=False, scenario="linearity")
    assert {f.scenario for f in figures} == {"linearity"}
    assert all(f.name.startswith("PostgreSQL: ") for f in figures)
    assert [f.unit for f in figures] == ["MB", "MB", "x", "orders/s", "orders/s", "x"]
    assert all(f.value > 0 for f in figures)
    assert all(f.context["server_cpu_s"] is not None for f in figures if f.unit == "MB")


def test_rate_limit_scenario_runs_and_reports_its_floor() -> None:
    figures = ratelimit.run(orders=120, latency=0.0, platforms=["woocommerce", "vtex"])
    ratios = [f for f in figures if f.unit == "x"]
    assert len(ratios) == 2 and all("floor_s" in f.context for f in ratios)


def test_scale_scenario_runs_every_account() -> None:
    lag, missed, failed, _cpu = scale.run(accounts=4, seconds=4, interval=2)
    assert lag.context["runs"] >= 4 and missed.value == 0 and failed.value == 0


def test_a_partial_run_keeps_the_other_scenarios_in_latest(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "RESULTS", tmp_path)
    info = {"commit": "abc", "when": "then", "python": "3.11", "cpus": 2, "platform": "x"}
    runner.update_latest([Figure("startup", "hub --help", 0.1, "s", "< 0.3", True)], info,
                         ["startup"])
    runner.update_latest([Figure("push", "requests", 9, "requests", "<= 10", True)],
                         {**info, "commit": "def"}, ["push"])
    latest = json.loads((tmp_path / "latest.json").read_text())
    assert set(latest) == {"startup", "push"}
    text = (tmp_path / "latest.md").read_text()
    assert "| startup | hub --help | 0.1 s | < 0.3 | yes | abc, then |" in text
    assert "def, then" in text


def test_catalogue_scenario_counts_requests_per_platform() -> None:
    from bench import catalogue

    figures = catalogue.run(n=3, platforms=["woocommerce"])
    assert [f.unit for f in figures] == ["requests"] * 4
    # 3 renames: one batch request, projected to 1,000 (the target holds at full size only)
    assert figures[1].value == round(1000 / 3) and figures[1].context["updated"] == 3
    assert figures[2].value == 0 and figures[2].met
    # one variant's barcode changed on 1 product: its variations batch, nothing else
    assert figures[3].context["updated"] == 1 and figures[3].context["requests_barcode"] == 1
