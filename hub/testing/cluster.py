"""Run ``hub daemon`` and ``hub worker`` as real processes on one PostgreSQL database.

For tests and benchmarks of distributed mode (``HUB_EXECUTOR=procrastinate``)::

    with Cluster(data_dir, database_url) as cluster:
        cluster.start_worker(stalled_seconds=2)
        cluster.wait_for(lambda: cluster.alive_workers() == 1)
        ...

Each process writes its log to ``<data_dir>/../logs/<role>-<n>.log``; every process
still running is stopped (SIGTERM, then SIGKILL) when the ``with`` block ends.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

HUB = Path(sys.executable).parent / "hub"


@dataclass
class Proc:
    role: str
    popen: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.popen.pid

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def kill9(self) -> None:
        os.kill(self.popen.pid, signal.SIGKILL)
        self.popen.wait()

    def stop(self, timeout: float = 30) -> int:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        return self.popen.returncode


@dataclass
class Cluster:
    data_dir: Path
    database_url: str
    extra_env: dict[str, str] = field(default_factory=dict)
    procs: list[Proc] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.engine = create_engine(self.database_url.replace("postgresql://", "postgresql+psycopg://", 1),
                                    pool_size=1, max_overflow=1)
        self.logs = self.data_dir.parent / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)

    def __enter__(self) -> Cluster:
        return self

    def __exit__(self, *exc: object) -> None:
        for proc in self.procs:
            proc.stop()
        self.engine.dispose()

    @property
    def env(self) -> dict[str, str]:
        base = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
        return {**base, "HUB_DATA_DIR": str(self.data_dir), "HUB_DATABASE_URL": self.database_url,
                "HUB_EXECUTOR": "procrastinate", **self.extra_env}

    def start(self, role: str, *args: str) -> Proc:
        log = self.logs / f"{role}-{len(self.procs)}.log"
        with log.open("wb") as out:
            popen = subprocess.Popen([str(HUB), *args], env=self.env, stdout=out,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        proc = Proc(role, popen, log)
        self.procs.append(proc)
        return proc

    def start_worker(self, *, concurrency: int = 2, stalled_seconds: float = 30,
                     delete_jobs: str = "successful") -> Proc:
        return self.start("worker", "worker", "--concurrency", str(concurrency),
                          "--stalled-seconds", str(stalled_seconds), "--delete-jobs", delete_jobs)

    def start_daemon(self, *, startup_jitter: float = 0.5) -> Proc:
        return self.start("daemon", "daemon", "--listen", "off", "--startup-jitter", str(startup_jitter))

    # --- reading the database --------------------------------------------------------------
    def scalar(self, sql: str, **params: Any) -> Any:
        with self.engine.connect() as conn:
            return conn.execute(text(sql), params).scalar()

    def rows(self, sql: str, **params: Any) -> list[Any]:
        with self.engine.connect() as conn:
            return list(conn.execute(text(sql), params).all())

    def alive_workers(self, within: float = 30) -> int:
        return int(self.scalar("SELECT count(*) FROM procrastinate_workers "
                               "WHERE last_heartbeat > now() - make_interval(secs => :s)", s=within))

    def pending(self) -> int:
        """Hub jobs waiting or running."""
        return int(self.scalar("SELECT count(*) FROM procrastinate_jobs "
                               "WHERE status IN ('todo', 'doing') AND task_name LIKE 'hub:%'"))

    def wait_for(self, condition: Callable[[], bool], timeout: float = 120, what: str = "") -> None:
        """Poll ``condition`` until true; a hang guard, not a timing assertion."""
        deadline = time.monotonic() + timeout
        while not condition():
            for proc in self.procs:
                if proc.popen.poll() not in (None, -signal.SIGKILL, 0):
                    raise AssertionError(f"{proc.role} {proc.pid} exited {proc.popen.returncode}:\n"
                                         f"{proc.output()[-3000:]}")
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what or condition}")
            time.sleep(0.1)
