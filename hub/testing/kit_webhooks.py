"""Kit suite: inbound webhooks are verified before anything in them is trusted.

The sandbox signs a delivery about an eligible order exactly as the platform
does (:meth:`hub.sandbox.Sandbox.deliver_webhook`); the kit captures it and
hands the plugin the valid delivery and five bad ones: the body tampered with,
the body re-serialised (same JSON, other bytes), the signature headers missing,
and the account holding other secrets. A bad delivery may be refused
(``verify_webhook`` returns False) or carry nothing the core trusts (the event
only names an order the core re-fetches); it may never hand the core a payload.
The same valid delivery sent twice through the core gives one order.
"""

from __future__ import annotations

import asyncio
import json
import re

import httpx

from hub.errors import HubError
from hub.testing.harness import SandboxHarness
from hub.testing.kitbase import KitBase, kit_test
from hub.types import Capability, WebhookEvent

Delivery = tuple[dict[str, str], bytes]
PLAIN_HEADERS = {"content-type", "content-length", "host", "user-agent", "accept",
                 "accept-encoding", "connection"}


def capture_delivery(harness: SandboxHarness, order_id: str) -> Delivery:
    """The headers (lower-cased) and raw body the sandbox sends for a change to ``order_id``."""
    captured: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        captured.append(request)
        return httpx.Response(200, json={"ok": True})

    sandbox = harness.sandbox
    previous, sandbox.webhook_transport = sandbox.webhook_transport, httpx.MockTransport(handler)
    try:
        url = f"http://hub.invalid/webhooks/{harness.platform}/{harness.account}"
        asyncio.run(sandbox.deliver_webhook(url, sandbox.order_topic, order_id))
    finally:
        sandbox.webhook_transport = previous
    assert captured, "deliver_webhook sent nothing"
    request = captured[-1]
    return {k.lower(): v for k, v in request.headers.items()}, request.content


def tampered(body: bytes) -> bytes:
    """The body with one digit changed (still the same shape, other content)."""
    match = re.search(rb"\d", body)
    if match is None:
        return body + b" "
    digit = b"1" if match.group() == b"0" else b"0"
    return body[:match.start()] + digit + body[match.end():]


def reserialised(body: bytes) -> bytes | None:
    """The same JSON in other bytes (None when the body is not JSON)."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    for form in (json.dumps(data, separators=(",", ":"), sort_keys=True),
                 json.dumps(data, indent=2), json.dumps(data)):
        if form.encode() != body:
            return form.encode()
    return None


class WebhookSuite(KitBase):
    def _trusted(self, harness: SandboxHarness, headers: dict[str, str], body: bytes) -> bool:
        """Whether the plugin accepts this delivery AND hands the core its payload."""
        account = harness.app.accounts.open_named(harness.account)
        host = harness.app.host
        try:
            if not host.verify_webhook(account, headers, body):
                return False
            event: WebhookEvent = host.parse_webhook(account, headers, body)
        except (HubError, ValueError, KeyError, TypeError):
            return False
        return event.payload is not None and not event.ignore

    def _webhook_order(self, harness: SandboxHarness) -> str:
        return sorted(harness.sandbox.eligible_order_ids())[0]

    @kit_test
    def test_webhooks_are_verified_before_they_are_trusted(self, harness: SandboxHarness) -> None:
        """A signed delivery is accepted; tampered, re-serialised, unsigned or wrongly signed
        deliveries never hand the core a payload.

        Fix: in ``verify_webhook`` compute the platform's signature over the RAW body bytes
        (``hub.verify_hmac``: constant-time) with the account's secret and return False when
        the header is missing or differs; never re-serialise the JSON first. A platform that
        signs nothing must return only ``WebhookEvent(order_id=...)`` so the core re-fetches.
        """
        self._check("test_webhooks_are_verified_before_they_are_trusted", Capability.WEBHOOKS)
        host, account = harness.app.host, harness.app.accounts.open_named(harness.account)
        order_id = self._webhook_order(harness)
        headers, body = capture_delivery(harness, order_id)
        assert host.verify_webhook(account, headers, body), "a delivery the sandbox signed was refused"
        event: WebhookEvent = host.parse_webhook(account, headers, body)
        named = event.order_id or (host.parse_order(account, event.payload).platform_order_id
                                   if event.payload is not None else None)
        assert named == order_id, f"the delivery about {order_id!r} parsed as about {named!r}"
        bad: dict[str, Delivery] = {"tampered": (headers, tampered(body)),
                                    "missing signature headers": (
                                        {k: v for k, v in headers.items() if k in PLAIN_HEADERS}, body)}
        other = reserialised(body)
        if other is not None:
            bad["re-serialised"] = (headers, other)
        trusted = [name for name, (h, b) in bad.items() if self._trusted(harness, h, b)]
        secrets = {k: "kit-wrong-" + v[::-1] for k, v in self.all_settings(harness).items()
                   if k in self._info().secret_settings and v}
        if secrets:
            harness.app.accounts.update_settings(harness.account, secrets)
            harness.app.accounts.forget(harness.app.accounts.row(harness.account).id or 0)
            if self._trusted(harness, headers, body):
                trusted.append("the account holding other secrets")
        assert not trusted, f"verify_webhook trusted a delivery it must refuse: {', '.join(trusted)}"

    @kit_test
    def test_a_duplicate_delivery_gives_one_order(self, harness: SandboxHarness) -> None:
        """The same delivery twice, through the core, is acknowledged both times and gives one order.

        Fix: return the platform's delivery id as ``WebhookEvent.dedupe_key`` where it sends
        one, and keep ``parse_order`` deterministic so a repeat changes nothing.
        """
        self._check("test_a_duplicate_delivery_gives_one_order", Capability.WEBHOOKS)
        from hub.core.sync import webhooks

        order_id = self._webhook_order(harness)
        headers, body = capture_delivery(harness, order_id)
        answers = [webhooks.receive(harness.app, harness.platform, harness.account, headers, body)
                   for _ in range(2)]
        assert all(200 <= a.status < 300 for a in answers), [(a.status, a.message) for a in answers]
        harness.run(webhooks.drain(harness.app))
        rows = [o for o in harness.orders() if o.platform_order_id == order_id]
        assert len(rows) == 1, f"{len(rows)} orders for one order delivered twice"
        assert len(harness.orders()) == len(harness.order_ids())
