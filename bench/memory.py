"""Scenario 4, memory: peak RSS of ``hub orders import`` backfilling N orders.

The sandbox runs in its own process, the import in another (``hub orders import``),
whose peak resident set size is read from the kernel when it exits. Target: flat,
under 200 MB at 100,000 orders.
"""

from __future__ import annotations

import os
import subprocess
import time

from bench.common import Figure, quiet_env
from bench.sandboxes import HUB, sandbox_process


def _peak_rss_mb(args: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    start = time.perf_counter()
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    return usage.ru_maxrss / 1024, seconds, os.waitstatus_to_exitcode(status)


def run(sizes: list[int]) -> list[Figure]:
    figures = []
    for size in sizes:
        with quiet_env() as tmp, sandbox_process("woocommerce", orders=size, seed=5) as sandbox:
            env = {**{k: v for k, v in os.environ.items() if not k.startswith("HUB_")},
                   "HUB_DATA_DIR": str(tmp / "data")}
            settings = [f"--set={k}={v}" for k, v in sandbox["settings"].items()]
            subprocess.run([str(HUB), "accounts", "add", "woocommerce", "--name", "m", *settings,
                            "--set=backfill_days=120"], env=env, check=True, capture_output=True)
            peak, seconds, code = _peak_rss_mb([str(HUB), "orders", "import", "--account", "m"], env)
        target_ok = peak < 200 if size >= 100_000 else None
        figures.append(Figure("memory", f"peak RSS, backfill of {size:,} orders", round(peak, 1),
                              "MB", "< 200 at 100,000, flat" if size >= 100_000 else "flat",
                              target_ok, {"import_s": round(seconds, 1), "exit_code": code}))
    return figures
