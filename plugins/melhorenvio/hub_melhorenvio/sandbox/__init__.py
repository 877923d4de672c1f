"""A local Melhor Envio: OAuth2 with refresh and the shipment tracking route.

It checks what the real API checks (the app's client id and secret, single-use
authorization codes tied to the redirect URI, the Bearer token and its expiry,
a ``User-Agent`` naming a contact e-mail, the ``orders`` list) and answers in its
shapes: ``401 {"message": "Unauthenticated."}``, OAuth errors as
``{"error", "error_description", "message"}``, tracking keyed by order id with
``*_at`` times in Brasília without a zone. Past its throttle (60 requests a
minute, Laravel's default, in ``X-RateLimit-Limit``/``-Remaining``) it answers
``429 {"message": "Too Many Attempts."}`` with ``Retry-After``.

What a label has been through is scripted. By default the last hex digit of an
order id picks the story: 0 unknown, 1 generated (not posted), 2 posted,
3 and 8 delivered, 4 a failed delivery, 5 returned, 6 cancelled, others posted.
Tests script their own with :meth:`MelhorEnvioSandbox.script` and move a label on
with :meth:`MelhorEnvioSandbox.advance`.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from hub.sandbox import Sandbox, SandboxOptions, TokenBucket
from hub.sandbox.rate import retry_after
from hub.sandbox.requests import Refused, refusing
from hub.sandbox.tokens import TokenIssuer
from hub_melhorenvio.tracking import BRASILIA

CLIENT_ID, CLIENT_SECRET = "4711", "sandbox-melhorenvio-client-secret"
CONTACT = "dev@example.com"
MAX_ORDERS = 100
THROTTLE = 60
"""Requests a minute before a 429 (Laravel's default throttle)."""
TOKEN_TTL = 2592000.0

STORIES: dict[str, list[str]] = {
    "1": ["generated"], "2": ["posted"], "3": ["posted", "delivered"],
    "8": ["posted", "delivered"], "4": ["posted", "undelivered"],
    "5": ["posted", "undelivered", "returned"], "6": ["generated", "canceled"],
}
TIMED = {"posted": "posted_at", "delivered": "delivered_at", "canceled": "canceled_at",
         "expired": "expired_at", "generated": "generated_at"}


class MelhorEnvioRefused(Refused):
    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(JSONResponse({"message": message, **extra}, status_code=status), message)


class MelhorEnvioSandbox(Sandbox):
    platform = "melhorenvio"
    order_topic = ""
    exempt_paths = ("/oauth/authorize",)

    def __init__(self, options: SandboxOptions | None = None) -> None:
        super().__init__(options)
        self.tokens = TokenIssuer(ttl=self.options.token_ttl or TOKEN_TTL,
                                  refresh_revokes=True)
        self.labels: dict[str, list[tuple[str, datetime]]] = {}
        self.throttle = TokenBucket(THROTTLE, THROTTLE / 60,
                                    enforce=self.options.enforce_rate_limit)
        self.tracking_requests = 0
        self.orders_asked = 0

    # --- scripting labels (tests) ---------------------------------------------------------
    def code(self, story: str, serial: int = 1) -> str:
        """An order id whose default story is ``story`` (a key of :data:`STORIES`, or ``0``)."""
        return f"{serial:08x}-9e1c-4a2b-8c3d-{serial:011x}{story}"

    @property
    def demo_delivered_code(self) -> str:
        """The label ``hub demo`` ships with: posted, then delivered."""
        return self.code("3")

    # --- what the carrier kit asks (hub.testing.kit_carriers) ---------------------------
    KIT_STORIES = {"delivered": "3", "moving": "2", "unknown": "0"}

    def carrier_code(self, kind: str, serial: int = 1) -> str:
        """An order id whose story is ``delivered``, ``moving`` or ``unknown``."""
        return self.code(self.KIT_STORIES[kind], serial)

    def malformed_code(self) -> None:
        """Order ids (UUIDs) carry no check digit."""
        return None

    def script(self, order_id: str, steps: list[str]) -> None:
        """Say what label ``order_id`` went through (statuses), an hour apart, ending now."""
        start = self.now() - timedelta(hours=len(steps))
        self.labels[order_id.lower()] = [(step, start + timedelta(hours=i))
                                         for i, step in enumerate(steps)]

    def advance(self, order_id: str, status: str) -> None:
        """Label ``order_id`` reaches ``status`` now."""
        key = order_id.lower()
        self.labels.setdefault(key, list(self._story(key))).append((status, self.now()))

    def _story(self, order_id: str) -> list[tuple[str, datetime]]:
        if order_id in self.labels:
            return self.labels[order_id]
        steps = STORIES.get(order_id[-1], ["posted"] if order_id[-1] != "0" else [])
        start = self.epoch - timedelta(hours=6 * len(steps) + 24)
        return [(step, start + timedelta(hours=6 * i)) for i, step in enumerate(steps)]

    def _label(self, order_id: str) -> dict[str, Any] | None:
        story = self._story(order_id)
        if not story:
            return None
        created = story[0][1] - timedelta(hours=2)
        label: dict[str, Any] = {
            "id": order_id, "protocol": f"ORD-{order_id[-8:].upper()}", "status": story[-1][0],
            "tracking": None, "melhorenvio_tracking": None,
            "created_at": _time(created), "paid_at": _time(created + timedelta(minutes=5)),
            "generated_at": None, "posted_at": None, "delivered_at": None, "canceled_at": None,
            "expired_at": None}
        for step, at in story:
            if step in TIMED:
                label[TIMED[step]] = _time(at)
            if step == "posted":
                label["tracking"] = f"AB{order_id[-8:].upper()}"
                label["melhorenvio_tracking"] = f"ME{order_id[-10:].upper()}"
        return label

    # --- OAuth ------------------------------------------------------------------------------
    async def authorize(self, request: Request) -> Response:
        """The user's authorization page: approves at once and redirects with a code."""
        q = request.query_params
        redirect = q.get("redirect_uri")
        if q.get("client_id") != CLIENT_ID or not redirect or q.get("response_type") != "code":
            return JSONResponse({"message": "Client authentication failed",
                                 "error": "invalid_client"}, status_code=401)
        code = self.tokens.authorization_code("seller", q.get("scope", ""),
                                              client_id=CLIENT_ID, redirect_uri=redirect,
                                              code=secrets.token_hex(20))
        joiner = "&" if "?" in redirect else "?"
        return RedirectResponse(f"{redirect}{joiner}{urlencode({'code': code, 'state': q.get('state', '')})}",
                                status_code=302)

    async def token(self, request: Request) -> Response:
        if "json" in request.headers.get("content-type", ""):
            body = await request.json()
            form = {str(k): str(v) for k, v in body.items()} if isinstance(body, dict) else {}
        else:
            form = dict(parse_qsl((await request.body()).decode()))
        if form.get("client_id") != CLIENT_ID or not secrets.compare_digest(
                form.get("client_secret", ""), CLIENT_SECRET):
            return _oauth_error(401, "invalid_client", "Client authentication failed")
        grant = form.get("grant_type")
        if grant == "authorization_code":
            code, problem = self.tokens.redeem(form.get("code", ""), client_id=CLIENT_ID,
                                               redirect_uri=form.get("redirect_uri"))
            if code is None:
                return _oauth_error(400, "invalid_grant", "The authorization code is invalid: "
                                    + (problem.value if problem else "unknown"))
            access, issued = self.tokens.issue(code.subject, code.scope)
        elif grant == "refresh_token":
            renewed = self.tokens.refresh(form.get("refresh_token", ""))
            if renewed is None:
                return _oauth_error(400, "invalid_grant", "The refresh token is invalid.")
            access, issued = renewed
        else:
            return _oauth_error(400, "unsupported_grant_type",
                                "The authorization grant type is not supported.")
        return JSONResponse({"token_type": "Bearer", "expires_in": int(self.tokens.ttl or 0),
                             "access_token": access, "refresh_token": issued.refresh_token})

    # --- the API --------------------------------------------------------------------------
    def _check(self, request: Request) -> None:
        if "@" not in request.headers.get("user-agent", ""):
            raise MelhorEnvioRefused(403, "Forbidden: identify the app in the User-Agent "
                                          "with a contact e-mail")
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        grant, _ = self.tokens.check(token) if scheme.lower() == "bearer" else (None, "")
        if grant is None:
            raise MelhorEnvioRefused(401, "Unauthenticated.")

    async def tracking(self, request: Request) -> Response:
        if not self.throttle.take():
            wait = retry_after(self.throttle.wait())
            return JSONResponse({"message": "Too Many Attempts."}, status_code=429, headers={
                "Retry-After": wait, "X-RateLimit-Limit": str(THROTTLE),
                "X-RateLimit-Remaining": "0"})
        self._check(request)
        try:
            body = await request.json()
        except ValueError:
            body = None
        orders = body.get("orders") if isinstance(body, dict) else None
        if not isinstance(orders, list) or not 1 <= len(orders) <= MAX_ORDERS \
                or not all(isinstance(o, str) for o in orders):
            raise MelhorEnvioRefused(422, "The given data was invalid.", errors={
                "orders": [f"O campo orders deve ter entre 1 e {MAX_ORDERS} itens."]})
        self.tracking_requests += 1
        self.orders_asked += len(orders)
        answer = {o: label for o in orders if (label := self._label(o.lower())) is not None}
        remaining = str(int(self.throttle.refill()))
        return JSONResponse(answer, headers={"X-RateLimit-Limit": str(THROTTLE),
                                             "X-RateLimit-Remaining": remaining})

    def build_app(self) -> ASGIApp:
        return Starlette(routes=[
            Route("/oauth/authorize", self.authorize, methods=["GET"]),
            Route("/oauth/token", self.token, methods=["POST"]),
            Route("/api/v2/me/shipment/tracking", refusing(self.tracking), methods=["POST"]),
        ])

    def account_settings(self, base_url: str) -> dict[str, str]:
        return {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
                "contact_email": CONTACT, "base_url": base_url}

    def eligible_order_ids(self) -> set[str]:
        """A carrier has no orders."""
        return set()

    async def deliver_webhook(self, url: str, topic: str, resource_id: str) -> int:
        """Not served: the hub polls the tracking route (webhooks reach only the app that
        bought the label)."""
        raise RuntimeError("the Melhor Envio sandbox sends no webhooks; the hub polls tracking")

    def fault_body(self, status: int) -> dict[str, Any]:
        return {"message": "Too Many Attempts." if status == 429 else "Server Error"}


def _time(at: datetime) -> str:
    return at.astimezone(BRASILIA).strftime("%Y-%m-%d %H:%M:%S")


def _oauth_error(status: int, code: str, text: str) -> Response:
    return JSONResponse({"error": code, "error_description": text, "message": text},
                        status_code=status)
