"""``kill -9`` in the middle of an import: the next import resumes with nothing lost or duplicated.

On SQLite and (when ``HUB_TEST_DATABASE_URL`` is set) PostgreSQL, for a platform whose listing
is sorted by modification time (WooCommerce: a page vouches for a checkpoint) and one whose
listing order is not documented (Tiendanube: the window is read again, with sweeps).
The queue-based platforms have their own kill tests, which land the kill between the hub's
commit and the acknowledgement (SkyHub: ``plugins/skyhub/tests/test_skyhub_queue.py``).
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy

from hub.core.plugins import get_host
from hub.sandbox import SandboxOptions, serve
from tests.conftest import postgres_url

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


def _count(engine: sqlalchemy.Engine) -> int:
    try:
        with engine.connect() as conn:
            return int(conn.execute(sqlalchemy.text("SELECT count(*) FROM hub_order")).scalar_one())
    except sqlalchemy.exc.DBAPIError:  # not created yet (or locked for a moment)
        return 0


def _rows(engine: sqlalchemy.Engine, sql: str) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(sqlalchemy.text(sql)))


#: (platform, store currency, extra settings): a listing sorted by modification time, and one
#: whose order is not documented
PLATFORMS = [("woocommerce", "USD", ["--set", "backfill_slice_days=90"]), ("nuvemshop", "BRL", [])]


@pytest.mark.parametrize("database", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
@pytest.mark.parametrize(("platform", "currency", "extra"), PLATFORMS, ids=[p[0] for p in PLATFORMS])
def test_kill_9_mid_import_then_resume(tmp_path: Path, platform: str, currency: str,
                                       extra: list[str], database: str) -> None:
    if platform not in get_host().platforms:
        pytest.skip(f"hub-{platform} not installed")
    url = f"sqlite:///{tmp_path / 'data' / 'hub.db'}" if database == "sqlite" else postgres_url()
    sandbox = get_host().create_sandbox(platform, SandboxOptions(orders=400, seed=7,
                                                                   currency=currency))
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("HUB_")},
           "HUB_DATA_DIR": str(tmp_path / "data"), "HUB_DATABASE_URL": url, "HUB_CURRENCY": currency}
    engine = sqlalchemy.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    gate = HoldAfterTwoPages(sandbox.app)  # the kill lands mid-import by construction, not luck
    try:
        with serve(gate) as base_url:
            settings = [f"--set={k}={v}" for k, v in sandbox.account_settings(base_url).items()]
            subprocess.run([str(HUB), "accounts", "add", platform, "--name", "main", *settings,
                            *extra], check=True, env=env, capture_output=True)
            proc = subprocess.Popen([str(HUB), "orders", "import", "--account", "main"], env=env,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            deadline = time.monotonic() + 600  # a hang guard: page 1 gets committed, then held
            while _count(engine) == 0 and time.monotonic() < deadline and proc.poll() is None:
                time.sleep(0.05)
            assert proc.poll() is None, proc.communicate()[1]
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            gate.holding = False
            partial = _count(engine)
            expected = sandbox.eligible_order_ids()
            assert 0 < partial < len(expected), "the kill must land mid-import"
            done = subprocess.run([str(HUB), "orders", "import", "--account", "main", "--json"],
                                  env=env, capture_output=True, text=True, timeout=300)
            assert done.returncode == 0, done.stderr
        ids = [r[0] for r in _rows(engine, "SELECT platform_order_id FROM hub_order")]
        runs = [r[0] for r in _rows(engine, "SELECT status FROM sync_run ORDER BY id")]
        [reserved] = _rows(engine, "SELECT count(*), count(DISTINCT CAST(order_id AS VARCHAR) || ':' "
                                   "|| CAST(product_id AS VARCHAR)) FROM stock_reservation")
    finally:
        engine.dispose()
    assert len(ids) == len(set(ids)), "no order twice"
    assert set(ids) == expected, "every eligible order, nothing else"
    assert runs == ["interrupted", "ok"]
    assert reserved[0] == reserved[1]
