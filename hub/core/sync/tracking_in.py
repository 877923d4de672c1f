"""Tracking in: carrier accounts read the hub's shipments' progress from the carriers.

A carrier account (a plugin with the ``carrier`` capability, its ``tracking_in``
flow on) tracks the open shipments routed to it: those whose carrier name is one
of the plugin's :attr:`hub.CarrierInfo.names`, or whose tracking number matches
one of its formats. Each run asks the carrier in batches, stores each event once
(per shipment, carrier code and time), keeps the shipment's latest status, adds
the events to the order's feed and moves the order: to ``shipped`` when the
carrier has it and the back office had not said so, to ``delivered`` and
``returned`` when the carrier says so. Subscribers get ``shipment.updated`` and
``order.delivered``.

A shipment no carrier account can track is not ignored: :func:`untracked`
lists it (``hub shipments list --untracked``).
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlmodel import Session, col, or_, select

from hub.core.outbound import enqueue_event
from hub.core.storage.columns import now
from hub.core.storage.models import Account as AccountRow
from hub.core.storage.models import Order, OrderEvent, Shipment
from hub.core.storage.queries import active_accounts
from hub.core.storage.tracking import ShipmentEvent
from hub.core.sync import runs
from hub.core.sync.lifecycle import FLOW as STATUS_FLOW
from hub.core.sync.lifecycle import change_state, current_state, state_payload, writable
from hub.core.sync.orders import check_flow
from hub.core.sync.push import enqueue
from hub.errors import ConfigError, HubError
from hub.lifecycle import OPEN, OrderState, refusal
from hub.settings import TRACKING_MAX_AGE_DAYS
from hub.types import Capability, CarrierInfo, ShipmentRef, TrackingStatus, TrackingUpdate

if TYPE_CHECKING:
    from hub.core.app import HubApp

log = logging.getLogger("hub.tracking")

#: statuses after which a shipment is not asked about again
FINAL = frozenset({TrackingStatus.DELIVERED.value, TrackingStatus.RETURNED.value})
#: statuses that prove the carrier holds the parcel (the order has shipped)
WITH_CARRIER = frozenset(TrackingStatus) - {TrackingStatus.EXCEPTION}
#: shipments older than this are not tracked any more (a parcel lost for good); each
#: carrier account may say otherwise with its ``tracking_max_age_days`` setting
TRACK_DAYS = TRACKING_MAX_AGE_DAYS
#: shipments asked about per run and carrier account (the oldest-checked first)
PER_RUN = 2000
NEW_EVENTS, NOT_FOUND = "new_events", "not_found"


@dataclass
class TrackRun:
    run_id: int
    counts: runs.RunCounts
    status: str
    error: str | None = None

    def summary(self) -> str:
        return self.counts.summary()


class Router:
    """Which shipments a carrier tracks: by carrier name, or by tracking-number format."""

    def __init__(self, info: CarrierInfo) -> None:
        self.names = {n.casefold() for n in info.names}
        self.formats = [re.compile(f) for f in info.tracking_formats]

    def tracks(self, carrier: str, tracking_number: str) -> bool:
        return carrier.strip().casefold() in self.names or any(
            f.fullmatch(tracking_number.strip()) for f in self.formats)


def carrier_info(app: HubApp, platform: str) -> CarrierInfo:
    info = app.host.info(platform)
    if Capability.CARRIER not in info.capabilities or info.carrier is None:
        raise ConfigError(f"{info.display_name} is not a carrier plugin; tracking in needs one",
                          hint="see: hub plugins list")
    carrier: CarrierInfo = info.carrier
    return carrier


def _open_shipments(s: Session, max_age_days: int = TRACK_DAYS) -> list[Shipment]:
    since = now() - timedelta(days=max_age_days)
    return list(s.exec(select(Shipment).where(
        or_(col(Shipment.status).is_(None), col(Shipment.status).not_in(FINAL)),
        Shipment.created_at >= since)
        .order_by(col(Shipment.checked_at).is_not(None), col(Shipment.checked_at),
                  col(Shipment.id))))


def routed(s: Session, router: Router, limit: int = PER_RUN, *, max_age_days: int = TRACK_DAYS,
           min_interval: int = 0) -> list[Shipment]:
    """The open shipments ``router`` tracks, the least recently checked first.

    Shipments recorded more than ``max_age_days`` ago are left alone, and so are those
    checked less than ``min_interval`` seconds ago (the carrier's cache:
    :attr:`hub.CarrierInfo.min_poll_interval`).
    """
    fresh = now() - timedelta(seconds=min_interval) if min_interval else None
    return [sh for sh in _open_shipments(s, max_age_days)
            if router.tracks(sh.carrier, sh.tracking_number)
            and (fresh is None or sh.checked_at is None or _aware(sh.checked_at) <= fresh)
            ][:limit]


def _aware(at: datetime) -> datetime:
    """A stored time as UTC-aware (SQLite hands back naive datetimes)."""
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def untracked(app: HubApp) -> list[Shipment]:
    """Open shipments that no enabled carrier account with ``tracking_in`` on can track."""
    with app.db.session() as s:
        carriers = active_accounts(s, "tracking_in")
    routers = []
    for row in carriers:
        try:
            routers.append(Router(carrier_info(app, row.platform)))
        except HubError:  # its plugin was uninstalled, or is no carrier
            continue
    with app.db.session() as s:
        return [sh for sh in _open_shipments(s)
                if not any(r.tracks(sh.carrier, sh.tracking_number) for r in routers)]


def tracking_problem(app: HubApp, carrier: str, tracking_number: str) -> str | None:
    """What the named carrier says is wrong with ``tracking_number`` (None: nothing).

    Asks every enabled carrier account whose plugin's names include ``carrier``
    (``hub.CarrierInfo.names``, case-insensitive) through ``check_tracking_number``;
    a shipment of a carrier no account knows is not checked.
    """
    with app.db.session() as s:
        rows = active_accounts(s)
    named = carrier.strip().casefold()
    for row in rows:
        try:
            info = carrier_info(app, row.platform)
        except HubError:  # a sales channel, or an uninstalled plugin
            continue
        if named not in {n.casefold() for n in info.names}:
            continue
        problem = app.host.check_tracking_number(app.accounts.open(row), tracking_number.strip())
        if problem:
            return problem
    return None


async def poll_tracking(app: HubApp, name: str, *, trigger: str = "manual") -> TrackRun:
    """Ask carrier account ``name``'s carrier about its open shipments and apply the answers.

    A scheduled run with nothing to track records no run (status ``idle``).
    """
    row = app.accounts.row(name)
    check_flow(row, "tracking_in")
    info = carrier_info(app, row.platform)
    router = Router(info)
    account = app.accounts.open(row)
    account_id = row.id or 0
    async with app.accounts.lease(f"run:tracking_in:{account_id}", ttl=120, wait=0):
        with app.db.session() as s:
            shipments = [(sh.id or 0, sh.tracking_number, sh.carrier, sh.tracking_url)
                         for sh in routed(s, router, max_age_days=account.core.tracking_max_age_days,
                                          min_interval=info.min_poll_interval)]
            if not shipments and trigger == "scheduled":
                runs.note_idle(account_id, "tracking_in")
                return TrackRun(run_id=0, counts=runs.RunCounts(), status="idle")
            run_id = runs.start_run(s, account_id, "tracking_in", trigger).id or 0
        counts = runs.RunCounts()
        error: str | None = None
        try:
            for start in range(0, len(shipments), info.batch_size):
                batch = shipments[start:start + info.batch_size]
                refs = [ShipmentRef(carrier=carrier, tracking_number=number, tracking_url=url)
                        for _, number, carrier, url in batch]
                updates = await app.host.track_shipments(account, refs)
                with app.db.session() as s:
                    apply_updates(s, app, row, run_id, batch, list(updates), counts)
        except HubError as exc:
            error = str(exc)
        run = await runs.end(app.db, run_id, counts, error)
        if error:
            app.host.sync_failed(account, "tracking_in", run_id, error)
        return TrackRun(run_id=run_id, counts=counts, status=run.status, error=error)


def apply_updates(s: Session, app: HubApp, carrier_row: AccountRow, run_id: int,
                  batch: list[tuple[int, str, str, str | None]], updates: list[TrackingUpdate],
                  counts: runs.RunCounts) -> None:
    """Store the carrier's answers for ``batch`` (shipment id, number, carrier, url) in one
    transaction: new events, shipment status, order feed and state, outbound events."""
    by_number: dict[str, list[int]] = defaultdict(list)
    for shipment_id, number, _, _ in batch:
        by_number[number.strip().upper()].append(shipment_id)
    answered: set[str] = set()
    for update in updates:
        number = update.tracking_number.strip().upper()
        for shipment_id in by_number.get(number, []):
            answered.add(number)
            shipment = s.get(Shipment, shipment_id)
            if shipment is None:  # deleted with its order meanwhile
                continue
            shipment.checked_at = now()
            s.add(shipment)
            if not update.found:
                counts.add(NOT_FOUND)
                runs.record_item(s, run_id, carrier_row.id or 0, number, NOT_FOUND,
                                 update.message or "the carrier does not know this number yet")
                continue
            fresh = _store_events(s, app, carrier_row, shipment, update)
            counts.add(NEW_EVENTS if fresh else runs.UNCHANGED)
    for number, ids in by_number.items():  # numbers the plugin did not answer for
        if number not in answered:
            counts.add(NOT_FOUND)
            runs.record_item(s, run_id, carrier_row.id or 0, number, NOT_FOUND,
                             "the carrier plugin returned nothing for this number")
            for shipment_id in ids:
                shipment = s.get(Shipment, shipment_id)
                if shipment is not None:
                    shipment.checked_at = now()
                    s.add(shipment)


def _store_events(s: Session, app: HubApp, carrier_row: AccountRow, shipment: Shipment,
                  update: TrackingUpdate) -> int:
    """Insert the events not stored yet; move the shipment and its order. Returns how many."""
    known = {(code, at) for code, at in s.exec(
        select(ShipmentEvent.code, ShipmentEvent.at)
        .where(ShipmentEvent.shipment_id == shipment.id))}
    events = sorted(update.events, key=lambda e: e.at)
    fresh = [e for e in events if (e.code, e.at) not in known]
    if not fresh:
        return 0
    order = s.get(Order, shipment.order_id)
    assert order is not None
    for event in fresh:
        s.add(ShipmentEvent(shipment_id=shipment.id or 0, account_id=carrier_row.id or 0,
                            at=event.at, status=event.status.value, code=event.code,
                            text=event.text, location=event.location))
        where = f" ({event.location})" if event.location else ""
        s.add(OrderEvent(order_id=order.id or 0, kind="tracking", source="carrier",
                         message=f"{shipment.tracking_number} {event.status}: {event.text}{where}"))
    latest = max(events, key=lambda e: e.at)
    shipment.status, shipment.status_at = latest.status.value, latest.at
    s.add(shipment)
    _move_order(s, app, order, latest.status, shipment.tracking_number)
    account = s.get(AccountRow, order.account_id)
    assert account is not None
    payload = {"shipment": {"id": shipment.id, "carrier": shipment.carrier,
                            "tracking_number": shipment.tracking_number,
                            "status": shipment.status, "status_at": shipment.status_at,
                            "events": [e.model_dump(mode="json") for e in fresh]}}
    enqueue_event(s, account, "shipment.updated", order.id or 0, payload)
    if latest.status is TrackingStatus.DELIVERED:
        enqueue_event(s, account, "order.delivered", order.id or 0, payload)
    return len(fresh)


def _tell_channel(s: Session, app: HubApp, order: Order, target: OrderState, old: OrderState,
                  reason: str) -> None:
    account = s.get(AccountRow, order.account_id)
    if account is None or not account.flow_status:
        return
    info = app.host.info(order.platform)
    cannot = writable(info, target)
    if cannot is not None:
        s.add(OrderEvent(order_id=order.id or 0, kind="state", source="carrier",
                         message=f"{target} not sent to the channel: {cannot}"))
        return
    enqueue(s, account.id or 0, STATUS_FLOW, str(order.id),
            state_payload(order, target, old, reason))


def _move_order(s: Session, app: HubApp, order: Order, status: TrackingStatus,
                number: str) -> None:
    """Follow the carrier: shipped once it holds the parcel, then delivered or returned; a
    delivered or returned order is queued for its sales channel when the account's status
    flow is on and the platform can be told (the loop closes)."""
    reason = f"carrier tracking {number}"
    if status in WITH_CARRIER and current_state(order) in OPEN:
        change_state(s, order, OrderState.SHIPPED, "carrier", reason)
    target = {TrackingStatus.DELIVERED: OrderState.DELIVERED,
              TrackingStatus.RETURNED: OrderState.RETURNED}.get(status)
    if target is None or current_state(order) == target:
        return
    why = refusal(current_state(order), target)
    if why is None:
        old = change_state(s, order, target, "carrier", reason)
        _tell_channel(s, app, order, target, old, reason)
    else:  # e.g. the back office cancelled it: say so in the feed, change nothing
        s.add(OrderEvent(order_id=order.id or 0, kind="tracking", source="carrier",
                         message=f"carrier says {status} but the order stays: {why}"))
