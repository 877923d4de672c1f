"""Scenario 7, incremental import: ``hub orders import`` when nothing or 1 % changed on the store.

A store of ``orders`` orders is backfilled once; then the same command runs again
``runs`` times with nothing new, and ``runs`` times more after 1 % of the store's
orders were edited on the store (a ``PUT`` of a new shipping address through the
store's REST API before each run, not timed). What is timed is the whole ``hub
orders import`` process (start-up, plugin loading, the request for changes, the
run's bookkeeping, and the changed orders' update), median of the runs, as a
scheduler or cron would pay it. Targets (issue 17): < 0.3 s with nothing changed;
< 0.5 s plus the fetch time with 1 % changed (the sandbox answers at zero latency,
so the fetch time here is the loopback's).
"""

from __future__ import annotations

import json
import re
import statistics
import subprocess
import time
from typing import Any

import httpx

from bench.common import Figure, quiet_env
from bench.sandboxes import HUB, hub_env, sandbox_process


def run(orders: int, runs: int) -> list[Figure]:
    with quiet_env() as tmp, sandbox_process("woocommerce", orders=orders, seed=5) as sandbox:
        env = {**hub_env(), "HUB_DATA_DIR": str(tmp / "data")}
        settings = [f"--set={k}={v}" for k, v in sandbox["settings"].items()]
        subprocess.run([str(HUB), "accounts", "add", "woocommerce", "--name", "m", *settings,
                        "--set=backfill_days=120"], env=env, check=True, capture_output=True)
        command = [str(HUB), "orders", "import", "--account", "m"]
        subprocess.run(command, env=env, check=True, capture_output=True)  # the backfill
        quiet = [_timed(command, env) for _ in range(runs)]
        changed = max(1, orders // 100)
        with _store(sandbox["settings"]) as store:
            ids = _imported_ids(env, changed * runs)
            edited: list[float] = []
            updated: list[int] = []
            for run_number in range(runs):
                for order_id in ids[run_number * changed:(run_number + 1) * changed]:
                    store.put(f"orders/{order_id}", json={"shipping": {
                        "address_1": f"Street {run_number} {order_id}"}}).raise_for_status()
                edited.append(_timed(command, env, updated))
    if any(count != changed for count in updated):
        raise RuntimeError(f"the runs after {changed} edits updated {updated} orders")
    figures = []
    for label, times, target, limit in (("nothing changed", quiet, "< 0.3", 0.3),
                                        (f"1 % changed ({changed} orders updated)", edited,
                                         "< 0.5 + fetch", 0.5)):
        median = statistics.median(times)
        figures.append(Figure("incremental", f"hub orders import, {label}", round(median, 3), "s",
                              target, median < limit,
                              {"orders": orders, "runs": [round(t, 3) for t in times]}))
    return figures


def _timed(command: list[str], env: dict[str, str], updated: list[int] | None = None) -> float:
    """Seconds of one ``hub orders import`` process; the orders it updated go to ``updated``."""
    start = time.perf_counter()
    done = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if updated is not None:
        found = re.search(r"updated (\d+)", done.stdout + done.stderr)
        updated.append(int(found.group(1)) if found else -1)
    return seconds


def _store(settings: dict[str, Any]) -> httpx.Client:
    """The store's REST API as its admin uses it (the sandbox takes the keys as HTTP Basic on
    the loopback)."""
    return httpx.Client(base_url=f"{str(settings['base_url']).rstrip('/')}/wp-json/wc/v3/",
                        auth=(str(settings["consumer_key"]), str(settings["consumer_secret"])),
                        timeout=30)


def _imported_ids(env: dict[str, str], count: int) -> list[str]:
    """``count`` of the orders the hub imported (``hub orders list --json``)."""
    listed = subprocess.run([str(HUB), "orders", "list", "--json", "--limit", str(count)], env=env,
                            check=True, capture_output=True, text=True).stdout
    return [str(order["platform_order_id"]) for order in json.loads(listed)][:count]
