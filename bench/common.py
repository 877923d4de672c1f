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
