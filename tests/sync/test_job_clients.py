"""An account's HTTP client serves its next job in the same process (a worker's, the daemon's),
its idle socket closed in between, and a change of its settings or credentials made by another
process gives the next job a new client: never a stale key or token.

Real HTTP against a small server on 127.0.0.1 that records what each request carried.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

import hub
from hub.core.app import HubApp
from hub.core.config import Config
from hub.core.plugins import PluginHost
from hub.types import OrderPage
from tests.conftest import postgres_url
from tests.fakeplatform import FakePlatform, Observer


class Recorder(ThreadingHTTPServer):
    """Answers ``[]``; keeps (api key, authorization, client port) per request and counts
    the connections still open."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.seen: list[tuple[str, str, int]] = []
        self.open = 0
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the client may reuse the connection
    server: Recorder

    def setup(self) -> None:
        super().setup()
        with self.server.lock:
            self.server.open += 1

    def finish(self) -> None:
        super().finish()
        with self.server.lock:
            self.server.open -= 1

    def do_GET(self) -> None:
        self.server.seen.append((self.headers.get("x-api-key", ""),
                                 self.headers.get("authorization", ""), self.client_address[1]))
        body = b"[]"
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: Any) -> None:
        pass


class HttpShop(FakePlatform):
    """``fakeshop`` whose order listing asks the store over HTTP, as a real plugin does: the
    key is baked into the client's headers when the client is built, the token sent per request."""

    def __init__(self) -> None:
        super().__init__()
        self.clients: list[Any] = []

    @hub.hookimpl
    async def fetch_orders(self, account: hub.Account, since: datetime, until: datetime | None
                           ) -> AsyncIterator[OrderPage]:
        client = account.client(account.setting("base_url"),
                                headers={"X-Api-Key": account.setting("api_key")},
                                token_header="Authorization")
        self.clients.append(client)
        (await client.get("/orders")).raise_for_status()
        return
        yield  # an async generator with no page: nothing new


@pytest.fixture
def server() -> Iterator[Recorder]:
    recorder = Recorder()
    thread = threading.Thread(target=recorder.serve_forever, daemon=True)
    thread.start()
    yield recorder
    recorder.shutdown()
    recorder.server_close()


def _apps(tmp_path: Path, url: str) -> tuple[HubApp, HubApp, HttpShop]:
    """The process running jobs, and another one (``hub accounts ...``) on the same database."""
    shop = HttpShop()
    host = PluginHost()
    host._loaded = True
    host.register(shop, name="fakeshop", distribution="hub-fakeshop", version="1.0")
    host.register(Observer(), name="observer", distribution="hub-observer", version="1.0")
    config = Config(data_dir=tmp_path / "data", database_url=url)
    return HubApp(config, host=host), HubApp(config, host=host), shop


def _wait_closed(server: Recorder) -> int:
    """The connections the server still has open once the client's close reached it (up to 5 s)."""
    deadline = time.monotonic() + 5
    while server.open and time.monotonic() < deadline:
        time.sleep(0.01)
    return server.open


def _scenario(app: HubApp, cli: HubApp, shop: HttpShop, server: Recorder,
              run_job: Callable[[int], Awaitable[None]]) -> None:
    account_id = app.accounts.add("fakeshop", "main", {"base_url": server.url,
                                                       "api_key": "key-one-0001",
                                                       "backfill_slice_days": "0"}).id or 0
    app.accounts.save_credentials(account_id, {"access_token": "token-one"})
    open_after: list[int] = []

    async def jobs() -> None:
        await run_job(account_id)
        open_after.append(await asyncio.to_thread(_wait_closed, server))
        await run_job(account_id)  # nothing changed: the same client
        cli.accounts.update_settings("main", {"api_key": "key-two-0002"})  # another process
        await run_job(account_id)
        cli.accounts.save_credentials(account_id, {"access_token": "token-two"})  # re-authorized
        await run_job(account_id)
        await run_job(account_id)
        open_after.append(await asyncio.to_thread(_wait_closed, server))
        await app.accounts.aclose()

    try:
        asyncio.run(jobs())
    finally:
        cli.close()
    assert [(key, token) for key, token, _ in server.seen] == [
        ("key-one-0001", "Bearer token-one"), ("key-one-0001", "Bearer token-one"),
        ("key-two-0002", "Bearer token-one"), ("key-two-0002", "Bearer token-two"),
        ("key-two-0002", "Bearer token-two")]
    first, second, third, fourth, fifth = shop.clients
    assert second is first, "the account's client served its next job"
    assert third is not first and fourth is not third, "a change elsewhere: a new client"
    assert fifth is fourth
    assert open_after == [0, 0], "no socket kept between an account's jobs"
    ports = [port for _, _, port in server.seen]
    assert ports[0] != ports[1], "the second job opened a new connection on the kept client"


def test_the_daemon_keeps_an_account_client_between_jobs_and_never_a_stale_key_or_token(
        tmp_path: Path, server: Recorder) -> None:
    from hub.core.scheduler import Daemon
    from hub.core.sync.orders import import_orders

    app, cli, shop = _apps(tmp_path, f"sqlite:///{tmp_path / 'data' / 'hub.db'}")
    app.db.ensure_schema()
    daemon = Daemon(app)

    async def run_job(account_id: int) -> None:
        await daemon._job("main", "orders", lambda: import_orders(app, "main", trigger="scheduled"),
                          account_id)

    try:
        _scenario(app, cli, shop, server, run_job)
    finally:
        app.close()


@pytest.mark.postgres
def test_a_worker_keeps_an_account_client_between_jobs_and_never_a_stale_key_or_token(
        tmp_path: Path, server: Recorder) -> None:
    from hub.core.queue import Queue, ensure_queue_schema

    app, cli, shop = _apps(tmp_path, postgres_url())
    app.db.ensure_schema()
    ensure_queue_schema(app)
    queue = Queue(app)

    async def run_job(account_id: int) -> None:
        await queue.run_job("orders", account_id)

    try:
        _scenario(app, cli, shop, server, run_job)
    finally:
        app.close()


def test_a_job_still_running_keeps_its_client_when_another_job_sees_a_change(
        app: HubApp, account: str) -> None:
    """Two jobs of one account at once (two flows): the second sees new settings and gets a new
    live account; the first one's clients stay open until it ends, then close."""
    account_id = app.accounts.row(account).id or 0

    async def scenario() -> tuple[bool, bool, bool]:
        async with app.accounts.running(account_id):
            old = app.accounts.open(app.accounts.row(account))
            client = old.client("http://127.0.0.1:9")
            app.accounts.update_settings(account, {"api_key": "sk_live_rotated_456"})
            async with app.accounts.running(account_id):
                new = app.accounts.open(app.accounts.row(account))
            open_while_first_runs = not client._http.is_closed
        closed_after = client._http.is_closed
        await app.accounts.aclose()
        return new is not old, open_while_first_runs, closed_after

    assert asyncio.run(scenario()) == (True, True, True)
