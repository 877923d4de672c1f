"""The interactive side of ``hub accounts authorize``: sessions that catch the platform's redirect.

Two :class:`hub.AuthSession` implementations share :class:`CallbackSession`
(state, PKCE, handing a matching callback to the waiting plugin hook):

* :class:`LoopbackSession`, for the CLI: a one-shot listener on 127.0.0.1. The
  user opens the platform's authorization URL, the platform redirects (or, for
  WooCommerce, posts the keys) to ``http://127.0.0.1:PORT/callback``, and the
  listener hands the parameters back once ``state`` matches. A callback with a
  wrong ``state`` is answered 400 and ignored, so a forged redirect cannot
  complete the flow.
* :class:`DaemonAuthSession`, for a daemon behind a public URL: the redirect
  comes to the daemon's ``/oauth/{platform}/callback`` route, which finds the
  waiting session by ``state`` in a :class:`CallbackRegistry`. Each state is
  good for one callback within ten minutes; a reused, unknown or expired state
  is answered 400.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qsl, urlsplit

import click

from hub.auth import Callback, new_pkce_verifier, new_state, pkce_challenge
from hub.core.http.redact import redact
from hub.errors import AuthError, ConfigError

Opener = Callable[[str], Awaitable[None] | None]
DAEMON_TIMEOUT = 600.0  # seconds a daemon authorization waits for its callback


def browser_return(callback: Callback) -> bool:
    """A browser coming back after a platform already posted the result server-side
    (WooCommerce redirects to ``return_url?success=1&user_id=..`` after posting its keys):
    nothing to complete, and no error to show."""
    return not callback.body and "success" in callback.params and "state" not in callback.params \
        and "code" not in callback.params


RETURN_PAGE = (200, "hub received the authorization. You can close this window.")
#: what ``deliver`` answers for a good callback: the caller replaces it with the outcome page
#: once the token exchange finished (:func:`outcome_page`)
RECEIVED_PAGE = (200, "hub received the authorization and is finishing it.")
PAGE_WAIT = 60.0  # seconds a callback page waits for the token exchange to finish


def outcome_page(error: str | None) -> tuple[int, str]:
    """The page for a finished authorization: authorized only once the token is stored."""
    if error is None:
        return 200, "hub is authorized. You can close this window."
    return 200, f"Authorization failed: {redact(error)}. Start it again from hub."


def callback_state(callback: Callback) -> str:
    """The ``state`` a callback carries, in its query (OAuth2 redirects, and platforms that post
    to a callback URL the plugin built with ``?state=``) or in its body."""
    return callback.params.get("state") or str(callback.body.get("state") or "")


class CallbackSession:
    """What every :class:`hub.AuthSession` shares: a fresh ``state`` and PKCE verifier, and the
    future the plugin hook awaits until a callback with that state arrives."""

    def __init__(self, *, timeout: float) -> None:
        self.state = new_state()
        self.pkce_verifier = new_pkce_verifier()
        self.timeout = timeout
        self.redirect_uri = ""
        self._result: asyncio.Future[Callback] | None = None

    @property
    def pkce_challenge(self) -> str:
        return pkce_challenge(self.pkce_verifier)

    def deliver(self, callback: Callback) -> tuple[int, str]:
        """Hand a callback whose ``state`` matched to the waiting hook; return the page to show."""
        assert self._result is not None
        if "error" in callback.params:
            if not self._result.done():
                self._result.set_exception(AuthError(
                    f"the platform refused the authorization (error {callback.params['error']})"))
            return 200, "Authorization refused. You can close this window."
        if not self._result.done():
            self._result.set_result(callback)
        return RECEIVED_PAGE

    async def _wait(self, hint: str) -> Callback:
        assert self._result is not None
        try:
            return await asyncio.wait_for(asyncio.shield(self._result), self.timeout)
        except TimeoutError:
            raise AuthError(f"no authorization arrived within {self.timeout:.0f} s",
                            hint=hint) from None


class LoopbackSession(CallbackSession):
    """An :class:`hub.AuthSession` served by a tiny HTTP listener on the loopback interface."""

    def __init__(self, *, port: int = 0, opener: Opener | None = None, timeout: float = 300.0) -> None:
        super().__init__(timeout=timeout)
        self.port = port
        self.opener = opener
        self._server: asyncio.Server | None = None
        self._opening: asyncio.Future[None] | None = None
        self._outcome: asyncio.Future[str | None] | None = None
        self._pages: set[asyncio.Task[None]] = set()

    async def __aenter__(self) -> LoopbackSession:
        self._result = asyncio.get_running_loop().create_future()
        self._outcome = asyncio.get_running_loop().create_future()
        try:
            self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)
        except OSError as exc:
            raise ConfigError(f"cannot listen for the OAuth redirect on 127.0.0.1:{self.port}: "
                              f"{(exc.strerror or str(exc)).lower()}",
                              hint="stop what uses that port, or set HUB_OAUTH_PORT (or --port) to a "
                                   "free one registered as the app's redirect URI") from None
        self.port = self._server.sockets[0].getsockname()[1]
        self.redirect_uri = f"http://127.0.0.1:{self.port}/callback"
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._outcome is not None and not self._outcome.done():  # the exchange is over
            self._outcome.set_result(None if exc[1] is None else str(exc[1]) or "unknown error")
        if self._pages:  # let a waiting browser get its page before the listener closes
            await asyncio.wait(self._pages, timeout=5)
        if self._opening is not None:  # an async opener (a test's browser) reads that page
            await asyncio.wait({self._opening}, timeout=5)
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def wait_for_callback(self, url: str) -> Callback:
        assert self._result is not None, "use LoopbackSession as an async context manager"
        if self.opener is None:
            click.echo(f"Open this URL to authorize hub:\n  {url}", err=True)
        else:
            maybe = self.opener(url)
            if maybe is not None:
                self._opening = asyncio.ensure_future(maybe)
        return await self._wait("run the command again and open the URL it prints")

    def prompt(self, label: str, *, secret: bool = True) -> str:
        return str(click.prompt(label, hide_input=secret, err=True))

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
            lines = head.decode("latin-1").split("\r\n")
            _method, target, _ = lines[0].split(" ", 2)
            headers = {k.strip().lower(): v.strip() for k, _, v in
                       (line.partition(":") for line in lines[1:] if line)}
            length = min(int(headers.get("content-length", "0") or 0), 1_000_000)
            raw = await reader.readexactly(length) if length else b""
            callback = Callback(params=dict(parse_qsl(urlsplit(target).query)),
                                body=parse_callback_body(raw, headers.get("content-type", "")))
            if urlsplit(target).path != "/callback":
                status, text = 200, "You can close this window."
            else:
                status, text = self._accept(callback)
                if (status, text) == RECEIVED_PAGE and self._outcome is not None:
                    status, text = await self._final_page()
        except (ValueError, asyncio.IncompleteReadError, TimeoutError, asyncio.LimitOverrunError):
            status, text = 400, "bad request"
        body = text.encode()
        writer.write(f"HTTP/1.1 {status} {'OK' if status == 200 else 'Bad Request'}\r\n"
                     f"Content-Type: text/plain; charset=utf-8\r\nContent-Length: {len(body)}\r\n"
                     "Connection: close\r\n\r\n".encode() + body)
        await writer.drain()
        writer.close()

    async def _final_page(self) -> tuple[int, str]:
        """Wait for the token exchange (this session's ``async with`` ending) to say how it went."""
        assert self._outcome is not None
        task = asyncio.current_task()
        if task is not None:
            self._pages.add(task)
        try:
            return outcome_page(await asyncio.wait_for(asyncio.shield(self._outcome), PAGE_WAIT))
        except TimeoutError:
            return RECEIVED_PAGE
        finally:
            if task is not None:
                self._pages.discard(task)

    def _accept(self, callback: Callback) -> tuple[int, str]:
        if browser_return(callback):
            return RETURN_PAGE
        if callback_state(callback) != self.state:
            return 400, "state mismatch: this authorization was not started here"
        return self.deliver(callback)


class DaemonAuthSession(CallbackSession):
    """An :class:`hub.AuthSession` whose redirect comes to the daemon's public callback route.

    ``authorize_url`` resolves with the URL the plugin asks the user to open, so the
    API call that started the authorization can answer with it while the hook
    keeps waiting in the background.
    """

    def __init__(self, registry: CallbackRegistry, platform: str, public_url: str, *,
                 timeout: float = DAEMON_TIMEOUT) -> None:
        super().__init__(timeout=timeout)
        loop = asyncio.get_running_loop()
        self.registry = registry
        self.platform = platform
        self.redirect_uri = f"{public_url.rstrip('/')}/oauth/{platform}/callback"
        self.expires_at = time.monotonic() + timeout
        self.authorize_url: asyncio.Future[str] = loop.create_future()
        self._result = loop.create_future()

    async def wait_for_callback(self, url: str) -> Callback:
        self.expires_at = time.monotonic() + self.timeout
        self.registry.register(self)
        if not self.authorize_url.done():
            self.authorize_url.set_result(url)
        try:
            return await self._wait("start the authorization again: POST /api/accounts/NAME/authorize")
        finally:
            self.registry.discard(self, "finished")

    def prompt(self, label: str, *, secret: bool = True) -> str:
        raise AuthError(f"this platform asks for '{label}' interactively, which the daemon cannot do",
                        hint="set it with: hub accounts set NAME key=value, or run "
                             "hub accounts authorize NAME in a terminal")


class CallbackRegistry:
    """The daemon's waiting authorizations, by ``state``: each state completes one callback."""

    def __init__(self) -> None:
        self._pending: dict[str, DaemonAuthSession] = {}
        self._closed: dict[str, tuple[str, float]] = {}  # state -> (why, when it may be forgotten)

    def register(self, session: DaemonAuthSession) -> None:
        self._purge()
        self._pending[session.state] = session

    def discard(self, session: DaemonAuthSession, why: str = "used") -> None:
        """Stop accepting ``session``'s state (it was used, finished, failed or expired)."""
        if self._pending.get(session.state) is session:
            del self._pending[session.state]
            self._closed[session.state] = (why, time.monotonic() + DAEMON_TIMEOUT)

    def resolve(self, platform: str, callback: Callback) -> tuple[int, str]:
        """Complete the authorization ``callback`` belongs to; return the status and page text."""
        self._purge()
        if browser_return(callback):
            return RETURN_PAGE
        state = callback_state(callback)
        if not state:
            return 400, "missing state: this is not a reply to an authorization hub started"
        closed = self._closed.get(state)
        if closed and closed[0] == "used":
            return 400, ("this authorization link was already used; if you just approved it, "
                         "hub is finishing it and you can close this window")
        session = self._pending.get(state)
        if session is None or session.platform != platform:
            return 400, ("unknown or expired state: start the authorization again "
                         "(links are good for 10 minutes)")
        self.discard(session)
        return session.deliver(callback)

    def _purge(self) -> None:
        moment = time.monotonic()
        for session in list(self._pending.values()):
            if session.expires_at <= moment:
                self.discard(session, "expired")
        for state, (_, until) in list(self._closed.items()):
            if until <= moment:
                del self._closed[state]

    def __len__(self) -> int:
        return len(self._pending)


def parse_callback_body(raw: bytes, content_type: str) -> dict[str, object]:
    """The JSON or form body of a callback POST (WooCommerce posts the new keys as JSON)."""
    if not raw:
        return {}
    if "json" in content_type:
        data = json.loads(raw)
        return data if isinstance(data, dict) else {}
    return dict(parse_qsl(raw.decode("utf-8", "replace")))
