"""The order queue through the real core: orders acknowledged only after the hub committed them,
an unacknowledged order handed out again and imported once, the list for backfills."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from hub.sandbox import SandboxOptions
from hub.testing.harness import SandboxHarness
from hub_skyhub import plugin
from hub_skyhub.sandbox import SkyhubSandbox

HUB = Path(sys.executable).parent / "hub"
QUEUE = {"order_source": "queue"}


def test_the_queue_import_brings_every_eligible_order_and_acknowledges_each(tmp_path: Path) -> None:
    with SandboxHarness("skyhub", tmp_path, SandboxOptions(orders=30, currency="USD"), settings=QUEUE) as h:
        sandbox: SkyhubSandbox = h.sandbox  # type: ignore[assignment]
        queued = set(sandbox.queue)
        result = h.import_orders()
        assert result.error is None, result.error
        assert h.order_ids() == sandbox.eligible_order_ids()
        assert sandbox.queue == {}  # drained: every order read was acknowledged
        assert sorted(sandbox.acknowledged) == sorted(queued)
        # the end of the queue costs only the reads in flight (3), not one per page; a read
        # refused for rate (429) and sent again counts twice
        reads = sandbox.stats.routes["GET /queues/orders"] - sum(
            b.rejected for name, b in sandbox.buckets.items() if name.startswith("queue:GET"))
        assert len(queued) < reads <= len(queued) + 3


def test_an_empty_queue_answered_with_an_empty_json_body_ends_the_import(tmp_path: Path) -> None:
    """A success whose body decodes empty is the empty queue (as BitTools' Magento 2 module reads
    it), not an error: the import ends cleanly with every order in."""
    for n, body in enumerate((b"null", b"[]", b"{}")):
        with SandboxHarness("skyhub", tmp_path / str(n), SandboxOptions(orders=6, currency="USD"),
                            settings=QUEUE) as h:
            sandbox: SkyhubSandbox = h.sandbox  # type: ignore[assignment]
            sandbox.empty_queue_body = body
            result = h.import_orders()
            assert result.error is None, (body, result.error)
            assert h.order_ids() == sandbox.eligible_order_ids() and sandbox.queue == {}


def test_a_page_the_core_never_committed_is_never_acknowledged(tmp_path: Path) -> None:
    """Close the generator at its first page (as when the run dies before the core's commit
    returns): nothing is deleted from the queue, and the order comes back later."""
    with SandboxHarness("skyhub", tmp_path, SandboxOptions(orders=10, currency="USD"), settings=QUEUE) as h:
        sandbox: SkyhubSandbox = h.sandbox  # type: ignore[assignment]
        sandbox.visibility = 0.2
        account = h.app.accounts.open_named(h.account)

        async def first_page() -> list[dict[str, Any]]:
            pages = plugin.fetch_orders(account, datetime.now(UTC) - timedelta(minutes=5), None)
            async with contextlib.aclosing(pages) as found:
                async for page in found:
                    return page.payloads
            return []

        payloads = h.run(first_page())
        assert len(payloads) == 1
        assert sandbox.acknowledged == []
        code = payloads[0]["code"]
        assert code in sandbox.queue  # in flight, not deleted
        time.sleep(0.25)
        result = h.import_orders()
        assert result.error is None, result.error
        assert code in sandbox.acknowledged and sandbox.queue == {}


def test_an_order_the_marketplace_changes_comes_through_the_queue(tmp_path: Path) -> None:
    with SandboxHarness("skyhub", tmp_path, SandboxOptions(orders=12, currency="USD"), settings=QUEUE) as h:
        sandbox: SkyhubSandbox = h.sandbox  # type: ignore[assignment]
        assert h.import_orders().error is None
        pending = sandbox.place_order("book_product")
        assert h.import_orders().error is None
        assert pending not in h.order_ids()  # payment pending: not eligible, acknowledged
        assert pending in sandbox.acknowledged
        sandbox.change_status(pending, "payment_received")
        again = h.import_orders()
        assert again.error is None and pending in h.order_ids()
        imported = next(o for o in h.orders() if o.platform_order_id == pending)
        assert imported.state == "ready"
        sandbox.change_status(pending, "order_canceled")
        assert h.import_orders().error is None
        imported = next(o for o in h.orders() if o.platform_order_id == pending)
        assert imported.state == "cancelled"


def test_auto_reads_the_list_for_a_backfill_and_the_queue_after(tmp_path: Path) -> None:
    with SandboxHarness("skyhub", tmp_path, SandboxOptions(orders=12, currency="USD")) as h:
        sandbox: SkyhubSandbox = h.sandbox  # type: ignore[assignment]
        assert h.import_orders().error is None  # first run: 60 days back
        assert sandbox.stats.routes["GET /orders"] >= 1
        assert sandbox.stats.routes["GET /queues/orders"] == 0
        assert h.order_ids() == sandbox.eligible_order_ids()
        assert h.import_orders().error is None  # incremental: the queue (every order once more)
        assert sandbox.stats.routes["GET /queues/orders"] > 0 and sandbox.queue == {}
        assert len(h.orders()) == len(h.order_ids())


# --- a real kill between the hub's commit and the acknowledgement -----------------------------
def _hub(data: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env.update(HUB_DATA_DIR=str(data), HUB_CURRENCY="USD")
    return subprocess.run([str(HUB), *args], capture_output=True, text=True, timeout=timeout,
                          env=env)


def test_a_process_killed_between_commit_and_ack_gets_the_order_again_and_imports_it_once(
        tmp_path: Path) -> None:
    sandbox = SkyhubSandbox(SandboxOptions(orders=8, currency="USD"))
    sandbox.visibility = 0.5
    victims: list[int] = []
    deleting = sandbox._queue_delete

    async def kill_then_delete(request: Request) -> Response:
        if victims:  # the first acknowledgement: the importing process dies before it lands
            os.kill(victims.pop(), signal.SIGKILL)
            await asyncio.sleep(0.2)
            return Response(status_code=503)  # never applied, never read by anyone
        return await deleting(request)

    sandbox._queue_delete = kill_then_delete  # type: ignore[method-assign]
    data = tmp_path / "hub"
    with sandbox.serve() as url:
        settings = {**sandbox.account_settings(url), **QUEUE}
        args = [arg for k, v in settings.items() for arg in ("--set", f"{k}={v}")]
        added = _hub(data, "accounts", "add", "skyhub", "--name", "sk", *args)
        assert added.returncode == 0, added.stderr
        env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
        env.update(HUB_DATA_DIR=str(data), HUB_CURRENCY="USD")
        proc = subprocess.Popen([str(HUB), "orders", "import", "--account", "sk"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        victims.append(proc.pid)
        proc.wait(timeout=120)
        assert proc.returncode == -signal.SIGKILL
        listed = json.loads(_hub(data, "orders", "list", "--json", "--all").stdout or "[]")
        assert len(listed) == 1  # the first page was committed, then the process died
        first = listed[0]["platform_order_id"]
        assert sandbox.acknowledged == [] and first in sandbox.queue
        time.sleep(0.6)  # SkyHub hands an unacknowledged order out again
        again = _hub(data, "orders", "import", "--account", "sk")
        assert again.returncode == 0, again.stderr
    listed = json.loads(_hub(data, "orders", "list", "--json", "--all").stdout)
    ids = [o["platform_order_id"] for o in listed]
    assert sorted(ids) == sorted(sandbox.eligible_order_ids())  # each once, the first included
    assert first in sandbox.acknowledged and sandbox.queue == {}
