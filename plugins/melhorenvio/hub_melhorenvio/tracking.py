"""Melhor Envio's tracking answers as the hub's tracking.

``POST /api/v2/me/shipment/tracking {"orders": ["<order id>", ...]}`` answers an
object keyed by order id: ``{id, protocol, status, tracking (the carrier's code),
melhorenvio_tracking, created_at, paid_at, generated_at, posted_at,
delivered_at, canceled_at, expired_at}`` (times ``2026-10-05 14:32:00``,
Brasília, no zone), from a cache of up to an hour. It reports the label's
lifecycle, not the carrier's scans: each ``*_at`` time becomes one event, and a
current status without a time of its own (``undelivered``) one event a second
after the latest time the answer has, so the same answer always gives the same events.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from hub import Account, ShipmentRef, TrackingEvent, TrackingStatus, TrackingUpdate, json_object
from hub_melhorenvio.client import api

BRASILIA = timezone(timedelta(hours=-3), "BRT")
S = TrackingStatus
#: the label statuses Melhor Envio reports once the carrier has the parcel, as the hub's
STATUSES: dict[str, TrackingStatus] = {
    "posted": S.POSTED, "delivered": S.DELIVERED, "undelivered": S.DELIVERY_FAILED,
    "canceled": S.EXCEPTION, "cancelled": S.EXCEPTION, "expired": S.EXCEPTION,
    "returned": S.RETURNED, "paused": S.EXCEPTION, "suspended": S.EXCEPTION,
}
#: before posting: a label in the cart, paid or printed, not yet with a carrier
NOT_POSTED = frozenset({"pending", "released", "generated"})
TEXT = {"posted": "Envio postado", "delivered": "Envio entregue",
        "undelivered": "Envio não entregue", "canceled": "Envio cancelado",
        "cancelled": "Envio cancelado", "expired": "Etiqueta expirada",
        "returned": "Envio devolvido ao remetente", "paused": "Envio pausado",
        "suspended": "Envio suspenso"}
UNTIMED_AFTER = timedelta(seconds=1)
"""A status without a time of its own is placed this long after the answer's latest time."""
TIMES = (("posted_at", "posted"), ("delivered_at", "delivered"), ("canceled_at", "canceled"),
         ("expired_at", "expired"))
ANY_TIME = ("created_at", "paid_at", "generated_at", "posted_at", "delivered_at", "canceled_at",
            "expired_at")


def status_of(status: str) -> TrackingStatus:
    """The hub's status for Melhor Envio label status ``status``; one this table does not
    know is ``in_transit`` (never a delivery Melhor Envio did not report)."""
    return STATUSES.get(status, S.IN_TRANSIT)


def parse_time(value: str) -> datetime:
    """A Melhor Envio time (``2026-10-05 14:32:00``, Brasília, or ISO with a zone), aware."""
    parsed = datetime.fromisoformat(value.replace(" ", "T", 1))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=BRASILIA)


def _event(status: str, at: datetime, carrier_code: str | None) -> TrackingEvent:
    text = TEXT.get(status, f"Status {status}")
    return TrackingEvent(at=at, status=status_of(status), code=status,
                         text=f"{text} ({carrier_code})" if carrier_code else text)


def to_update(order_id: str, body: Mapping[str, Any] | None) -> TrackingUpdate:
    """One order's tracking answer (``None``: Melhor Envio left it out) as an update."""
    if not body:
        return TrackingUpdate(tracking_number=order_id, found=False,
                              message="Melhor Envio does not know this order id")
    status = str(body.get("status") or "")
    if status in NOT_POSTED:
        return TrackingUpdate(tracking_number=order_id, found=False,
                              message=f"the label is {status}, not posted yet")
    carrier_code = str(body["tracking"]) if body.get("tracking") else None
    events = [_event(name, parse_time(str(body[key])), carrier_code)
              for key, name in TIMES if body.get(key)]
    if status and status not in {e.code for e in events}:
        times = [parse_time(str(body[k])) for k in ANY_TIME if body.get(k)]
        if times:
            events.append(_event(status, max(times) + UNTIMED_AFTER, carrier_code))
    return TrackingUpdate(tracking_number=order_id, events=events)


async def track(account: Account, shipments: list[ShipmentRef]) -> list[TrackingUpdate]:
    """One tracking request for these shipments' order ids."""
    ids = [sh.tracking_number.strip().lower() for sh in shipments]
    response = await api(account).post("shipment/tracking", json={"orders": ids},
                                       idempotent=True)
    body = json_object(response, "POST shipment/tracking")
    answers = {str(k).lower(): v for k, v in body.items() if isinstance(v, dict)}
    return [to_update(sh.tracking_number.strip().upper(), answers.get(i))
            for sh, i in zip(shipments, ids, strict=True)]
