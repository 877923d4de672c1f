"""The toolkit every platform plugin's sandbox (its local fake API) is built from.

A plugin's ``create_sandbox`` hook returns a :class:`Sandbox` subclass: an
ASGI app that behaves like the platform's API, plus what tests and ``hub demo``
need to drive it (the account settings that reach it, signed webhook delivery,
the orders a correct import must end up with). This module holds the parts
that are the same for every platform:

* :class:`SandboxOptions`: seed, size and fault knobs;
* :class:`FaultInjector`: ASGI middleware adding latency, bursts of 429 and
  periodic 503 answers, with the platform's own error body;
* :class:`Sandbox`: the base class wiring the two together and counting requests;
* :func:`serve` / :func:`run`: serve an app on the loopback interface only;
* :mod:`hub.sandbox.rate`: :class:`TokenBucket` and each platform's rate-limit headers;
* :mod:`hub.sandbox.tokens`: :class:`TokenIssuer` (expiry, single-use refresh, revoke);
* :mod:`hub.sandbox.requests`: :class:`Refused`, :func:`int_param`, :func:`read_form`;
* :mod:`hub.sandbox.listing`: page/offset/cursor/scroll slices and the :class:`Drift` hook;
* :mod:`hub.sandbox.records`: :class:`Records`, records that know when they changed, so a
  listing's pages are cached rather than filtered and sorted again for every request.

Example::

    sandbox = plugin.create_sandbox(SandboxOptions(seed=7, burst_429=2))
    with serve(sandbox.app) as base_url:
        settings = sandbox.account_settings(base_url)
        ...
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import ipaddress
import json
import socket
import threading
import time
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import cached_property
from typing import Any
from urllib.parse import urlsplit

import httpx
import uvicorn
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.sandbox.listing import Drift, Scroll, cursor_slice, offset_slice, page_count, page_slice
from hub.sandbox.rate import (
    HeaderRenderer,
    TokenBucket,
    no_rate_headers,
    ratelimit_headers,
    refusal_headers,
    retry_after,
    throttle_status,
)
from hub.sandbox.records import Record, Records
from hub.sandbox.requests import (
    IntProblem,
    Refused,
    TimeProblem,
    int_param,
    is_form,
    parse_form,
    read_form,
    read_json,
    refusing,
    time_param,
)
from hub.sandbox.tokens import AuthCode, CodeProblem, Grant, TokenIssuer

__all__ = [
    "AuthCode",
    "CodeProblem",
    "Drift",
    "FaultInjector",
    "Grant",
    "HeaderRenderer",
    "IntProblem",
    "Record",
    "Records",
    "Refused",
    "Sandbox",
    "SandboxOptions",
    "SandboxStats",
    "Scroll",
    "TimeProblem",
    "TokenBucket",
    "TokenIssuer",
    "cursor_slice",
    "int_param",
    "is_form",
    "no_rate_headers",
    "offset_slice",
    "page_count",
    "page_slice",
    "parse_form",
    "ratelimit_headers",
    "read_form",
    "read_json",
    "refusal_headers",
    "refusing",
    "require_loopback",
    "retry_after",
    "run",
    "serve",
    "throttle_status",
    "time_param",
]

FaultBody = Callable[[int], Mapping[str, Any]]
"""Builds the JSON body a platform answers with for an injected status (429 or 503)."""


@dataclass
class SandboxOptions:
    """Seed, size and fault knobs of a sandbox.

    :param seed: seeds the generated data; one seed always gives the same store.
    :param orders: about how many orders to generate.
    :param latency: seconds added to every request.
    :param burst_429: answer this many consecutive requests with 429 and
        ``Retry-After``, starting with request number ``burst_at`` (1-based).
    :param burst_at: the request number the 429 burst starts at.
    :param retry_after: seconds sent in ``Retry-After`` during the burst.
    :param error_5xx_every: every N-th request answers 503 (0: never).
    :param drift_page: after serving this page of an order listing, the
        platform's data changes before the next page is asked for (the plugin's
        sandbox decides how, e.g. it modifies an order already served and adds
        a new one).
    :param token_ttl: seconds an access token lives, for platforms with tokens.
    :param enforce_rate_limit: apply the platform's own rate limit where it has one.
    :param webhook_secret: the secret the sandbox signs webhooks with.
    :param now: the sandbox's "current time" when it was created (default: now,
        UTC); it then advances with the wall clock, so data generated relative
        to it is reproducible while changes still get later timestamps.
    :param currency: the store's currency (``None``: the platform's usual one);
        ``hub demo`` passes the hub's, so the demo's orders are importable.
    """

    seed: int = 1
    orders: int = 120
    latency: float = 0.0
    burst_429: int = 0
    burst_at: int = 3
    retry_after: float = 1.0
    error_5xx_every: int = 0
    drift_page: int | None = None
    token_ttl: float | None = None
    enforce_rate_limit: bool = True
    webhook_secret: str = "sandbox-webhook-secret"
    now: datetime | None = None
    currency: str | None = None

    def __post_init__(self) -> None:
        if self.now is not None and self.now.tzinfo is None:
            raise ValueError("SandboxOptions.now must be timezone-aware")
        for name in ("orders", "burst_429", "error_5xx_every"):
            if getattr(self, name) < 0:
                raise ValueError(f"SandboxOptions.{name} must not be negative")
        if self.latency < 0 or self.retry_after < 0:
            raise ValueError("SandboxOptions.latency and retry_after must not be negative")
        if self.burst_at < 1:
            raise ValueError("SandboxOptions.burst_at is a 1-based request number")


@dataclass
class SandboxStats:
    """What a sandbox served.

    ``requests`` counts the requests the fault injector numbered (routes the
    sandbox exempts are not numbered); ``routes`` counts requests that reached
    the app, by ``"METHOD /route/{template}"``.
    """

    requests: int = 0
    rejected_429: int = 0
    errors_5xx: int = 0
    routes: Counter[str] = field(default_factory=Counter)

    def reset(self) -> None:
        """Forget every count (the fault schedule starts again from request 1)."""
        self.requests = self.rejected_429 = self.errors_5xx = 0
        self.routes.clear()


def _default_fault_body(status: int) -> Mapping[str, Any]:
    return {"error": {"status": status, "message": "injected by the sandbox"}}


def _seconds(value: float) -> str:
    """``Retry-After`` value: whole seconds when whole, else the fraction (tests use short waits)."""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


class FaultInjector:
    """ASGI middleware that injects the faults :class:`SandboxOptions` asks for.

    Every HTTP request whose path does not start with one of ``exempt`` is
    numbered from 1. Each numbered request waits ``latency`` seconds; numbers
    ``burst_at`` to ``burst_at + burst_429 - 1`` answer 429 with
    ``Retry-After``; every ``error_5xx_every``-th answers 503. Other requests
    reach ``app``. Injected answers carry ``body(status)`` as JSON, so a plugin
    meets the platform's own error shape.

    With a ``clock``, every response gets a ``Date`` header from it (the
    sandbox's time, which may differ from the machine's), and :func:`serve`
    leaves uvicorn's own ``Date`` out.
    """

    def __init__(self, app: ASGIApp, options: SandboxOptions, stats: SandboxStats | None = None,
                 *, body: FaultBody = _default_fault_body, exempt: tuple[str, ...] = (),
                 clock: Callable[[], datetime] | None = None) -> None:
        self.app = app
        self.options = options
        self.stats = stats if stats is not None else SandboxStats()
        self.body = body
        self.exempt = exempt
        self.clock = clock

    @property
    def sets_date_header(self) -> bool:
        """Whether responses carry this middleware's ``Date`` (read by :func:`serve`)."""
        return self.clock is not None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        send = self._dated(send)
        if not self._exempt(scope["path"]):
            status = self._fault_for(self._number())
            if self.options.latency:
                await asyncio.sleep(self.options.latency)
            if status is not None:
                await self._reject(status, send)
                return
        await self.app(scope, receive, send)
        route = scope.get("route")
        template = getattr(route, "path", None) or scope["path"]
        self.stats.routes[f"{scope['method']} {template}"] += 1

    def _dated(self, send: Send) -> Send:
        clock = self.clock
        if clock is None:
            return send

        async def dated(message: Message) -> None:
            if message["type"] == "http.response.start":
                stamp = email.utils.format_datetime(clock().astimezone(UTC), usegmt=True)
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"date"]
                message = {**message, "headers": [*headers, (b"date", stamp.encode())]}
            await send(message)

        return dated

    def _exempt(self, path: str) -> bool:
        return bool(self.exempt) and path.startswith(self.exempt)

    def _number(self) -> int:
        self.stats.requests += 1
        return self.stats.requests

    def _fault_for(self, number: int) -> int | None:
        opts = self.options
        if opts.burst_429 and opts.burst_at <= number < opts.burst_at + opts.burst_429:
            self.stats.rejected_429 += 1
            return 429
        if opts.error_5xx_every and number % opts.error_5xx_every == 0:
            self.stats.errors_5xx += 1
            return 503
        return None

    async def _reject(self, status: int, send: Send) -> None:
        payload = json.dumps(dict(self.body(status))).encode()
        headers = [(b"content-type", b"application/json; charset=UTF-8"),
                   (b"content-length", str(len(payload)).encode())]
        if status == 429:
            headers.append((b"retry-after", _seconds(self.options.retry_after).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})


class Sandbox(ABC):
    """Base of every platform sandbox.

    A subclass sets :attr:`platform`, builds its routes in :meth:`build_app`
    and implements the three abstract methods. :attr:`app` is the routes
    wrapped in a :class:`FaultInjector`; :attr:`stats` counts what it served.

    :param options: seed, size and fault knobs (defaults when omitted).
    """

    platform: str = ""
    exempt_paths: tuple[str, ...] = ()
    """Path prefixes the fault injector leaves alone (e.g. a browser authorization page)."""

    def __init__(self, options: SandboxOptions | None = None) -> None:
        self.options = options or SandboxOptions()
        self.stats = SandboxStats()
        self.webhook_transport: httpx.AsyncBaseTransport | None = None
        """Deliver webhooks through this transport (e.g. ``httpx.ASGITransport`` of an
        in-process hub) instead of the network; the network is loopback-only."""
        self._epoch = self.options.now or datetime.now(UTC)
        self._started = time.monotonic()

    @cached_property
    def app(self) -> ASGIApp:
        """The ASGI app to serve: :meth:`build_app` behind a :class:`FaultInjector`."""
        return FaultInjector(self.build_app(), self.options, self.stats, body=self.fault_body,
                             exempt=self.exempt_paths, clock=self.now)

    def now(self) -> datetime:
        """The sandbox's current time: ``options.now`` advanced by the time since creation."""
        return self._epoch + timedelta(seconds=time.monotonic() - self._started)

    @property
    def epoch(self) -> datetime:
        """The sandbox's time at creation, which generated data is relative to."""
        return self._epoch

    def fault_body(self, status: int) -> Mapping[str, Any]:
        """The JSON body of an injected 429/503; override with the platform's error shape."""
        return _default_fault_body(status)

    @abstractmethod
    def build_app(self) -> ASGIApp:
        """Build the platform's routes (called once, on first access to :attr:`app`)."""

    @abstractmethod
    def account_settings(self, base_url: str) -> dict[str, str]:
        """The settings a hub account needs to talk to this sandbox served at ``base_url``."""

    @abstractmethod
    async def deliver_webhook(self, url: str, topic: str, resource_id: str) -> int:
        """POST a webhook about ``resource_id`` to ``url``, signed as the platform signs.

        :return: the HTTP status the receiver answered.
        """

    @abstractmethod
    def eligible_order_ids(self) -> set[str]:
        """The platform ids of the generated orders a correct first import must end up with."""

    # --- read-back, for the conformance kit (hub.testing.kit) ----------------------
    order_topic: str = "order.updated"
    """The webhook topic :meth:`deliver_webhook` uses for an order change (``hub demo``)."""

    catalogue_category: str | None = None
    """A category id the sandbox accepts for a published product (``hub demo`` maps its demo
    category to it; ``None``: the platform needs no category)."""

    def shippable_order_ids(self) -> set[str]:
        """Eligible orders whose tracking the seller may set (``hub demo`` ships one of them);
        override where the platform manages some shipments itself."""
        return self.eligible_order_ids()

    def read_stock(self, platform_product_id: str, platform_variant_id: str | None) -> int | None:
        """The listing's available quantity as the platform holds it now (override)."""
        return None

    def read_price(self, platform_product_id: str, platform_variant_id: str | None
                   ) -> tuple[Decimal | None, Decimal | None]:
        """The listing's (regular, promotional) price as the platform holds it now (override)."""
        return None, None

    def read_tracking(self, platform_order_id: str) -> str | None:
        """The tracking number the platform shows on the order (override)."""
        return None

    async def post(self, url: str, *, content: bytes, headers: Mapping[str, str]) -> int:
        """POST ``content`` to ``url`` and return the status (for :meth:`deliver_webhook`).

        Goes through :attr:`webhook_transport` when one is set; otherwise ``url``
        must be a loopback address: a sandbox never sends anything off the machine.
        """
        if self.webhook_transport is None:
            require_loopback(urlsplit(url).hostname or "")
        async with httpx.AsyncClient(transport=self.webhook_transport, timeout=30.0) as client:
            response = await client.post(url, content=content, headers=dict(headers))
        return response.status_code

    def serve(self, port: int = 0) -> contextlib.AbstractContextManager[str]:
        """Serve :attr:`app` on 127.0.0.1 (see :func:`serve`)."""
        return serve(self.app, port=port)

    def expected_order(self, platform_order_id: str) -> Any:
        """What ``parse_order`` must make of this generated order, for the conformance kit.

        Returns a ``hub.Order`` or a mapping of canonical fields (``status``, ``number``,
        ``currency``, ``email``, ``phone``, ``first_name``, ``last_name``, ``total``,
        ``subtotal``, ``shipping_total``, ``discount_total``, ``tax_total`` as Decimal
        amounts, and ``lines``: mappings of ``sku``, ``quantity``, ``unit_price``), computed
        from the sandbox's own data, never through the plugin's mapping; only the fields
        given are compared. ``None``: not provided for this order.

        The default looks for a function ``expected_order(sandbox, platform_order_id)`` in a
        module ``expected`` next to the sandbox's module (``hub_acme/expected.py`` for
        ``hub_acme/sandbox.py``, ``hub_acme/sandbox/expected.py`` inside a sandbox package)
        and returns None ("not provided") when there is none.
        """
        import importlib

        package = type(self).__module__.rpartition(".")[0]
        try:
            module = importlib.import_module(f"{package}.expected" if package else "expected")
        except ModuleNotFoundError as exc:
            if exc.name and not f"{package}.expected".startswith(exc.name):
                raise  # the module exists but one of its own imports is missing
            return None
        provide = getattr(module, "expected_order", None)
        return provide(self, platform_order_id) if provide is not None else None


# --- serving -----------------------------------------------------------------------

def require_loopback(host: str) -> str:
    """Return the IP literal to bind/contact for ``host``; raise ValueError unless it is loopback."""
    if host == "localhost":
        return "127.0.0.1"
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        raise ValueError(f"sandboxes only use loopback addresses, got {host!r}") from None
    if not address.is_loopback:
        raise ValueError(f"sandboxes only use loopback addresses, got {host!r}")
    return str(address)


def _url(ip: str, port: int) -> str:
    return f"http://[{ip}]:{port}" if ":" in ip else f"http://{ip}:{port}"


@contextlib.contextmanager
def serve(app: ASGIApp, host: str = "127.0.0.1", port: int = 0, *,
          startup_timeout: float = 10.0) -> Iterator[str]:
    """Run ``app`` with uvicorn in a background thread; yield its base URL.

    Only loopback hosts are accepted (``ValueError`` otherwise). ``port=0``
    picks a free port. The server stops, and the thread is joined, when the
    ``with`` block ends. Logging configuration is left alone. uvicorn's ``Date``
    header is left out when the app sets its own (a :class:`FaultInjector` with a clock).

    :return: a context manager yielding ``http://127.0.0.1:PORT``.
    """
    ip = require_loopback(host)
    sock = socket.socket(socket.AF_INET6 if ":" in ip else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((ip, port))
        bound_port = sock.getsockname()[1]
        config = uvicorn.Config(app, lifespan="off", log_config=None, log_level="warning",
                                access_log=False, timeout_graceful_shutdown=2,
                                date_header=not getattr(app, "sets_date_header", False))
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]},
                                  name=f"sandbox-{bound_port}", daemon=True)
        thread.start()
        deadline = time.monotonic() + startup_timeout
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError(f"the sandbox server on port {bound_port} failed to start")
            if time.monotonic() > deadline:
                server.should_exit = True
                thread.join(startup_timeout)
                raise RuntimeError(f"the sandbox server on port {bound_port} did not start "
                                   f"within {startup_timeout:.0f}s")
            time.sleep(0.005)
        try:
            yield _url(ip, bound_port)
        finally:
            server.should_exit = True
            thread.join(startup_timeout)
    finally:
        sock.close()


def run(app: ASGIApp, host: str = "127.0.0.1", port: int = 8800) -> None:
    """Serve ``app`` in the foreground until interrupted (``hub sandbox run``); loopback only."""
    uvicorn.run(app, host=require_loopback(host), port=port, log_level="info",
                date_header=not getattr(app, "sets_date_header", False))
