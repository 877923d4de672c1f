"""What every scenario shares: a result record, timing, and a quiet temporary hub."""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Figure:
    """One measured figure, with the target it is held to (if any) and whether it met it."""

    scenario: str
    name: str
    value: float
    unit: str
    target: str = ""
    met: bool | None = None
    context: dict[str, Any] = field(default_factory=dict)


@contextlib.contextmanager
def quiet_env() -> Iterator[Path]:
    """A temporary data directory and no HUB_ variables leaking in from the shell."""
    saved = {k: v for k, v in os.environ.items() if k.startswith("HUB_")}
    for key in saved:
        del os.environ[key]
    with tempfile.TemporaryDirectory(prefix="hub-bench-") as tmp:
        os.environ["HUB_DATA_DIR"] = str(Path(tmp) / "data")
        try:
            yield Path(tmp)
        finally:
            os.environ.pop("HUB_DATA_DIR", None)
            os.environ.update(saved)


class Stopwatch:
    def __enter__(self) -> Stopwatch:
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.start


POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"


def postgres_base_url() -> str | None:
    """The PostgreSQL server the benchmarks use, when one answers: ``HUB_TEST_DATABASE_URL``
    (as the tests), else the local test server; None when none answers."""
    url = os.environ.get("HUB_TEST_DATABASE_URL") or POSTGRES_URL
    try:
        import psycopg

        psycopg.connect(url, connect_timeout=2).close()
    except Exception:  # no driver, no server: the PostgreSQL cases are skipped
        return None
    return url


@contextlib.contextmanager
def postgres_schema(engine: str, tmp: Path, base: str | None) -> Iterator[str | None]:
    """A database URL for ``engine``: SQLite in ``tmp``, or a fresh schema on the PostgreSQL
    server ``base`` (dropped afterwards); None when PostgreSQL is asked for without a server."""
    if engine == "sqlite":
        (tmp / "data").mkdir(parents=True, exist_ok=True)
        yield f"sqlite:///{tmp / 'data' / 'hub.db'}"
        return
    if base is None:
        yield None
        return
    import uuid

    import psycopg

    schema = f"bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        url = base.replace("postgresql://", "postgresql+psycopg://", 1)
        yield f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")
