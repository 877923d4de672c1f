"""The HTTP client plugins send every request through.

Per attempt it waits for the account's rate limiter, attaches the current
access token, sends, lets the plugin look at the response, and resolves it:
return it, refresh the token once, wait and retry, or raise a hub error whose
message is one redacted line.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import functools
import logging
import ssl
import time
from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, TypeVar

import httpx

from hub.core.http import faults
from hub.core.http.ratelimit import RateLimiter
from hub.core.http.redact import redact, redact_url, register_secret, sensitive_header
from hub.core.http.retry import BUDGET_SETTING, RetryPolicy, parse_retry_after
from hub.core.http.tokens import TokenRefresher
from hub.errors import Action, AuthError, PlatformError, RateLimited, TransientError

log = logging.getLogger("hub.http")

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
_SNIPPET = 200
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
_T = TypeVar("_T")


@dataclass
class Resolution:
    """What to do with a response, as a plugin's classifier decides it."""

    action: Action
    retry_after: float | None = None
    message: str | None = None


Classifier = Callable[[httpx.Response], Resolution | None]
"""Plugin rule run on every response; ``None`` falls back to the status-code defaults."""


@functools.cache
def tls_context() -> ssl.SSLContext:
    """One TLS context (CA bundle loaded once) shared by every account's client.

    Building one per client costs ~20 ms of CPU and ~1 MB: with a thousand
    accounts under one daemon that was a gigabyte. ``SSL_CERT_FILE`` and
    ``SSL_CERT_DIR`` are honoured, as httpx does.
    """
    return httpx.create_ssl_context()


@dataclass
class ClientStats:
    """Counters of one client: attempts sent, backoff retries, 429s, 401s answered by a refresh."""

    requests: int = 0
    retries: int = 0
    rate_limited: int = 0
    refreshes: int = 0


class HttpClient:
    """One ``httpx.AsyncClient`` with the hub's rate limiting, retries, token refresh and redaction.

    Defaults: 2xx/3xx (and ``expect``) return; 401 refreshes the token once
    when a ``refresher`` is set, else 401/403 raise :class:`hub.AuthError`;
    429 pauses the shared limiter and retries after ``Retry-After``; 5xx and
    transport errors retry with backoff for idempotent requests only (failures
    to connect, where nothing was sent, for any request); any other 4xx raises
    :class:`hub.PlatformError`. A ``classify`` rule, run first, overrides these.
    Retries go on while they fit in the policy's time budget
    (:attr:`RetryPolicy.budget`); each one is counted for the current run
    (:mod:`hub.core.http.faults`). Every error message and log line is
    redacted; credential headers and tokens are registered as secrets.
    ``sleep`` and ``clock`` (monotonic seconds) are injectable for tests.
    """

    def __init__(self, base_url: str, *, name: str, auth: httpx.Auth | None = None,
                 headers: Mapping[str, str] | None = None, limiter: RateLimiter | None = None,
                 retry: RetryPolicy = RetryPolicy(), timeout: float = 30.0,
                 classify: Classifier | None = None,
                 on_response: Callable[[httpx.Response], None] | None = None,
                 transport: httpx.AsyncBaseTransport | None = None,
                 refresher: TokenRefresher | None = None, token_header: str = "Authorization",
                 token_scheme: str | None = "Bearer", reauthorize_hint: str | None = None,
                 sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.name = name
        self.limiter = limiter
        self.retry = retry
        self.classify = classify
        self.on_response = on_response
        self.refresher = refresher
        self.token_header = token_header
        self.token_scheme = token_scheme
        self.reauthorize_hint = reauthorize_hint
        self.stats = ClientStats()
        self._sleep = sleep
        self._clock = clock
        _register_headers(headers or {})
        # its own pool unless one is lent (a test's or a benchmark's, shared: never released here)
        self._own = httpx.AsyncHTTPTransport(verify=tls_context()) if transport is None else None
        self._http = httpx.AsyncClient(base_url=base_url, auth=auth, headers=headers,
                                       timeout=timeout, transport=transport or self._own,
                                       verify=tls_context())  # what a proxy's mount (from the env) uses

    async def request(self, method: str, url: str, *, params: Any = None, json: Any = None,
                      content: bytes | str | None = None, data: Mapping[str, Any] | None = None,
                      headers: Mapping[str, str] | None = None, cost: float = 1.0,
                      idempotent: bool | None = None,
                      expect: Collection[int] | None = None) -> httpx.Response:
        """Send a request, retrying as the response warrants; return the final response.

        :param cost: tokens taken from the rate limiter per attempt.
        :param idempotent: whether 5xx and transport errors may be retried
            (default: GET, HEAD, PUT, DELETE and OPTIONS are).
        :param expect: statuses returned as answers in addition to 2xx/3xx (e.g. ``{404}``).
        :raises hub.errors.HubError: AuthError, RateLimited, TransientError or PlatformError.
        """
        method = method.upper()
        retryable = method in IDEMPOTENT_METHODS if idempotent is None else idempotent
        extra = dict(headers or {})
        _register_headers(extra)
        attempt, refreshed = 0, False
        budget = _Budget(self.retry.budget, self._clock)
        while True:
            if self.limiter is not None:
                await self.limiter.acquire(cost)
            token = await self._attach_token(extra)
            request = self._http.build_request(method, url, params=params, json=json,
                                               content=content, data=data, headers=extra)
            self.stats.requests += 1
            try:
                response = await self._http.send(request)
            except httpx.TransportError as exc:
                # Nothing reached the server when connecting failed: safe to retry any method.
                safe = retryable or isinstance(exc, _NOT_SENT)
                failure = f"failed: {type(exc).__name__}" + (f": {exc}" if str(exc) else "")
                delay = self.retry.delay(attempt)
                why = self._give_up(safe, attempt, delay, budget)
                if why:
                    raise TransientError(self._line(request, failure, why)) from exc
                await self._backoff(request, failure, attempt, delay, budget)
                faults.record(faults.RETRIED_NETWORK)
                attempt += 1
                continue
            _register_headers(response.request.headers)  # includes what ``auth`` added
            if self.on_response is not None:
                self.on_response(response)
            resolution = self._resolve(response, expect)
            action = resolution.action
            if action is Action.IGNORE:
                return response
            if action is Action.REAUTHORIZE:
                if (self.refresher is not None and token is not None and not refreshed
                        and response.status_code != 403):
                    refreshed = True
                    self.stats.refreshes += 1
                    await self._auth(self.refresher.refresh(token))
                    continue
                raise AuthError(self._answer(response, resolution), hint=self.reauthorize_hint)
            if action is Action.FAIL:
                raise PlatformError(self._answer(response, resolution),
                                    status=response.status_code)
            # Action.RATE_LIMITED or Action.RETRY
            retry_after = resolution.retry_after
            if retry_after is None:
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
            delay = self.retry.delay(attempt, retry_after)
            rate_limited = action is Action.RATE_LIMITED
            if rate_limited:
                self.stats.rate_limited += 1
                if self.limiter is not None:  # every request of the account waits, not just this
                    self.limiter.pause(retry_after if retry_after is not None else delay)
            why = self._give_up(retryable or rate_limited, attempt, delay, budget)
            if why and rate_limited:
                raise RateLimited(self._answer(response, resolution, why),
                                  retry_after=retry_after if retry_after is not None else delay)
            if why:
                raise TransientError(self._answer(response, resolution, why))
            await self._backoff(request, f"answered {response.status_code}", attempt, delay,
                                budget)
            faults.record(faults.RETRIED_429 if rate_limited else faults.RETRIED_5XX)
            attempt += 1

    async def get(self, url: str, **kwargs: Any) -> httpx.Response:
        """``request("GET", url, ...)``."""
        return await self.request("GET", url, **kwargs)

    async def post(self, url: str, **kwargs: Any) -> httpx.Response:
        """``request("POST", url, ...)``; not retried on 5xx unless ``idempotent=True``."""
        return await self.request("POST", url, **kwargs)

    async def put(self, url: str, **kwargs: Any) -> httpx.Response:
        """``request("PUT", url, ...)``."""
        return await self.request("PUT", url, **kwargs)

    async def patch(self, url: str, **kwargs: Any) -> httpx.Response:
        """``request("PATCH", url, ...)``; not retried on 5xx unless ``idempotent=True``."""
        return await self.request("PATCH", url, **kwargs)

    async def delete(self, url: str, **kwargs: Any) -> httpx.Response:
        """``request("DELETE", url, ...)``."""
        return await self.request("DELETE", url, **kwargs)

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def release(self) -> int:
        """Close the pool's idle connections (their sockets), keeping the client usable; how many.

        The next request opens a new connection. A process running jobs for many
        accounts keeps each account's client between its jobs (building one again
        each job cost ~5 % of a worker's CPU) but not a socket per account it ever
        ran: the platform closes an idle one soon, and it would sit in ``CLOSE_WAIT``,
        a file descriptor, until this client sent again. Connections in use are left
        alone. (httpcore drops closed connections from its pool on the next request.)
        """
        pool = getattr(self._own, "_pool", None)  # httpx keeps httpcore's pool there
        closed = 0
        for connection in list(getattr(pool, "connections", ())):
            if connection.is_idle():
                await connection.aclose()
                closed += 1
        return closed

    async def __aenter__(self) -> HttpClient:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        await self.aclose()

    # --- internals ----------------------------------------------------------------
    def _resolve(self, response: httpx.Response, expect: Collection[int] | None) -> Resolution:
        if self.classify is not None and (resolution := self.classify(response)) is not None:
            return resolution
        status = response.status_code
        if status < 400 or (expect is not None and status in expect):
            return Resolution(Action.IGNORE)
        if status == 429:
            return Resolution(Action.RATE_LIMITED)
        if status in (401, 403):
            return Resolution(Action.REAUTHORIZE)
        if status >= 500:
            return Resolution(Action.RETRY)
        return Resolution(Action.FAIL)

    async def _attach_token(self, headers: dict[str, str]) -> str | None:
        if self.refresher is None:
            return None
        token = str((await self._auth(self.refresher.current()))["access_token"])
        register_secret(token)
        headers[self.token_header] = f"{self.token_scheme} {token}" if self.token_scheme else token
        return token

    async def _auth(self, call: Awaitable[_T]) -> _T:
        """Await a refresher call, giving its AuthError this client's hint."""
        try:
            return await call
        except AuthError as err:
            if not err.message.startswith(self.name):
                err.message = redact(f"{self.name}: {err.message}")
            err.hint = err.hint or self.reauthorize_hint
            raise

    async def _backoff(self, request: httpx.Request, reason: str, attempt: int,
                       delay: float, budget: _Budget) -> None:
        self.stats.retries += 1
        log.info("%s: %s %s %s; retrying in %.1fs (attempt %d, %.0fs of the %.0fs retry "
                 "budget left)", self.name, request.method, redact_url(request.url),
                 redact(reason), delay, attempt + 2, budget.left(), budget.seconds)
        await self._sleep(delay)
        budget.waited += delay

    def _give_up(self, retryable: bool, attempt: int, delay: float,
                 budget: _Budget) -> str | None:
        """Why not to retry after failed ``attempt`` (0-based) and a wait of ``delay``, or None."""
        if not retryable:
            return "not retried: the request may have been applied"
        attempts = f"{attempt + 1} attempt{'s' if attempt else ''}"
        if self.retry.max_attempts is not None and attempt + 1 >= self.retry.max_attempts:
            return f"gave up after {attempts}"
        if delay > budget.left():
            return (f"gave up after {attempts} in {budget.spent():.0f}s: waiting {delay:.0f}s "
                    f"more would pass the retry budget of {budget.seconds:.0f}s; "
                    f"raise the account setting {BUDGET_SETTING} to wait longer")
        return None

    def _line(self, request: httpx.Request, what: str, why: str | None = None) -> str:
        target = request.url.raw_path.decode("ascii", "replace")
        line = f"{self.name}: {request.method} {target} {what}"
        return redact(f"{line} ({why})" if why else line)

    def _answer(self, response: httpx.Response, resolution: Resolution,
                why: str | None = None) -> str:
        detail = response.text[:65536] if resolution.message is None else resolution.message
        # One line; redacted before cutting, so no secret is cut into an unrecognisable part.
        detail = " ".join(redact(detail).split())[:_SNIPPET]
        what = f"answered {response.status_code}" + (f": {detail}" if detail else "")
        return self._line(response.request, what, why)


class _Budget:
    """The time one request may still spend retrying: its policy's budget minus time spent.

    Time spent is the clock's since the first attempt, or the waits the client
    slept if more (an injected sleep that returns at once still uses the budget).
    """

    def __init__(self, seconds: float, clock: Callable[[], float]) -> None:
        self.seconds = seconds
        self.waited = 0.0
        self._clock = clock
        self._start = clock()

    def spent(self) -> float:
        return max(self._clock() - self._start, self.waited)

    def left(self) -> float:
        return self.seconds - self.spent()


def _register_headers(headers: Mapping[str, str]) -> None:
    """Register credential header values as secrets: whole, after the scheme, Basic's password."""
    for name, value in headers.items():
        if not sensitive_header(name):
            continue
        scheme, _, credential = value.partition(" ")
        register_secret(value)
        register_secret(credential)
        if scheme.lower() == "basic":
            with contextlib.suppress(ValueError):
                register_secret(base64.b64decode(credential).decode().partition(":")[2])
