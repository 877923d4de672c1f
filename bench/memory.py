"""Scenario 4, memory and linearity: ``hub orders import`` backfilling N orders.

The sandbox runs in its own process, the import in another (``hub orders import``),
whose peak resident set size is read from the kernel while it runs. The import
rate is the orders the run read over the run's own duration (its ``started_at`` to
``finished_at``, so process start-up does not count). On SQLite, and on PostgreSQL
when its server answers (a schema of its own per size).

Targets: peak RSS flat and under 200 MB at 100,000 orders; on PostgreSQL, the rate
at the largest size within 20 % of the rate at the smallest (issue 17: linear). The
``linearity`` scenario is the PostgreSQL half alone, at 5,000 and 100,000 orders.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from bench.common import Figure, postgres_base_url, postgres_schema, quiet_env
from bench.sandboxes import HUB, hub_env, sandbox_process


def _peak_rss_mb(args: list[str], env: dict[str, str], log: Path, out: Path,
                 sample: Callable[[], None] | None = None) -> tuple[float, float, int]:
    """Run ``args``; return its own peak RSS (VmHWM: ``ru_maxrss`` is not reset by exec, so
    a child reports at least its parent's size), its wall time and exit code. ``sample`` is
    called while it runs (every 0.1 s)."""
    start = time.perf_counter()
    with log.open("w") as err, out.open("w") as stdout:
        proc = subprocess.Popen(args, env=env, stdout=stdout, stderr=err)
        peak = 0.0
        status = Path(f"/proc/{proc.pid}/status")
        while proc.poll() is None:
            try:
                for line in status.read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        peak = max(peak, int(line.split()[1]) / 1024)
            except (OSError, ValueError):
                pass
            if sample is not None:
                sample()
            time.sleep(0.1)
    return peak, time.perf_counter() - start, proc.returncode


def _largest_over_smallest(by_size: dict[int, float]) -> float:
    return round(by_size[max(by_size)] / by_size[min(by_size)], 2)


def _children_cpu() -> float:
    """CPU seconds (user + system) of this process's finished children so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class ServerCpu:
    """CPU seconds of the PostgreSQL backends serving one ``application_name`` (the import's
    connections), read from ``/proc`` while they live: the server runs on this machine.

    With the import's own CPU, this is what the hub costs per order whatever else the
    machine runs, and without the sandbox's own time (its order listing is cached per query
    until the store changes, so a page costs about the same at 100,000 orders as at 5,000;
    the first page of a scan, or the next after a change, still sorts the store once).
    ``seconds`` is None when the backends cannot be read.
    """

    def __init__(self, base: str, name: str) -> None:
        self.base, self.name = base, name
        self.ticks: dict[int, int] = {}
        self.pids: list[int] = []
        self.looked = 0.0
        self.readable = True

    def sample(self) -> None:
        if time.monotonic() - self.looked > 0.5:  # new connections of the pool
            import psycopg

            self.looked = time.monotonic()
            with psycopg.connect(self.base, autocommit=True) as conn:
                self.pids = [pid for (pid,) in conn.execute(
                    "SELECT pid FROM pg_stat_activity WHERE application_name = %s", (self.name,))]
        for pid in self.pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                self.readable = self.readable and pid in self.ticks  # ended since: keep its last
                continue
            self.ticks[pid] = max(self.ticks.get(pid, 0), int(fields[11]) + int(fields[12]))

    @property
    def seconds(self) -> float | None:
        return sum(self.ticks.values()) / os.sysconf("SC_CLK_TCK") if self.readable else None


def _run_seconds(env: dict[str, str], run_id: int) -> float:
    """The run's own duration, read from the hub's database."""
    from hub.core.app import HubApp
    from hub.core.config import Config
    from hub.core.storage.models import SyncRun

    saved = dict(os.environ)
    os.environ.update(env)
    try:
        app = HubApp(Config.from_env())
        with app.db.session() as s:
            run = s.get(SyncRun, run_id)
            assert run is not None and run.finished_at is not None
            seconds = (run.finished_at - run.started_at).total_seconds()
        app.close()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return seconds


def run(sizes: list[int], postgres: bool = True, sqlite: bool = True,
        scenario: str = "memory") -> list[Figure]:
    """Peak RSS and rate of a backfill at each size, on SQLite and (when its server answers)
    PostgreSQL; ``sqlite=False`` measures PostgreSQL only (the ``linearity`` scenario)."""
    figures = []
    server = postgres_base_url() if postgres else None
    engines = (["sqlite"] if sqlite else []) + (["postgresql"] if server else [])
    rates: dict[str, dict[int, float]] = {engine: {} for engine in engines}
    costs: dict[str, dict[int, float]] = {engine: {} for engine in engines}
    for size in sizes:
        with sandbox_process("woocommerce", orders=size, seed=5) as sandbox:
            for engine in engines:
                with quiet_env() as tmp, postgres_schema(engine, tmp, server) as url:
                    assert url is not None
                    env = {**hub_env(), "HUB_DATA_DIR": str(tmp / "data"),
                           "HUB_DATABASE_URL": url}
                    settings = [f"--set={k}={v}" for k, v in sandbox["settings"].items()]
                    subprocess.run([str(HUB), "accounts", "add", "woocommerce", "--name", "m",
                                    *settings, "--set=backfill_days=120"], env=env, check=True,
                                   capture_output=True)
                    start = _children_cpu()
                    subprocess.run([str(HUB), "accounts", "list"], env=env, check=True,
                                   capture_output=True)
                    startup = _children_cpu() - start  # a hub process's start-up, about
                    backends = None
                    if engine == "postgresql" and server is not None:
                        label = f"hub-bench-{size}-{time.monotonic_ns()}"
                        env["HUB_DATABASE_URL"] = f"{url}&application_name={label}"
                        backends = ServerCpu(server, label)
                    before = _children_cpu()
                    peak, seconds, code = _peak_rss_mb(
                        [str(HUB), "orders", "import", "--account", "m", "--json"], env,
                        tmp / "import.log", tmp / "import.json",
                        backends.sample if backends else None)
                    # the import's own CPU, and its database server's: on a shared machine
                    # the steadier sign of linearity than the wall-clock rate
                    cpu = _children_cpu() - before
                    server_cpu = backends.seconds if backends else None
                    error = (tmp / "import.log").read_text()[-500:] if code else None
                    context: dict[str, object] = {
                        "process_s": round(seconds, 1), "cpu_s": round(cpu, 1),
                        "startup_cpu_s": round(startup, 1),
                        "server_cpu_s": None if server_cpu is None else round(server_cpu, 1),
                        "exit_code": code, "error": error}
                    if code == 0:
                        summary = json.loads((tmp / "import.json").read_text())
                        read = summary.get("imported", 0) + summary.get("skipped", 0)
                        run_s = _run_seconds(env, summary["run"])
                        rates[engine][size] = read / run_s
                        context.update(orders_read=read, run_s=round(run_s, 2),
                                       orders_per_s=round(read / run_s),
                                       orders_per_cpu_s=round(read / cpu) if cpu else None)
                        if engine == "sqlite" or server_cpu is not None:  # hub's CPU per order
                            work = max(cpu - startup, 0.0) + (server_cpu or 0.0)
                            costs[engine][size] = work / read
                name = "SQLite" if engine == "sqlite" else "PostgreSQL"
                target_ok = (peak < 200 if size >= 100_000 else None) if code == 0 else False
                figures.append(Figure(scenario, f"{name}: peak RSS, backfill of {size:,} orders",
                                      round(peak, 1), "MB",
                                      "< 200 at 100,000, flat" if size >= 100_000 else "flat",
                                      target_ok, context))
    for engine, by_size in rates.items():
        name = "SQLite" if engine == "sqlite" else "PostgreSQL"
        if len(by_size) < 2:
            continue
        ratio = _largest_over_smallest(by_size)
        figures.append(Figure(scenario, f"{name}: import rate at {max(by_size):,} / at "
                              f"{min(by_size):,} orders", ratio, "x",
                              "0.8 - 1.2" if engine != "sqlite" else "",
                              (0.8 <= ratio <= 1.2) if engine != "sqlite" else None,
                              {f"{size}": round(rate) for size, rate in by_size.items()}))
        for size, rate in sorted(by_size.items()):
            figures.append(Figure(scenario, f"{name}: orders/s, backfill of {size:,} orders",
                                  round(rate), "orders/s"))
    for engine, by_size in costs.items():
        if len(by_size) < 2:
            continue
        # less a hub process's start-up (a ``hub accounts list`` just before), which a small
        # import would otherwise carry more of per order
        what = "SQLite: import CPU" if engine == "sqlite" else "PostgreSQL: import + server CPU"
        ratio = _largest_over_smallest(by_size)
        figures.append(Figure(scenario, f"{what} per order at {max(by_size):,} / at "
                              f"{min(by_size):,}", ratio, "x",
                              "<= 1.2" if engine != "sqlite" else "",
                              (ratio <= 1.2) if engine != "sqlite" else None,
                              {f"{size}_ms": round(cost * 1000, 2) for size, cost in by_size.items()}))
    return figures
