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


# --- the toolkit: rate, tokens, requests, listings ----------------------------------------

class FakeClock:
    """Seconds that move only when a test says so."""

    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def test_token_bucket_takes_refills_refunds_and_counts_refusals() -> None:
    from hub.sandbox import TokenBucket

    clock = FakeClock()
    bucket = TokenBucket(3, 2, clock=clock)
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]
    assert bucket.rejected == 1
    assert bucket.wait() == pytest.approx(0.5)
    clock.t += 0.5
    assert bucket.take() and not bucket.take()
    clock.t += 100
    assert bucket.refill() == 3  # never above capacity
    assert bucket.take(2.5) and bucket.level == pytest.approx(0.5)
    bucket.refund(10)
    assert bucket.level == 3
    lax = TokenBucket(1, 1, clock=clock, enforce=False)
    assert lax.take(5) and lax.level == 0 and lax.rejected == 0
    with pytest.raises(ValueError):
        TokenBucket(0, 1)


def test_header_renderers_speak_each_platform() -> None:
    from hub.sandbox import (
        TokenBucket,
        no_rate_headers,
        ratelimit_headers,
        refusal_headers,
        retry_after,
        throttle_status,
    )

    clock = FakeClock()
    vtex = TokenBucket(100, 6000 / 60, clock=clock)
    assert ratelimit_headers(vtex) == {"Ratelimit-Limit": "6000", "Ratelimit-Remaining": "100",
                                       "Ratelimit-Reset": "0"}
    tight = TokenBucket(1, 0.5, clock=clock)
    assert tight.take() and not tight.take()
    assert refusal_headers(tight, ratelimit_headers) == {
        "Retry-After": "2", "Ratelimit-Limit": "30", "Ratelimit-Remaining": "0", "Ratelimit-Reset": "2"}
    assert refusal_headers(tight, no_rate_headers) == {"Retry-After": "2"}
    assert retry_after(0.25) == "0.25" and retry_after(1.2) == "2"
    shop = TokenBucket(1000, 50, clock=clock)
    assert shop.take(400)
    assert throttle_status(shop) == {"maximumAvailable": 1000.0, "currentlyAvailable": 600.0,
                                     "restoreRate": 50.0}
    assert no_rate_headers(shop) == {}


def test_token_issuer_expires_refreshes_once_and_revokes() -> None:
    from hub.sandbox import TokenIssuer

    clock = FakeClock()
    issuer = TokenIssuer(ttl=60, clock=clock, prefix="APP_USR-")
    token, grant = issuer.issue("seller-1", "read write")
    assert token.startswith("APP_USR-") and grant.refresh_token
    assert issuer.check(token) == (grant, "")
    assert issuer.check("nope") == (None, "invalid")
    clock.t += 60
    assert issuer.check(token) == (None, "expired")
    renewed = issuer.refresh(grant.refresh_token or "")
    assert renewed is not None and issuer.check(renewed[0])[0] is renewed[1]
    assert renewed[1].scope == "read write"
    assert issuer.refresh(grant.refresh_token or "") is None  # single use
    assert (issuer.refreshes, issuer.rejected_refreshes) == (1, 1)
    forever, _ = issuer.issue("app", ttl=None, refreshable=False)
    issuer.ttl = None
    other, _ = issuer.issue("app", refreshable=False)
    issuer.expire_all()
    assert issuer.check(renewed[0])[1] == "expired" and issuer.check(other)[0] is not None
    assert issuer.revoke("seller-1") == 2
    assert issuer.check(renewed[0]) == (None, "invalid")
    assert renewed[1].refresh_token is not None and issuer.refresh(renewed[1].refresh_token) is None
    assert issuer.check(forever)[0] is None  # ttl=None on issue means "the issuer's ttl" (was 60)


def test_int_param_and_refusals() -> None:
    from hub.sandbox import IntProblem, Refused, int_param

    seen: list[tuple[str, str, IntProblem]] = []

    def refuse(name: str, value: str, problem: IntProblem) -> Refused:
        seen.append((name, value, problem))
        return Refused(JSONResponse({"bad": name}, status_code=400))

    assert int_param(None, "page", 1, 1, 10, refuse) == 1
    assert int_param("", "page", 1, 1, 10, refuse) == 1
    assert int_param("7", "page", 1, 1, None, refuse) == 7
    for raw in ("x", "0", "11"):
        with pytest.raises(Refused):
            int_param(raw, "page", 1, 1, 10, refuse)
    assert [p for _, _, p in seen] == [IntProblem.NOT_INTEGER, IntProblem.TOO_LOW, IntProblem.TOO_HIGH]
    plain = Refused(message="page must be a number").answer()
    assert (plain.status_code, plain.body) == (400, b"page must be a number")
    assert Refused(message="gone", status=404).answer().status_code == 404


def test_time_param_reads_iso_times_in_utc_and_refuses_through_the_platform() -> None:
    from zoneinfo import ZoneInfo

    from hub.sandbox import Refused, TimeProblem, time_param

    seen: list[TimeProblem] = []

    def refuse(name: str, value: str, problem: TimeProblem) -> Refused:
        seen.append(problem)
        return Refused(message=f"{name}: {value}")

    assert time_param("2026-01-02T03:04:05Z", "after", refuse) == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert time_param("2026-01-02T03:04:05", "after", refuse,
                      naive=ZoneInfo("America/Sao_Paulo")) == datetime(2026, 1, 2, 6, 4, 5, tzinfo=UTC)
    for raw, naive in (("yesterday", UTC), ("2026-01-02T03:04:05", None)):
        with pytest.raises(Refused):
            time_param(raw, "after", refuse, naive=naive)
    assert seen == [TimeProblem.NOT_A_TIME, TimeProblem.NO_ZONE]


def test_read_json_refuses_what_is_not_json() -> None:
    from hub.sandbox import Refused, read_json, refusing

    async def echo(request: Request) -> JSONResponse:
        body = await read_json(request, lambda: Refused(JSONResponse({"bad": "json"}, status_code=400)),
                               empty_ok=request.url.path == "/lenient")
        return JSONResponse({"got": body})

    app = Starlette(routes=[Route(p, refusing(echo), methods=["POST"]) for p in ("/strict", "/lenient")])

    async def go() -> list[httpx.Response]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://s") as c:
            return [await c.post("/strict", content=b'{"a": 1}'), await c.post("/strict", content=b"{"),
                    await c.post("/strict", content=b""), await c.post("/lenient", content=b"")]

    answers = asyncio.run(go())
    assert [a.status_code for a in answers] == [200, 400, 400, 200]
    assert answers[0].json() == {"got": {"a": 1}} and answers[3].json() == {"got": None}


def test_refusing_and_read_form_need_no_multipart_package() -> None:
    from hub.sandbox import Refused, is_form, parse_form, read_form, refusing

    async def token(request: Request) -> JSONResponse:
        if not is_form(request):
            raise Refused(JSONResponse({"error": "form body needed"}, status_code=400))
        return JSONResponse(await read_form(request))

    app = Starlette(routes=[Route("/token", refusing(token), methods=["POST"])])

    async def go() -> list[httpx.Response]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://s") as c:
            return [await c.post("/token", data={"grant_type": "refresh_token", "refresh_token": "a b&c"}),
                    await c.post("/token", json={"grant_type": "x"})]

    form, refused = asyncio.run(go())
    assert form.json() == {"grant_type": "refresh_token", "refresh_token": "a b&c"}
    assert refused.status_code == 400 and refused.json() == {"error": "form body needed"}
    assert parse_form(b"a=1&a=2&b=&c=%E9") == {"a": "2", "c": "\ufffd"}


def test_listing_slices_and_the_drift_hook() -> None:
    from hub.sandbox import Drift, Scroll, cursor_slice, offset_slice, page_count, page_slice

    items = list(range(1, 8))
    assert page_slice(items, 1, 3) == [1, 2, 3] and page_slice(items, 3, 3) == [7]
    assert page_slice(items, 4, 3) == [] and page_count(7, 3) == 3 and page_count(0, 3) == 0
    assert offset_slice(items, 5, 10) == [6, 7]
    chunk, after = cursor_slice(items, str, None, 3)
    assert (chunk, after) == ([1, 2, 3], "3")
    chunk, after = cursor_slice(items, str, after, 4)
    assert (chunk, after) == ([4, 5, 6, 7], None)
    scroll = Scroll(list(items), 5)
    assert scroll.next() == [1, 2, 3, 4, 5] and scroll.next() == [6, 7] and scroll.next() == []
    changes: list[int] = []
    drift = Drift(2, lambda: changes.append(1))
    assert [drift.served(p) for p in (1, 2, 2, 3)] == [False, True, False, False]
    assert changes == [1] and drift.drifted
    empty = Drift(1)
    assert not empty.served(1, nonempty=False) and empty.served(1) and not Drift(None).served(1)


def test_token_issuer_prefixes_seeded_tokens_and_refresh_that_revokes() -> None:
    from hub.sandbox import TokenIssuer

    clock = FakeClock()
    issuer = TokenIssuer(ttl=10, clock=clock, prefix="shpua_", refresh_prefix="shprt_",
                         refresh_revokes=True)
    issuer.issue("app", "all", expiring=False, refreshable=False, token="shpat_seeded")
    old, grant = issuer.issue("app", "read_orders")
    assert old.startswith("shpua_") and (grant.refresh_token or "").startswith("shprt_")
    assert issuer.lifetime(grant) == 10
    renewed = issuer.refresh(grant.refresh_token or "")
    assert renewed is not None and issuer.check(old) == (None, "invalid")
    clock.t += 1000
    assert issuer.check("shpat_seeded")[0] is not None and issuer.lifetime(renewed[1]) == -990


def test_authorization_codes_are_single_use_short_lived_and_pkce_checked() -> None:
    from hub.auth import pkce_challenge
    from hub.sandbox import CodeProblem, TokenIssuer

    now = [0.0]
    issuer = TokenIssuer(clock=lambda: now[0], code_ttl=600)
    code = issuer.authorization_code("seller", "read", client_id="app", redirect_uri="https://h/cb",
                                     challenge=pkce_challenge("v" * 43))
    assert issuer.redeem(code, client_id="app", redirect_uri="https://x/cb",
                         verifier="v" * 43) == (None, CodeProblem.MISMATCH)
    assert issuer.redeem(code, client_id="app", redirect_uri="https://h/cb",
                         verifier="w" * 43) == (None, CodeProblem.VERIFIER)
    found, problem = issuer.redeem(code, client_id="app", redirect_uri="https://h/cb", verifier="v" * 43)
    assert problem is None and found is not None and (found.subject, found.scope) == ("seller", "read")
    assert issuer.redeem(code, client_id="app", redirect_uri="https://h/cb",
                         verifier="v" * 43) == (None, CodeProblem.INVALID)  # spent
    late = issuer.authorization_code("seller")
    now[0] = 601.0
    assert issuer.redeem(late) == (None, CodeProblem.INVALID)  # expired
    plain = issuer.authorization_code("seller", challenge="abc", method="plain")
    assert issuer.redeem(plain, verifier="abc")[1] is None
