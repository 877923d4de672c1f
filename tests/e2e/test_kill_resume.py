"""``kill -9`` in the middle of an import: the next import resumes with nothing lost or duplicated."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from hub.core.plugins import get_host
from hub.sandbox import SandboxOptions, serve

HUB = Path(sys.executable).parent / "hub"


class HoldAfterTwoPages:
    """ASGI middleware: after two order-listing pages, hold the listing until released.

    The import commits page 1 (a scan hands a page on once the next one arrived) and
    can go no further, so the kill lands mid-import whatever the machine's speed.
    """

    def __init__(self, app: Any) -> None:
        self.app = app
        self.pages = 0
        self.holding = True

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].endswith("/orders"):
            self.pages += 1
            while self.pages > 2 and self.holding:
                await asyncio.sleep(0.05)
        await self.app(scope, receive, send)


def _count(db: Path) -> int:
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return conn.execute("SELECT count(*) FROM hub_order").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


@pytest.mark.skipif("woocommerce" not in get_host().platforms, reason="hub-woocommerce not installed")
def test_kill_9_mid_import_then_resume(tmp_path: Path) -> None:
    sandbox = get_host().create_sandbox("woocommerce", SandboxOptions(orders=400, seed=7))
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("HUB_")},
           "HUB_DATA_DIR": str(tmp_path / "data")}
    db = tmp_path / "data" / "hub.db"
    gate = HoldAfterTwoPages(sandbox.app)  # the kill lands mid-import by construction, not luck
    with serve(gate) as base_url:
        settings = [f"--set={k}={v}" for k, v in sandbox.account_settings(base_url).items()]
        subprocess.run([str(HUB), "accounts", "add", "woocommerce", "--name", "main", *settings,
                        "--set", "backfill_slice_days=90"], check=True, env=env, capture_output=True)
        proc = subprocess.Popen([str(HUB), "orders", "import", "--account", "main"], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 600  # a hang guard: page 1 gets committed, then the scan is held
        while _count(db) == 0 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        gate.holding = False
        partial = _count(db)
        expected = sandbox.eligible_order_ids()
        assert 0 < partial < len(expected), "the kill must land mid-import"
        done = subprocess.run([str(HUB), "orders", "import", "--account", "main", "--json"], env=env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
    with sqlite3.connect(db) as conn:
        ids = [r[0] for r in conn.execute("SELECT platform_order_id FROM hub_order")]
        runs = [r[0] for r in conn.execute("SELECT status FROM sync_run ORDER BY id")]
        reserved = conn.execute("SELECT count(*), count(DISTINCT order_id || ':' || product_id) "
                                "FROM stock_reservation").fetchone()
    assert len(ids) == len(set(ids)), "no order twice"
    assert set(ids) == expected, "every eligible order, nothing else"
    assert runs == ["interrupted", "ok"]
    assert reserved[0] == reserved[1]
