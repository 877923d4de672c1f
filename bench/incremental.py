"""Scenario 7, incremental import: ``hub orders import`` when nothing changed on the store.

A store of ``orders`` orders is backfilled once; then the same command runs again
``runs`` times with nothing new. What is timed is the whole ``hub orders import``
process (start-up, plugin loading, the request for changes, the run's bookkeeping),
median of the runs, as a scheduler or cron would pay it. Target (issue 17): < 0.3 s.
"""

from __future__ import annotations

import statistics
import subprocess
import time

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
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            subprocess.run(command, env=env, check=True, capture_output=True)
            times.append(time.perf_counter() - start)
    median = statistics.median(times)
    return [Figure("incremental", "hub orders import, nothing changed", round(median, 3), "s",
                   "< 0.3", median < 0.3, {"orders": orders, "runs": [round(t, 3) for t in times]})]
