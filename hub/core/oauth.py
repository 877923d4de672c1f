"""The loopback side of ``hub accounts authorize``: a one-shot redirect listener on 127.0.0.1.

It implements :class:`hub.AuthSession` for the CLI: the user opens the
platform's authorization URL, the platform redirects (or, for WooCommerce, posts
the keys) to ``http://127.0.0.1:PORT/callback``, and the listener hands the
parameters back once ``state`` matches. A callback with a wrong ``state`` is
answered 400 and ignored, so a forged redirect cannot complete the flow.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qsl, urlsplit

import click

from hub.auth import Callback, new_pkce_verifier, new_state, pkce_challenge
from hub.errors import AuthError

Opener = Callable[[str], Awaitable[None] | None]


class LoopbackSession:
    """An :class:`hub.AuthSession` served by a tiny HTTP listener on the loopback interface."""

    def __init__(self, *, port: int = 0, opener: Opener | None = None, timeout: float = 300.0) -> None:
        self.port = port
        self.state = new_state()
        self.pkce_verifier = new_pkce_verifier()
        self.opener = opener
        self.timeout = timeout
        self._server: asyncio.Server | None = None
        self._result: asyncio.Future[Callback] | None = None
        self._opening: asyncio.Future[None] | None = None
        self.redirect_uri = ""

    @property
    def pkce_challenge(self) -> str:
        return pkce_challenge(self.pkce_verifier)

    async def __aenter__(self) -> LoopbackSession:
        self._result = asyncio.get_running_loop().create_future()
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        self.redirect_uri = f"http://127.0.0.1:{self.port}/callback"
        return self

    async def __aexit__(self, *exc: object) -> None:
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
        try:
            return await asyncio.wait_for(asyncio.shield(self._result), self.timeout)
        except TimeoutError:
            raise AuthError(f"no authorization arrived within {self.timeout:.0f} s",
                            hint="run the command again and open the URL it prints") from None

    def prompt(self, label: str, *, secret: bool = True) -> str:
        return str(click.prompt(label, hide_input=secret, err=True))

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
            lines = head.decode("latin-1").split("\r\n")
            method, target, _ = lines[0].split(" ", 2)
            headers = {k.strip().lower(): v.strip() for k, _, v in
                       (line.partition(":") for line in lines[1:] if line)}
            length = min(int(headers.get("content-length", "0") or 0), 1_000_000)
            raw = await reader.readexactly(length) if length else b""
            callback = Callback(params=dict(parse_qsl(urlsplit(target).query)),
                                body=_parse_body(raw, headers.get("content-type", "")))
            if urlsplit(target).path != "/callback":
                status, text = 200, "You can close this window."
            else:
                status, text = self._accept(method, callback)
        except (ValueError, asyncio.IncompleteReadError, TimeoutError, asyncio.LimitOverrunError):
            status, text = 400, "bad request"
        body = text.encode()
        writer.write(f"HTTP/1.1 {status} {'OK' if status == 200 else 'Bad Request'}\r\n"
                     f"Content-Type: text/plain; charset=utf-8\r\nContent-Length: {len(body)}\r\n"
                     "Connection: close\r\n\r\n".encode() + body)
        await writer.drain()
        writer.close()

    def _accept(self, method: str, callback: Callback) -> tuple[int, str]:
        assert self._result is not None
        # OAuth2 returns ``state``; WooCommerce posts its keys with the ``user_id`` it was given
        state = (callback.params.get("state") or str(callback.body.get("state") or "")
                 or str(callback.body.get("user_id") or ""))
        if state != self.state:
            return 400, "state mismatch: this authorization was not started here"
        if "error" in callback.params:
            if not self._result.done():
                self._result.set_exception(AuthError(
                    f"the platform refused the authorization: {callback.params['error']}"))
            return 200, "Authorization refused. You can close this window."
        if not self._result.done():
            self._result.set_result(callback)
        return 200, "hub is authorized. You can close this window."


def _parse_body(raw: bytes, content_type: str) -> dict[str, object]:
    if not raw:
        return {}
    if "json" in content_type:
        data = json.loads(raw)
        return data if isinstance(data, dict) else {}
    return dict(parse_qsl(raw.decode("utf-8", "replace")))
