"""Who may use the console, and what they may do there: the ONE place for its permissions.

* Sign-in with a user (``hub users add``) or an API key (``hub api-keys create``), both
  checked by :mod:`hub.core.principals`; the same roles as the API (viewer reads, operator
  acts, admin manages accounts' credentials, keys and users).
* The browser holds a signed, ``HttpOnly``, ``SameSite=Strict`` cookie carrying a random
  token; the server keeps only the token's SHA-256 (:class:`ConsoleSession`), so signing out
  ends the session for good, and a stolen database holds no usable cookie.
* Every request re-reads the user or key: disabling the user, revoking the key or changing
  its role takes effect at the next click.
* Every form carries the session's CSRF token; every POST is refused (403) without it.
  The sign-in form, before any session, uses a double-submit token.
* Every action is logged by the API's audit middleware (``hub.audit``: method, path, who,
  role, answer), and what it wrote records its actor (``user:NAME``), as through the API.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from fastapi import Request
from sqlmodel import col, delete, select

from hub.core.api.security import who
from hub.core.principals import (
    Level,
    Principal,
    Role,
    actor_of,
    allows,
    authenticate_key,
    authenticate_user,
    least_role,
    set_acting,
)
from hub.core.storage.columns import now
from hub.core.storage.console import ConsoleSession
from hub.core.storage.models import ApiKey
from hub.core.storage.users import HubUser

if TYPE_CHECKING:
    from hub.core.app import HubApp

log = logging.getLogger("hub.audit")
COOKIE = "hub_console"
LOGIN_COOKIE = "hub_console_login"
LIFETIME = timedelta(hours=12)
KEEP = timedelta(days=30)
MAX_FORM = 64 * 1024
COOKIE_KEY_SETTING = "console_cookie_key"


class LoginNeeded(Exception):
    """No live session: GET pages send the browser to the sign-in page."""


class Denied(Exception):
    """403: no CSRF token, or the role does not allow this."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Console:
    """The signed-in caller of one request."""

    principal: Principal
    csrf: str
    session_id: int

    @property
    def role(self) -> Role:
        return self.principal.role

    def can(self, level: Level) -> bool:
        return allows(self.principal.role, level)


def _hub(request: Request) -> HubApp:
    app: HubApp = request.app.state.hub
    return app


def _cookie_key(app: HubApp) -> bytes:
    """The key signing cookies: made once per hub, kept in its settings."""
    stored = app.get_setting(COOKIE_KEY_SETTING)
    if not stored:
        app.set_setting(COOKIE_KEY_SETTING, secrets.token_hex(32))
        stored = app.get_setting(COOKIE_KEY_SETTING) or ""
    return stored.encode("ascii")


def sign(app: HubApp, token: str) -> str:
    mac = hmac.new(_cookie_key(app), token.encode("ascii"), hashlib.sha256).hexdigest()
    return f"{token}.{mac}"


def unsign(app: HubApp, value: str) -> str | None:
    """The token of a cookie value this hub signed, else None."""
    token, _, mac = value.rpartition(".")
    if not token or len(value) > 200 or not token.isascii():
        return None
    expected = hmac.new(_cookie_key(app), token.encode("ascii"), hashlib.sha256).hexdigest()
    return token if same(mac, expected) else None


def same(given: str, expected: str) -> bool:
    """Constant-time equality of two tokens (any text given, ASCII or not)."""
    return hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode("utf-8"))


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


# --- signing in and out -------------------------------------------------------------------

class Throttle:
    """Failed sign-ins per client address and name: after ``limit`` within ``window``
    seconds, more attempts are refused until the oldest failure is that old."""

    def __init__(self, limit: int = 10, window: float = 300.0) -> None:
        self.limit, self.window = limit, window
        self.failures: dict[tuple[str, str], list[float]] = {}

    def _recent(self, key: tuple[str, str]) -> list[float]:
        moment = time.monotonic()
        kept = [t for t in self.failures.get(key, []) if moment - t < self.window]
        if kept:
            self.failures[key] = kept
        else:
            self.failures.pop(key, None)
        return kept

    def blocked(self, key: tuple[str, str]) -> bool:
        return len(self._recent(key)) >= self.limit

    def failed(self, key: tuple[str, str]) -> None:
        self._recent(key)
        self.failures.setdefault(key, []).append(time.monotonic())
        if len(self.failures) > 10_000:  # a flood of names: forget the oldest
            self.failures.pop(next(iter(self.failures)))

    def succeeded(self, key: tuple[str, str]) -> None:
        self.failures.pop(key, None)


def throttle_of(request: Request) -> Throttle:
    """The sign-in throttle of the server serving ``request`` (one per daemon)."""
    found: Throttle | None = getattr(request.app.state, "console_throttle", None)
    if found is None:
        found = request.app.state.console_throttle = Throttle()
    return found


def authenticate(app: HubApp, *, username: str = "", password: str = "",
                 api_key: str = "") -> Principal | None:
    """The principal behind a sign-in form (a user and password, or an API key), else None."""
    if api_key.strip():
        return authenticate_key(app, api_key.strip())
    if username.strip() and password:
        return authenticate_user(app, username.strip(), password)
    return None


def open_session(app: HubApp, principal: Principal) -> str:
    """Start a session for ``principal``; return the signed cookie value."""
    token = secrets.token_urlsafe(32)
    with app.db.session() as s:
        # sessions ended or expired a month ago are of no use, even for the record
        s.exec(delete(ConsoleSession).where(col(ConsoleSession.expires_at) < now() - KEEP))
        s.add(ConsoleSession(token_hash=_hash(token), kind=principal.kind, name=principal.name,
                             csrf=secrets.token_urlsafe(32), expires_at=now() + LIFETIME))
    log.info("console sign-in by %s (%s)", who(principal), principal.role.value,
             extra={"principal": actor_of(principal)})
    return sign(app, token)


def end_session(app: HubApp, console: Console) -> None:
    """Sign out: the session's cookie is refused from now on, wherever it was copied."""
    with app.db.session() as s:
        row = s.get(ConsoleSession, console.session_id)
        if row is not None and row.ended_at is None:
            row.ended_at = now()
            s.add(row)
    log.info("console sign-out by %s", who(console.principal),
             extra={"principal": actor_of(console.principal)})


def _live_role(app: HubApp, kind: str, name: str) -> Role | None:
    """The current role of the user or key ``name``; None when disabled, revoked or gone."""
    with app.db.session() as s:
        if kind == "user":
            user = s.exec(select(HubUser).where(HubUser.name == name)).first()
            role = user.role if user is not None and user.disabled_at is None else None
        else:
            key = s.exec(select(ApiKey).where(ApiKey.name == name)).first()
            role = key.role if key is not None and key.revoked_at is None else None
    try:
        return Role(role) if role else None
    except ValueError:
        return None


def current(request: Request) -> Console | None:
    """The live session of the request's cookie, with its principal's current role."""
    cached: Console | None = getattr(request.state, "console", None)
    if cached is not None:
        return cached
    app = _hub(request)
    token = unsign(app, request.cookies.get(COOKIE, ""))
    if token is None:
        return None
    with app.db.session() as s:
        row = s.exec(select(ConsoleSession).where(ConsoleSession.token_hash == _hash(token))).first()
    if row is None or row.ended_at is not None or row.expires_at <= now():
        return None
    role = _live_role(app, row.kind, row.name)
    if role is None:
        return None
    principal = Principal(name=row.name, kind="user" if row.kind == "user" else "api_key",
                          role=role)
    console = Console(principal, row.csrf, row.id or 0)
    request.state.console = console
    return console


# --- what each request may do -------------------------------------------------------------

def require(request: Request, level: Level = "read") -> Console:
    """The signed-in caller when their role allows ``level``; :class:`LoginNeeded` or
    :class:`Denied` otherwise. Pages call this; forms call :func:`acting`."""
    console = current(request)
    if console is None:
        raise LoginNeeded()
    if not console.can(level):
        needed = least_role(level)
        log.warning("console refused %s %s to %s (%s): needs %s", request.method,
                    request.url.path, who(console.principal), console.role.value, needed.value,
                    extra={"principal": actor_of(console.principal)})
        raise Denied(f"this needs the {needed.value} role; {who(console.principal)} is "
                     f"{console.role.value}")
    return console


async def read_form(request: Request) -> dict[str, str]:
    """The request's url-encoded form (the last value of a repeated field); {} when
    unreadable or larger than 64 KiB."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM:
            return {}
    try:
        return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=200))
    except (UnicodeDecodeError, ValueError):
        return {}


async def acting(request: Request, level: Level = "act") -> tuple[Console, dict[str, str]]:
    """A form post: a live session, its CSRF token, and a role allowing ``level``.

    The caller becomes the actor of what the request writes, and the audit middleware logs
    the request with their name.
    """
    form = await read_form(request)
    console = current(request)
    if console is None:
        raise Denied("sign in first: your session has ended")
    if not same(form.get("csrf", ""), console.csrf):
        log.warning("console refused %s %s to %s: missing or wrong CSRF token", request.method,
                    request.url.path, who(console.principal),
                    extra={"principal": actor_of(console.principal)})
        raise Denied("the form's security token is missing or stale: reload the page and try "
                     "again")
    require(request, level)
    request.state.principal = console.principal  # the audit middleware names the caller
    set_acting(console.principal)
    return console, form


def login_token(request: Request) -> str:
    """The sign-in form's double-submit token (also set as a cookie by the page)."""
    existing = request.cookies.get(LOGIN_COOKIE, "")
    return existing if 20 <= len(existing) <= 100 else secrets.token_urlsafe(24)


def login_token_ok(request: Request, form: dict[str, str]) -> bool:
    cookie = request.cookies.get(LOGIN_COOKIE, "")
    return bool(cookie) and same(form.get("csrf", ""), cookie)

