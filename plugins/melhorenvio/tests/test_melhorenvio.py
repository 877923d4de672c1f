"""hub-melhorenvio: its mapping and requests (respx), then through the real core against its
sandbox on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from sqlmodel import select

import hub
from hub import TrackingStatus
from hub.core.storage.models import Order, Shipment
from hub.core.storage.tracking import ShipmentEvent
from hub.core.sync.tracking_in import poll_tracking
from hub.sandbox import SandboxOptions
from hub.testing.harness import SandboxHarness
from hub.testing.kit_carriers import age_checks, shipped_order
from hub_melhorenvio import tracking
from hub_melhorenvio.sandbox import MelhorEnvioSandbox

HOST = "https://me.example"
ORDER = "9a1f6c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b"
OTHER = "1b2c3d4e-5f60-4718-9a0b-c1d2e3f4a5b6"
ANSWER: dict[str, Any] = {
    "id": ORDER, "protocol": "ORD-2026120512345", "status": "delivered",
    "tracking": "AB123456785BR", "melhorenvio_tracking": "ME2612ABCD1BR",
    "created_at": "2026-12-01 09:00:00", "paid_at": "2026-12-01 09:05:00",
    "generated_at": "2026-12-01 09:10:00", "posted_at": "2026-12-01 15:00:00",
    "delivered_at": "2026-12-03 11:20:00", "canceled_at": None, "expired_at": None}


def account() -> hub.Account:
    return hub.Account(name="main", platform="melhorenvio",
                       settings={"client_id": "1", "client_secret": "s" * 20,
                                 "contact_email": "ops@shop.example", "base_url": HOST},
                       credentials={"access_token": "tok-" + "a" * 20})


@pytest.mark.parametrize(("status", "expected"), [
    ("posted", TrackingStatus.POSTED), ("delivered", TrackingStatus.DELIVERED),
    ("undelivered", TrackingStatus.DELIVERY_FAILED), ("canceled", TrackingStatus.EXCEPTION),
    ("expired", TrackingStatus.EXCEPTION), ("returned", TrackingStatus.RETURNED),
    ("something-new", TrackingStatus.IN_TRANSIT),  # unknown: never a delivery
])
def test_label_statuses_map_to_the_hubs(status: str, expected: TrackingStatus) -> None:
    assert tracking.status_of(status) is expected


def test_an_answer_becomes_one_event_per_time_and_the_same_answer_the_same_events() -> None:
    update = tracking.to_update(ORDER, ANSWER)
    assert [(e.status, e.code) for e in update.events] == [
        (TrackingStatus.POSTED, "posted"), (TrackingStatus.DELIVERED, "delivered")]
    assert update.events[1].at.isoformat() == "2026-12-03T11:20:00-03:00"
    assert "AB123456785BR" in update.events[0].text
    failed = tracking.to_update(ORDER, {**ANSWER, "status": "undelivered", "delivered_at": None})
    assert failed.events[-1].status is TrackingStatus.DELIVERY_FAILED
    assert failed.events[-1].at > failed.events[0].at  # after posting, so it is the latest
    assert failed == tracking.to_update(ORDER, {**ANSWER, "status": "undelivered",
                                                "delivered_at": None})
    waiting = tracking.to_update(ORDER, {**ANSWER, "status": "generated", "posted_at": None})
    assert not waiting.found and "not posted" in (waiting.message or "")
    assert not tracking.to_update(ORDER, None).found


@respx.mock
def test_one_request_carries_the_order_ids_token_and_user_agent() -> None:
    route = respx.post(f"{HOST}/api/v2/me/shipment/tracking").mock(
        return_value=httpx.Response(200, json={ORDER: ANSWER}))
    acct = account()
    refs = [hub.ShipmentRef(carrier="Melhor Envio", tracking_number=n) for n in (ORDER, OTHER)]

    async def go() -> list[hub.TrackingUpdate]:
        try:
            return await tracking.track(acct, refs)
        finally:
            await acct.aclose()

    updates = asyncio.run(go())
    assert route.call_count == 1
    sent = route.calls[0].request
    assert json.loads(sent.content) == {"orders": [ORDER, OTHER]}
    assert sent.headers["authorization"] == "Bearer tok-" + "a" * 20
    assert "ops@shop.example" in sent.headers["user-agent"]
    assert [u.found for u in updates] == [True, False]


@pytest.fixture
def h(tmp_path: Path):  # type: ignore[no-untyped-def]
    with SandboxHarness("melhorenvio", tmp_path, SandboxOptions(), flows=("tracking_in",),
                        settings={"requests_per_second": "50"}) as h:
        yield h


def _state(h: SandboxHarness, order_id: int) -> str:
    with h.app.db.session() as s:
        order = s.get(Order, order_id)
        assert order is not None
        return order.state


def test_stories_move_orders_and_the_hour_cache_is_honoured(h) -> None:  # type: ignore[no-untyped-def]
    box: MelhorEnvioSandbox = h.sandbox  # type: ignore[assignment]
    ids = {story: shipped_order(h.app, box.code(story), "Melhor Envio") for story in "0123456"}
    first = h.run(poll_tracking(h.app, "main"))
    assert first.error is None and box.tracking_requests == 1
    assert first.counts.counts["not_found"] == 2  # unknown, and a label not posted yet
    assert {s: _state(h, i) for s, i in ids.items()} == {
        "0": "ready", "1": "ready", "2": "shipped", "3": "delivered", "4": "shipped",
        "5": "returned", "6": "ready"}
    again = h.run(poll_tracking(h.app, "main"))  # within the hour: nothing is asked
    assert again.error is None and box.tracking_requests == 1
    box.advance(box.code("4"), "delivered")
    age_checks(h.app, hours=1.1)
    third = h.run(poll_tracking(h.app, "main"))
    assert third.error is None and box.tracking_requests == 2
    assert _state(h, ids["4"]) == "delivered"


def test_an_expired_token_is_refreshed_once_and_the_poll_goes_on(tmp_path: Path) -> None:
    with SandboxHarness("melhorenvio", tmp_path, SandboxOptions(token_ttl=0.3),
                        flows=("tracking_in",), settings={"requests_per_second": "50"}) as h:
        box: MelhorEnvioSandbox = h.sandbox  # type: ignore[assignment]
        shipped_order(h.app, box.code("3"), "melhorenvio")
        import time

        time.sleep(0.4)
        run = h.run(poll_tracking(h.app, "main"))
        assert run.error is None, run.error
        assert box.tokens.refreshes == 1
        creds = h.app.accounts.load_credentials(h.app.accounts.row("main").id or 0)
        assert creds["refresh_token"] not in {None, ""}


def test_429s_and_5xx_are_retried_and_a_failed_poll_keeps_earlier_events(tmp_path: Path) -> None:
    with SandboxHarness("melhorenvio", tmp_path, SandboxOptions(burst_429=2, burst_at=1,
                                                                retry_after=0.01),
                        flows=("tracking_in",), settings={"requests_per_second": "50"}) as h:
        box: MelhorEnvioSandbox = h.sandbox  # type: ignore[assignment]
        code = box.code("2")
        shipped_order(h.app, code, "Melhor Envio")
        run = h.run(poll_tracking(h.app, "main"))
        assert run.error is None, run.error
        assert box.tracking_requests == 1 and box.stats.rejected_429 == 2
        box.options.error_5xx_every = 1  # the carrier goes down for good
        h.app.accounts.update_settings("main", {"retry_budget_seconds": "0"})
        age_checks(h.app)
        failed = h.run(poll_tracking(h.app, "main"))
        assert failed.status == "failed" and failed.error
        with h.app.db.session() as s:
            assert len(list(s.exec(select(ShipmentEvent)))) == 1
            assert s.exec(select(Shipment)).one().status == "posted"


def test_the_throttle_answers_429_with_laravels_headers(tmp_path: Path) -> None:
    box = MelhorEnvioSandbox(SandboxOptions())
    box.throttle.level = 0
    with box.serve() as url:
        response = httpx.post(f"{url}/api/v2/me/shipment/tracking", json={"orders": [ORDER]},
                              headers={"User-Agent": "x (a@b.c)"})
    assert response.status_code == 429 and response.json() == {"message": "Too Many Attempts."}
    assert response.headers["X-RateLimit-Limit"] == "60" and "Retry-After" in response.headers
