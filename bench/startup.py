"""Scenario 6, start-up: ``hub --help`` and ``hub plugins list`` wall time (median of runs).

Targets: under 0.15 s (issue 17) and under 1 s (plugins load lazily, only when needed).
"""

from __future__ import annotations

import statistics
import subprocess
import time

from bench.common import Figure
from bench.sandboxes import HUB, hub_env


def _median(args: list[str], runs: int) -> float:
    env = hub_env()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([str(HUB), *args], capture_output=True, check=True, env=env)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run(runs: int) -> list[Figure]:
    helped = _median(["--help"], runs)
    listed = _median(["plugins", "list"], runs)
    return [Figure("startup", "hub --help", round(helped, 3), "s", "< 0.15", helped < 0.15,
                   {"runs": runs}),
            Figure("startup", "hub plugins list", round(listed, 3), "s", "< 1", listed < 1,
                   {"runs": runs})]
