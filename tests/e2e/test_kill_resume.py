"""``kill -9`` in the middle of an import: the next import resumes with nothing lost or duplicated."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hub.core.plugins import get_host
from hub.sandbox import SandboxOptions

HUB = Path(sys.executable).parent / "hub"


def _count(db: Path) -> int:
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return conn.execute("SELECT count(*) FROM hub_order").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


@pytest.mark.skipif("woocommerce" not in get_host().platforms, reason="hub-woocommerce not installed")
def test_kill_9_mid_import_then_resume(tmp_path: Path) -> None:
    sandbox = get_host().create_sandbox("woocommerce", SandboxOptions(orders=400, latency=0.08, seed=7))
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("HUB_")},
           "HUB_DATA_DIR": str(tmp_path / "data")}
    db = tmp_path / "data" / "hub.db"
    with sandbox.serve() as base_url:
        settings = [f"--set={k}={v}" for k, v in sandbox.account_settings(base_url).items()]
        subprocess.run([str(HUB), "accounts", "add", "woocommerce", "--name", "main", *settings,
                        "--set", "backfill_slice_days=90"], check=True, env=env, capture_output=True)
        proc = subprocess.Popen([str(HUB), "orders", "import", "--account", "main"], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while _count(db) == 0 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
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
