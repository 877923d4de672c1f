"""The generic sandbox toolkit: options, fault injection, serving on loopback."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import ASGIApp

from hub.sandbox import FaultInjector, Sandbox, SandboxOptions, require_loopback, serve


class TinySandbox(Sandbox):
    """A two-route platform: enough to exercise the base class."""

    platform = "tiny"
    exempt_paths = ("/auth",)

    def __init__(self, options: SandboxOptions | None = None) -> None:
        super().__init__(options)
        self.received: list[bytes] = []

    def build_app(self) -> ASGIApp:
        async def item(request: Request) -> JSONResponse:
            return JSONResponse({"id": request.path_params["item_id"]})

        async def auth(request: Request) -> JSONResponse:
            return JSONResponse({"ok": True})

        async def hook(request: Request) -> JSONResponse:
            self.received.append(await request.body())
            return JSONResponse({}, status_code=202)

        return Starlette(routes=[Route("/items/{item_id}", item), Route("/auth", auth),
                                 Route("/hook", hook, methods=["POST"])])

    def fault_body(self, status: int) -> Mapping[str, Any]:
        return {"code": f"tiny_{status}"}

    def account_settings(self, base_url: str) -> dict[str, str]:
        return {"base_url": base_url}

    async def deliver_webhook(self, url: str, topic: str, resource_id: str) -> int:
        return await self.post(url, content=resource_id.encode(), headers={"X-Topic": topic})

    def eligible_order_ids(self) -> set[str]:
        return {"1"}


def _get_all(app: ASGIApp, paths: list[str]) -> list[httpx.Response]:
    async def go() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://sandbox") as client:
            return [await client.get(path) for path in paths]

    return asyncio.run(go())


def test_options_reject_nonsense() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        SandboxOptions(now=datetime(2024, 1, 1))  # a naive datetime
    with pytest.raises(ValueError, match="negative"):
        SandboxOptions(burst_429=-1)
    with pytest.raises(ValueError, match="1-based"):
        SandboxOptions(burst_at=0)


def test_429_burst_numbers_requests_and_sends_retry_after() -> None:
    sandbox = TinySandbox(SandboxOptions(burst_429=2, burst_at=2, retry_after=0.25))
    responses = _get_all(sandbox.app, [f"/items/{i}" for i in range(5)])
    assert [r.status_code for r in responses] == [200, 429, 429, 200, 200]
    assert responses[1].headers["retry-after"] == "0.25"
    assert responses[1].json() == {"code": "tiny_429"}
    assert sandbox.stats.requests == 5
    assert sandbox.stats.rejected_429 == 2
    # only requests that reached the app are counted per route, by route template
    assert sandbox.stats.routes == {"GET /items/{item_id}": 3}


def test_periodic_503_and_whole_second_retry_after() -> None:
    sandbox = TinySandbox(SandboxOptions(error_5xx_every=3, burst_429=1, burst_at=1))
    statuses = [r.status_code for r in _get_all(sandbox.app, ["/items/a"] * 7)]
    assert statuses == [429, 200, 503, 200, 200, 503, 200]
    assert sandbox.stats.errors_5xx == 2
    first = _get_all(TinySandbox(SandboxOptions(burst_429=1, burst_at=1)).app, ["/items/a"])[0]
    assert first.headers["retry-after"] == "1"


def test_exempt_paths_are_neither_numbered_nor_faulted() -> None:
    sandbox = TinySandbox(SandboxOptions(burst_429=1, burst_at=1))
    statuses = [r.status_code for r in _get_all(sandbox.app, ["/auth", "/auth", "/items/x"])]
    assert statuses == [200, 200, 429]
    assert sandbox.stats.requests == 1
    assert sandbox.stats.routes["GET /auth"] == 2


def test_latency_is_added_per_request() -> None:
    app = FaultInjector(TinySandbox().build_app(), SandboxOptions(latency=0.05))
    started = time.perf_counter()
    _get_all(app, ["/items/1", "/items/2"])
    assert time.perf_counter() - started >= 0.1


def test_clock_starts_at_options_now_and_advances() -> None:
    start = datetime(2024, 5, 1, 12, tzinfo=UTC)
    sandbox = TinySandbox(SandboxOptions(now=start))
    assert sandbox.epoch == start
    first = sandbox.now()
    time.sleep(0.01)
    assert start <= first < sandbox.now() < start + timedelta(seconds=5)


def test_serve_runs_on_loopback_and_stops() -> None:
    sandbox = TinySandbox()
    with sandbox.serve() as base_url:
        assert base_url.startswith("http://127.0.0.1:")
        port = int(base_url.rsplit(":", 1)[1])
        response = httpx.get(f"{base_url}/items/7")
        assert response.json() == {"id": "7"}
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        pass


def test_responses_carry_the_sandbox_clock_as_their_only_date() -> None:
    sandbox = TinySandbox(SandboxOptions(now=datetime(2024, 5, 1, 12, tzinfo=UTC)))
    with serve(sandbox.app) as base_url:
        response = httpx.get(f"{base_url}/items/1")
    assert len(response.headers.get_list("date")) == 1
    assert response.headers["date"].startswith("Wed, 01 May 2024 12:00:")
    plain = TinySandbox().build_app()  # an app without a clock keeps uvicorn's own Date
    with serve(plain) as base_url:
        assert len(httpx.get(f"{base_url}/items/1").headers.get_list("date")) == 1


def test_serve_refuses_other_hosts() -> None:
    for host in ("0.0.0.0", "192.168.1.10", "example.com"):
        with pytest.raises(ValueError, match="loopback"), serve(TinySandbox().app, host=host):
            pass
    assert require_loopback("localhost") == "127.0.0.1"
    assert require_loopback("::1") == "::1"


def test_webhooks_go_to_loopback_or_a_transport_only() -> None:
    sandbox = TinySandbox()
    with pytest.raises(ValueError, match="loopback"):
        asyncio.run(sandbox.deliver_webhook("https://hooks.example.com/x", "t", "1"))
    receiver = TinySandbox()
    sandbox.webhook_transport = httpx.ASGITransport(app=receiver.app)
    status = asyncio.run(sandbox.deliver_webhook("https://hub.invalid/hook", "t", "42"))
    assert status == 202
    assert receiver.received == [b"42"]


class _OddSettingsSandbox(TinySandbox):
    """Settings with characters a shell would split or expand."""

    def account_settings(self, base_url: str) -> dict[str, str]:
        return {"base_url": base_url, "api_key": "ck $HOME 'quoted' & more;"}


def test_sandbox_run_prints_a_shell_quoted_connect_line(monkeypatch: pytest.MonkeyPatch) -> None:
    import shlex

    from click.testing import CliRunner

    import hub.core.plugins
    import hub.sandbox
    from hub.cli.sandbox import sandbox as sandbox_group

    class Host:
        def create_sandbox(self, platform: str, options: SandboxOptions) -> Sandbox:
            return _OddSettingsSandbox(options)

    served: list[int] = []
    monkeypatch.setattr(hub.core.plugins, "get_host", lambda: Host())
    monkeypatch.setattr(hub.sandbox, "run", lambda app, host, port: served.append(port))
    result = CliRunner().invoke(sandbox_group, ["run", "tiny", "--port", "8811"])
    assert result.exit_code == 0, result.output
    line = next(x for x in result.stderr.splitlines() if "hub accounts add" in x)
    words = shlex.split(line)
    assert words[:6] == ["hub", "accounts", "add", "tiny", "--name", "sandbox"]
    assert words[6:] == ["--set", "base_url=http://127.0.0.1:8811",
                         "--set", "api_key=ck $HOME 'quoted' & more;"]
    assert served == [8811]
