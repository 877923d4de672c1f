"""Sandboxes in their own process (``hub sandbox run``), so a benchmark measures the hub alone."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import httpx

HUB = Path(sys.executable).parent / "hub"


def hub_env() -> dict[str, str]:
    """The environment for a ``hub`` process: no HUB_ variables from the shell, and bytecode
    caching on (an installed hub has its .pyc files; PYTHONDONTWRITEBYTECODE would make every
    run compile the hub from source and time the compiler)."""
    return {k: v for k, v in os.environ.items()
            if not k.startswith("HUB_") and k != "PYTHONDONTWRITEBYTECODE"}


@contextlib.contextmanager
def sandbox_process(platform: str, *, orders: int, seed: int = 1, latency: float = 0.0,
                    currency: str | None = "USD", extra: list[str] | None = None) -> Iterator[dict[str, Any]]:
    """Run ``hub sandbox run PLATFORM`` and yield ``{"base_url", "settings"}`` once it answers.

    The store sells in ``currency`` (the benchmarks' hub keeps the default, USD), so
    its orders are importable rather than skipped for their currency.
    """
    env = hub_env()
    proc = subprocess.Popen([str(HUB), "sandbox", "run", platform, "--orders", str(orders),
                             "--seed", str(seed), "--latency", str(latency),
                             *(["--currency", currency] if currency else []), *(extra or [])],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    try:
        assert proc.stdout is not None
        output: IO[str] = proc.stdout  # (a name the reader thread's lambda keeps narrowed)
        text = ""
        while True:  # the JSON document printed by `hub sandbox run` ends with a lone "}"
            chunk = proc.stdout.readline()
            if not chunk:
                raise RuntimeError(f"hub sandbox run {platform} exited")
            text += chunk
            if chunk.rstrip() == "}":
                break
        info = json.loads(text)
        # keep reading what the sandbox prints (access logs): a full pipe would block it
        threading.Thread(target=lambda: [None for _ in output], daemon=True).start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(info["base_url"], timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        yield info
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:  # a large sandbox may be mid-response: stop it hard
            proc.kill()
            proc.wait(timeout=10)
