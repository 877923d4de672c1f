"""Scenario 4, memory: peak RSS of ``hub orders import`` backfilling N orders.

The sandbox runs in its own process, the import in another (``hub orders import``),
whose peak resident set size is read from the kernel when it exits. Target: flat,
under 200 MB at 100,000 orders.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from bench.common import Figure, quiet_env
from bench.sandboxes import HUB, sandbox_process


def _peak_rss_mb(args: list[str], env: dict[str, str], log: Path) -> tuple[float, float, int]:
    """Run ``args``; return its own peak RSS (VmHWM: ``ru_maxrss`` is not reset by exec, so
    a child reports at least its parent's size), its wall time and exit code."""
    start = time.perf_counter()
    with log.open("w") as err:
        proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=err)
        peak = 0.0
        status = Path(f"/proc/{proc.pid}/status")
        while proc.poll() is None:
            try:
                for line in status.read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        peak = max(peak, int(line.split()[1]) / 1024)
            except (OSError, ValueError):
                pass
            time.sleep(0.1)
    return peak, time.perf_counter() - start, proc.returncode


def run(sizes: list[int]) -> list[Figure]:
    figures = []
    for size in sizes:
        with quiet_env() as tmp, sandbox_process("woocommerce", orders=size, seed=5) as sandbox:
            env = {**{k: v for k, v in os.environ.items() if not k.startswith("HUB_")},
                   "HUB_DATA_DIR": str(tmp / "data")}
            settings = [f"--set={k}={v}" for k, v in sandbox["settings"].items()]
            subprocess.run([str(HUB), "accounts", "add", "woocommerce", "--name", "m", *settings,
                            "--set=backfill_days=120"], env=env, check=True, capture_output=True)
            log = tmp / "import.log"
            peak, seconds, code = _peak_rss_mb([str(HUB), "orders", "import", "--account", "m"],
                                               env, log)
            error = log.read_text()[-500:] if code else None
        target_ok = (peak < 200 if size >= 100_000 else None) if code == 0 else False
        figures.append(Figure("memory", f"peak RSS, backfill of {size:,} orders", round(peak, 1),
                              "MB", "< 200 at 100,000, flat" if size >= 100_000 else "flat",
                              target_ok, {"import_s": round(seconds, 1), "exit_code": code,
                                          "error": error}))
    return figures
