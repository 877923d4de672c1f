"""Outbound webhooks: queued with the order's transaction, signed, retried with backoff, in order,
disabled after repeated failure with a visible reason, never lost across a restart.

Deliveries go to a real receiver on 127.0.0.1 (``hub.sandbox.serve``) that can fail on purpose.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import col, select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from hub.core import outbound
from hub.core.app import HubApp
from hub.core.config import Config
from hub.core.outbound import (
    MAX_CONSECUTIVE_FAILURES,
    add_subscription,
    backoff,
    deliver_due,
    verify_signature,
)
from hub.core.plugins import PluginHost
from hub.core.storage.columns import now
from hub.core.storage.models import Order, WebhookDelivery, WebhookSubscription
from hub.core.sync import runs
from hub.sandbox import serve
from tests.api.conftest import import_all
from tests.fakeplatform import NOW, FakePlatform, make_order


@dataclass
class Receiver:
    """A subscriber's endpoint: answers ``fail`` (503) to the first ``failures`` requests."""

    failures: int = 0
    status: int = 503
    seen: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    url: str = ""

    async def endpoint(self, request: Request) -> JSONResponse:
        self.seen.append((dict(request.headers), await request.body()))
        if self.failures > 0:
            self.failures -= 1
            return JSONResponse({"error": "busy"}, status_code=self.status)
        return JSONResponse({"ok": True})

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(body) for _, body in self.seen]


@contextmanager
def receiving(failures: int = 0) -> Iterator[Receiver]:
    receiver = Receiver(failures=failures)
    app = Starlette(routes=[Route("/hooks", receiver.endpoint, methods=["POST"])])
    with serve(app) as base:
        receiver.url = f"{base}/hooks"
        yield receiver


def deliver(app: HubApp) -> outbound.DeliveryReport:
    return asyncio.run(deliver_due(app))


def make_due(app: HubApp) -> None:
    """Let time pass: every queued retry is due now."""
    with app.db.session() as s:
        for delivery in s.exec(select(WebhookDelivery).where(WebhookDelivery.status == "pending")):
            delivery.next_attempt_at = now() - timedelta(seconds=1)
            s.add(delivery)


def deliveries(app: HubApp) -> list[WebhookDelivery]:
    with app.db.session() as s:
        return list(s.exec(select(WebhookDelivery).order_by(col(WebhookDelivery.id))))


def subscription(app: HubApp, sub_id: int) -> WebhookSubscription:
    with app.db.session() as s:
        sub = s.get(WebhookSubscription, sub_id)
    assert sub is not None
    return sub


def test_order_events_are_queued_with_the_order_and_carry_the_canonical_order(
        app: HubApp, account: str, fake: FakePlatform) -> None:
    both, _ = add_subscription(app, "main", "http://127.0.0.1:9/hooks")
    updates_only, _ = add_subscription(app, "main", "http://127.0.0.1:9/other", "order.updated")
    fake.add(make_order(1), make_order(2))
    import_all(app)
    queued = deliveries(app)
    assert [(d.subscription_id, d.event) for d in queued] == [(both.id, "order.created")] * 2
    with app.db.session() as s:
        hub_ids = {o.platform_order_id: o.id for o in s.exec(select(Order))}
    body = json.loads(queued[0].body)
    assert set(body) == {"event", "account", "platform", "order_id", "order", "terms"}
    assert body["terms"] == {"shipment_billing": "hub", "tickets_handled_by": "hub",
                             "carrier_account": None, "shipping_rules": None}
    assert (body["event"], body["account"], body["platform"]) == ("order.created", "main", "fakeshop")
    assert body["order_id"] == hub_ids[body["order"]["platform_order_id"]]
    assert "raw" not in body["order"] and body["order"]["total"] == {"amount": "44.00",
                                                                      "currency": "USD"}
    assert len({d.delivery_id for d in queued}) == 2

    fake.orders["1"]["status"] = "refunded"
    fake.orders["1"]["modified"] = (NOW - timedelta(minutes=1)).isoformat()
    import_all(app)
    new = deliveries(app)[2:]
    assert sorted((d.subscription_id, d.event) for d in new) == sorted(
        [(both.id, "order.cancelled"), (both.id, "order.updated"),
         (updates_only.id, "order.updated")])
    by_event = {d.event: json.loads(d.body) for d in new}
    assert by_event["order.updated"]["order"]["status"] == "refunded"
    cancelled = by_event["order.cancelled"]
    assert (cancelled["state"], cancelled["previous"], cancelled["source"]) == (
        "cancelled", "ready", "platform")
    assert cancelled["platform_order_id"] == "1" and cancelled["restock_pending"] is False
    import_all(app)  # nothing changed: nothing queued
    assert len(deliveries(app)) == 5


def test_the_queue_rolls_back_with_the_orders(app: HubApp, account: str, fake: FakePlatform,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Enqueued inside the page's transaction: a page that fails to commit queues nothing."""
    add_subscription(app, "main", "http://127.0.0.1:9/hooks")
    fake.add(make_order(1))

    def broken(*_: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(runs, "record_items", broken)  # fails after the orders were written
    with pytest.raises(RuntimeError):
        import_all(app)
    with app.db.session() as s:
        assert s.exec(select(Order)).all() == []
    assert deliveries(app) == []


def test_deliveries_are_signed_and_the_signature_resists_tampering_and_replay(
        app: HubApp, account: str, fake: FakePlatform) -> None:
    with receiving() as receiver:
        sub, secret = add_subscription(app, "main", receiver.url)
        fake.add(make_order(1), make_order(2))
        import_all(app)
        report = deliver(app)
    assert (report.delivered, report.failed) == (2, 0)
    assert [d.status for d in deliveries(app)] == ["delivered", "delivered"]
    ids = set()
    for headers, body in receiver.seen:
        stamp = headers["x-hub-timestamp"]
        assert headers["x-hub-event"] == "order.created"
        assert headers["content-type"] == "application/json"
        assert headers["x-hub-signature"].startswith("sha256=")
        assert verify_signature(secret, body, stamp, headers["x-hub-signature"])
        assert abs(int(stamp) - time.time()) < 60
        ids.add(headers["x-hub-delivery"])
        sig = headers["x-hub-signature"]
        assert not verify_signature(secret, body.replace(b"44.00", b"0.01"), stamp, sig)
        assert not verify_signature(secret, json.dumps(json.loads(body), indent=1).encode(), stamp, sig)
        assert not verify_signature("whsec_someone-else", body, stamp, sig)
        assert not verify_signature(secret, body, str(int(stamp) + 1), sig)  # timestamp is signed
        assert not verify_signature(secret, body, stamp, sig, at=int(stamp) + 301)  # a replay
        assert not verify_signature(secret, body, stamp, None)
    assert ids == {d.delivery_id for d in deliveries(app)}
    assert subscription(app, sub.id or 0).last_delivery_at is not None


def test_a_failing_then_recovering_receiver_gets_everything_in_order(
        app: HubApp, account: str, fake: FakePlatform) -> None:
    with receiving(failures=2) as receiver:
        sub, _ = add_subscription(app, "main", receiver.url)
        fake.add(make_order(1), make_order(2), make_order(3))
        import_all(app)
        first = deliver(app)
        assert (first.delivered, first.failed) == (0, 1)  # the head failed; the rest wait behind it
        head = deliveries(app)[0]
        assert (head.attempts, head.last_status, head.last_error) == (1, 503, "HTTP 503")
        wait = (head.next_attempt_at - now()).total_seconds()
        assert 4 < wait <= 10  # first retry after 5-10 s (jittered)
        assert deliver(app).delivered == 0  # not due yet: nothing is sent, nothing skips ahead
        assert len(receiver.seen) == 1
        make_due(app)
        assert deliver(app).failed == 1
        assert subscription(app, sub.id or 0).consecutive_failures == 2
        make_due(app)
        last = deliver(app)
    assert (last.delivered, last.failed) == (3, 0)
    sent = [headers["x-hub-delivery"] for headers, _ in receiver.seen]
    queued = [d.delivery_id for d in deliveries(app)]
    assert sent == [queued[0]] * 3 + queued[1:]  # retries keep their id; order is kept
    assert [b["order"]["platform_order_id"] for b in receiver.bodies()[2:]] == [
        json.loads(d.body)["order"]["platform_order_id"] for d in deliveries(app)]
    assert subscription(app, sub.id or 0).consecutive_failures == 0
    assert [d.attempts for d in deliveries(app)] == [3, 1, 1]


def test_repeated_failure_disables_the_subscription_with_a_visible_reason(
        app: HubApp, account: str, fake: FakePlatform, hub_cli) -> None:  # type: ignore[no-untyped-def]
    with receiving(failures=1000) as receiver:
        sub, _ = add_subscription(app, "main", receiver.url)
        fake.add(make_order(1))
        import_all(app)
        for _ in range(MAX_CONSECUTIVE_FAILURES):
            make_due(app)
            report = deliver(app)
        assert report.disabled == [sub.id]
        disabled = subscription(app, sub.id or 0)
        assert not disabled.enabled and disabled.disabled_reason is not None
        assert "disabled after 10 consecutive failed deliveries (last: HTTP 503)" in \
            disabled.disabled_reason
        make_due(app)
        assert deliver(app).failed == 0 and len(receiver.seen) == MAX_CONSECUTIVE_FAILURES

        listed = hub_cli("webhooks", "list")
        assert listed.code == 0 and "disabled after 10 consecutive failed deliveries" in listed.out
        [view] = hub_cli("webhooks", "list", "--json").json()
        assert view["enabled"] is False and view["pending"] == 1 and view["consecutive_failures"] == 10
        failed = hub_cli("webhooks", "deliveries", "--failed", "--json").json()
        assert [(d["attempts"], d["last_error"]) for d in failed] == [(10, "HTTP 503")]

        fake.orders["1"]["status"] = "packing"  # events keep being queued while disabled
        fake.orders["1"]["modified"] = (NOW - timedelta(minutes=1)).isoformat()
        import_all(app)
        assert [d.status for d in deliveries(app)] == ["pending", "pending"]

        receiver.failures = 0  # the receiver is fixed
        enabled = hub_cli("webhooks", "enable", str(sub.id))
        assert enabled.code == 0 and "enabled" in enabled.err
        sent = hub_cli("webhooks", "deliver")
    assert sent.code == 0 and "delivered 2, failed 0" in sent.err
    assert [b["event"] for b in receiver.bodies()[-2:]] == ["order.created", "order.updated"]
    again = subscription(app, sub.id or 0)
    assert again.enabled and again.disabled_reason is None and again.consecutive_failures == 0


def test_queued_deliveries_survive_a_restart(app: HubApp, account: str, fake: FakePlatform,
                                             host: PluginHost) -> None:
    with receiving(failures=1) as receiver:
        add_subscription(app, "main", receiver.url)
        fake.add(make_order(1), make_order(2))
        import_all(app)
        assert deliver(app).failed == 1
        app.close()  # the process stops with one failed attempt and two events queued

        restarted = HubApp(Config(data_dir=app.config.data_dir,
                                  database_url=app.config.database_url), host=host)
        try:
            make_due(restarted)
            report = deliver(restarted)
        finally:
            restarted.close()
    assert (report.delivered, report.failed) == (2, 0)
    assert [b["order"]["platform_order_id"] for b in receiver.bodies()] == ["2", "2", "1"]


def test_an_unreachable_receiver_is_a_failure_with_its_reason(app: HubApp, account: str,
                                                              fake: FakePlatform) -> None:
    with receiving() as receiver:
        url = receiver.url
    add_subscription(app, "main", url)  # nothing listens there any more
    fake.add(make_order(1))
    import_all(app)
    report = deliver(app)
    assert report.failed == 1
    [delivery] = deliveries(app)
    assert delivery.last_status is None and "ConnectError" in (delivery.last_error or "")


def test_secrets_are_stored_encrypted_and_never_shown_or_logged(
        app: HubApp, account: str, fake: FakePlatform, hub_cli,  # type: ignore[no-untyped-def]
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="hub")
    added = hub_cli("webhooks", "add", "--account", "main", "--url", "http://127.0.0.1:9/hooks")
    assert added.code == 0
    assert "order.cancelled" in added.err and "shipment.updated" in added.err  # every event by default
    secret = added.out.strip()
    assert secret.startswith("whsec_") and "shown only now" in added.err
    with receiving(failures=1) as receiver:
        with app.db.session() as s:
            sub = s.exec(select(WebhookSubscription)).one()
            sub.url = receiver.url
            s.add(sub)
        fake.add(make_order(1))
        import_all(app)
        deliver(app)
    assert secret not in (app.config.data_dir / "hub.db").read_bytes().decode("latin-1")
    assert app.box.decrypt(sub.secret_enc)["secret"] == secret
    for args in (("webhooks", "list"), ("webhooks", "list", "--json"),
                 ("webhooks", "deliveries", "--json")):
        assert secret not in hub_cli(*args).out
    assert caplog.records and all(secret not in r.getMessage() for r in caplog.records)


def test_cli_add_checks_its_input_and_remove_drops_the_queue(
        app: HubApp, account: str, fake: FakePlatform, hub_cli) -> None:  # type: ignore[no-untyped-def]
    bad_url = hub_cli("webhooks", "add", "--account", "main", "--url", "ftp://x")
    assert bad_url.code == 2 and "must be an http(s) URL" in bad_url.err
    bad_event = hub_cli("webhooks", "add", "--account", "main", "--url", "https://3pl.example.com/h",
                        "--events", "order.created,order.paid")
    assert bad_event.code == 2 and "unknown event 'order.paid'" in bad_event.err
    nobody = hub_cli("webhooks", "add", "--account", "nobody", "--url", "https://3pl.example.com/h")
    assert nobody.code == 2 and "no account named 'nobody'" in nobody.err
    added = hub_cli("webhooks", "add", "--account", "main", "--url", "https://3pl.example.com/h",
                    "--events", "order.updated", "--json").json()
    assert added["events"] == ["order.updated"] and added["secret"].startswith("whsec_")
    assert hub_cli("webhooks", "disable", str(added["id"])).code == 0
    assert "disabled by an operator" in hub_cli("webhooks", "list").out
    assert hub_cli("webhooks", "enable", "999").code == 2
    fake.add(make_order(1))
    import_all(app)
    fake.orders["1"]["status"] = "refunded"
    fake.orders["1"]["modified"] = (NOW - timedelta(minutes=1)).isoformat()
    import_all(app)
    assert len(deliveries(app)) == 1
    removed = hub_cli("webhooks", "remove", str(added["id"]), "--yes")
    assert removed.code == 0 and "1 queued deliveries were dropped" in removed.err
    assert deliveries(app) == [] and hub_cli("webhooks", "list", "--json").json() == []


def test_cli_deliver_exits_3_when_some_deliveries_fail(
        app: HubApp, account: str, fake: FakePlatform, hub_cli) -> None:  # type: ignore[no-untyped-def]
    with receiving(failures=1) as receiver:
        add_subscription(app, "main", receiver.url)
        fake.add(make_order(1))
        import_all(app)
        result = hub_cli("webhooks", "deliver", "--json")
    assert result.code == 3 and result.json() == {"delivered": 0, "failed": 1, "disabled": [],
                                                  "skipped": False}
    assert "hub webhooks deliveries --failed" in result.err


def test_one_process_delivers_at_a_time(app: HubApp, account: str, fake: FakePlatform) -> None:
    add_subscription(app, "main", "http://127.0.0.1:9/hooks")

    async def both() -> list[outbound.DeliveryReport]:
        async with app.accounts.lease(outbound.LEASE, ttl=60, wait=0):  # another daemon delivering
            return [await deliver_due(app)]

    [report] = asyncio.run(both())
    assert report.skipped and report.delivered == report.failed == 0


def test_backoff_grows_exponentially_with_jitter_and_a_cap() -> None:
    rng = random.Random(4)
    for attempts, ceiling in [(1, 10), (2, 20), (3, 40), (8, 1280), (20, 3600), (60, 3600)]:
        delays = [backoff(attempts, rng).total_seconds() for _ in range(50)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(set(delays)) > 1  # jittered: failing receivers are not retried in lockstep


def test_credentials_in_a_subscriber_url_are_not_shown(app: HubApp, account: str, hub_cli) -> None:  # type: ignore[no-untyped-def]
    add_subscription(app, "main", "https://hub:pa55word-99@3pl.example.com/in?token=tok-123456")
    listed = hub_cli("webhooks", "list", "--json")
    assert listed.json()[0]["url"] == "https://hub:***@3pl.example.com/in?token=***"
    assert "pa55word" not in listed.out and "tok-123456" not in listed.out


def test_removing_an_account_removes_its_subscriptions(app: HubApp, account: str) -> None:
    add_subscription(app, "main", "https://3pl.example.com/in")
    app.accounts.remove("main")  # it never synced, so it may be removed
    with app.db.session() as s:
        assert s.exec(select(WebhookSubscription)).all() == []


def test_a_password_in_the_url_is_encrypted_masked_on_output_and_still_used(
        app: HubApp, account: str, fake: FakePlatform, hub_cli) -> None:  # type: ignore[no-untyped-def]
    password = "pa55-w0rd-very-private"
    with receiving() as receiver:
        url = receiver.url.replace("://", f"://courier:{password}@")
        added = hub_cli("webhooks", "add", "--account", "main", "--url", url, "--json")
        assert added.code == 0, added.err
        shown = added.json()
        assert password not in added.out + added.err
        assert shown["url"].startswith("http://courier:***@")
        listed = hub_cli("webhooks", "list", "--json")
        assert password not in listed.out
        with app.db.session() as s:
            sub = s.exec(select(WebhookSubscription)).one()
        assert password not in sub.url
        assert password not in (app.config.data_dir / "hub.db").read_bytes().decode("latin-1")
        fake.add(make_order(1))
        import_all(app)
        deliver(app)
    [(headers, _)] = receiver.seen
    expected = base64.b64encode(f"courier:{password}".encode()).decode()
    assert headers["authorization"] == f"Basic {expected}"  # the delivery still logs in
