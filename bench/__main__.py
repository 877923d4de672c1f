"""The benchmark runner: ``python3 dev.py bench [--smoke] [--only NAME ...]``.

Prints a table and writes the figures, with the machine and the commit, to
bench/results/<date>-<commit>.json and .md (and latest.md). Ratios measured in
the same run are the figures that matter; absolute times are context. CI may run
``--smoke`` (small sizes); the targets apply to the full sizes.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import (
    catalogue,
    distributed,
    incremental,
    jobcost,
    memory,
    overhead,
    push,
    ratelimit,
    scale,
    startup,
)
from bench.common import Figure

RESULTS = Path(__file__).resolve().parent / "results"

SCENARIOS: dict[str, tuple[Callable[[], list[Figure]], Callable[[], list[Figure]]]] = {
    # name: (full size, smoke size)
    "startup": (lambda: startup.run(runs=9), lambda: startup.run(runs=3)),
    "overhead": (lambda: overhead.run(orders=5000, runs=3), lambda: overhead.run(orders=400, runs=1)),
    "push": (lambda: push.run(skus=10_000, changed=1000, samples=20),
             lambda: push.run(skus=1000, changed=100, samples=3)),
    "ratelimit": (lambda: ratelimit.run(orders=5000, latency=0.1),
                  lambda: ratelimit.run(orders=300, latency=0.01)),
    "memory": (lambda: memory.run([5000, 20_000, 50_000, 100_000]),
               lambda: memory.run([500, 1000])),
    # issue 17: PostgreSQL linear (orders/s at 100,000 within 20 % of 5,000), RSS < 200 MB
    "linearity": (lambda: memory.run([5000, 100_000], sqlite=False, scenario="linearity"),
                  lambda: memory.run([500, 2000], sqlite=False, scenario="linearity")),
    "incremental": (lambda: incremental.run(orders=2000, runs=5),
                    lambda: incremental.run(orders=200, runs=2)),
    "catalogue": (lambda: catalogue.run(n=200), lambda: catalogue.run(n=10)),
    "scale": (lambda: scale.run(accounts=1000, seconds=600, interval=300),
              lambda: scale.run(accounts=20, seconds=15, interval=5)),
    # needs PostgreSQL (HUB_BENCH_DATABASE_URL); 1,000 accounts every 60 s is the job rate of
    # 5,000 accounts every 5 minutes
    "distributed": (lambda: distributed.compare(accounts=1000, seconds=90, interval=60, workers=[1, 2, 3]),
                    lambda: distributed.run(accounts=20, seconds=10, interval=5, workers=1)),
    # PostgreSQL too: CPU-seconds per job of every process involved, over a fixed number of jobs
    # (not a rate, so it holds on a machine shared with other work)
    "jobcost": (lambda: jobcost.figures(accounts=200), lambda: jobcost.figures(accounts=20)),
    # the job rate of the target, 10,000 accounts every 5 minutes (33.3 jobs/s)
    # the target itself: 10,000 accounts every 5 minutes, 1 daemon + 3 workers (about 25 minutes:
    # every account's backfill first, then one full interval measured)
    "distributed_full": (lambda: distributed.target(accounts=10000, seconds=300, interval=300,
                                                    workers=[3], warmup_limit=1500,
                                                    scenario="distributed_full"),
        lambda: distributed.run(accounts=20, seconds=10, interval=5, workers=1)),
    "distributed_target": (lambda: distributed.target(accounts=2000, seconds=60, interval=60,
                                                      workers=[1, 2, 3], warmup_limit=360),
        lambda: distributed.run(accounts=20, seconds=10, interval=5, workers=1)),
}


def machine() -> dict[str, object]:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=Path(__file__).parent).stdout.strip() or "unknown"
    return {"python": platform.python_version(), "platform": platform.platform(),
            "cpus": os.cpu_count(), "commit": commit,
            "when": datetime.now(UTC).isoformat(timespec="seconds")}


def markdown(figures: list[Figure], info: dict[str, object], smoke: bool) -> str:
    lines = [f"# Benchmarks{' (smoke sizes)' if smoke else ''}", "",
             f"commit {info['commit']}, {info['when']}, Python {info['python']}, "
             f"{info['cpus']} CPUs, {info['platform']}", "",
             "| scenario | figure | value | target | met |", "| --- | --- | --- | --- | --- |"]
    for f in figures:
        met = "" if f.met is None else ("yes" if f.met else "**no**")
        lines.append(f"| {f.scenario} | {f.name} | {f.value:,} {f.unit} | {f.target} | {met} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bench", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="small sizes (CI)")
    parser.add_argument("--only", nargs="*", choices=sorted(SCENARIOS), help="these scenarios only")
    args = parser.parse_args(argv)
    figures: list[Figure] = []
    for name in args.only or SCENARIOS:
        full, small = SCENARIOS[name]
        print(f"bench: {name}...", file=sys.stderr)
        try:
            figures += (small if args.smoke else full)()
        except Exception as exc:  # one broken scenario must not lose the others' figures
            print(f"bench: {name} failed: {type(exc).__name__}: {exc}", file=sys.stderr)
            figures.append(Figure(name, "scenario failed", 0, "", "runs", False,
                                  {"error": f"{type(exc).__name__}: {exc}"}))
    info = machine()
    text = markdown(figures, info, args.smoke)
    print(text)
    RESULTS.mkdir(exist_ok=True)
    stem = f"{datetime.now(UTC):%Y%m%d-%H%M%S}-{info['commit']}{'-smoke' if args.smoke else ''}"
    (RESULTS / f"{stem}.json").write_text(json.dumps(
        {"machine": info, "smoke": args.smoke, "figures": [asdict(f) for f in figures]}, indent=2))
    (RESULTS / f"{stem}.md").write_text(text)
    if not args.smoke:
        update_latest(figures, info, args.only or list(SCENARIOS))
    return 0


def update_latest(figures: list[Figure], info: dict[str, object], ran: list[str]) -> None:
    """latest.json/.md: each scenario's newest full-size figures (a run of some scenarios keeps
    the others' figures, each with the commit and time it was measured at)."""
    path = RESULTS / "latest.json"
    latest: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {}
    for name in ran:
        latest[name] = {"machine": info, "figures": [asdict(f) for f in figures if f.scenario == name]}
    path.write_text(json.dumps(latest, indent=2))
    lines = ["# Benchmarks: the newest full-size figures of each scenario", "",
             "| scenario | figure | value | target | met | commit, measured |",
             "| --- | --- | --- | --- | --- | --- |"]
    for name in SCENARIOS:
        if name not in latest:
            continue
        where = latest[name]["machine"]
        for f in latest[name]["figures"]:
            met = "" if f["met"] is None else ("yes" if f["met"] else "**no**")
            lines.append(f"| {name} | {f['name']} | {f['value']:,} {f['unit']} | {f['target']} | {met} "
                         f"| {where['commit']}, {where['when']} |")
    first = next(iter(latest.values()))["machine"]
    lines += ["", f"Python {first['python']}, {first['cpus']} CPUs, {first['platform']}."]
    (RESULTS / "latest.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
