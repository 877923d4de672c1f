"""Moving an order through its canonical lifecycle, with one event per move.

Every change of :class:`hub.OrderState` goes through :func:`change_state`: it
refuses the moves :func:`hub.lifecycle.refusal` refuses (shipping a cancelled
order, delivering what never shipped), and records an ``order_event`` of kind
``state`` naming the source (platform, cli, api, carrier, hub), so the order's
feed shows who moved it and why.

Around it, the two directions of the flow:

* **platform -> hub** (:func:`follow_platform`, called by the order import): a new
  platform status moves the state by the plugin's ``PlatformInfo.order_states``; a
  move the lifecycle refuses is recorded as an event, never an error. A cancellation
  or refund after the stock was deducted raises an alert (a run item, the
  ``hub_restock_pending`` metric, the outbound ``order.cancelled`` event) and the
  stock comes back only when an admin confirms (:func:`restock`). A status named by
  the account's ``apply_on`` setting applies the sale in the hub (deducts its stock).
* **hub -> platform** (:func:`request_state`): an admin's move (CLI or API) is
  checked against the lifecycle and against what the platform can write
  (``PlatformInfo.writes_states``), recorded, and queued in the outbox as kind
  ``status`` when the account's status flow is on. A state the platform cannot
  write is refused, naming the platform; nothing is faked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, col, select

from hub.core import outbound
from hub.core.storage.columns import now
from hub.core.storage.models import Account as AccountRow
from hub.core.storage.models import Order, OrderEvent, StockReservation
from hub.errors import ConfigError
from hub.lifecycle import FINAL, IMPORTED, OPEN, SOURCES, OrderState, refusal
from hub.types import PlatformInfo, StateUpdate

if TYPE_CHECKING:
    from hub.core.app import HubApp

#: the outbox kind (and flow) of state pushes
FLOW = "status"
#: run item outcome of a platform change that needs an admin (a cancellation after deduction)
ALERT = "alert"
#: states whose stock an admin may give back (the goods did not go, or came back)
RESTOCKABLE = frozenset({OrderState.CANCELLED, OrderState.RETURNED, OrderState.RELEASED})
#: states a status push never carries: each has its own command and hook
NOT_PUSHED = {OrderState.SHIPPED: "ship it with: hub orders ship ID --carrier C --tracking N "
                                  "(its tracking goes to the platform)"}


class TransitionRefused(ConfigError):
    """The order cannot move to that state from where it is; the message says why."""


def current_state(order: Order) -> OrderState:
    """The order's canonical state (rows written before states existed read as ``ready``)."""
    return OrderState(order.state or OrderState.READY)


def change_state(s: Session, order: Order, target: OrderState, source: str,
                 reason: str | None = None) -> OrderState:
    """Move ``order`` to ``target`` and record the event; return the state it left.

    Raises :class:`TransitionRefused` (exit code 2, nothing written) when the move is
    not allowed, including a move to the state the order is already in. The caller
    commits the session.
    """
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}; use one of {sorted(SOURCES)}")
    old = current_state(order)
    why = refusal(old, target)
    if why is not None:
        raise TransitionRefused(f"order {order.id}: {why}")
    order.state = target.value
    order.updated_at = now()
    s.add(order)
    message = f"{old} -> {target}" + (f": {reason}" if reason else "")
    s.add(OrderEvent(order_id=order.id or 0, kind="state", message=message, source=source))
    return old


def state_for(info: PlatformInfo, status: str) -> OrderState | None:
    """The canonical state a platform ``status`` means, or None when the plugin maps none."""
    return info.order_states.get(status)


def imported_state(info: PlatformInfo, status: str) -> OrderState:
    """The state a newly imported order starts in: its status's, else ``ready``."""
    return state_for(info, status) or IMPORTED


def _event(s: Session, order: Order, kind: str, message: str, source: str) -> None:
    s.add(OrderEvent(order_id=order.id or 0, kind=kind, message=message, source=source))


# --- stock given back, on an admin's word ---------------------------------------------

def reserved(s: Session, order_id: int) -> list[StockReservation]:
    """The order's stock debits still held (quantity > 0)."""
    return list(s.exec(select(StockReservation).where(StockReservation.order_id == order_id,
                                                      col(StockReservation.quantity) > 0)).all())


def restock_pending(s: Session, order: Order) -> bool:
    """True when the order ended (cancelled, returned, released) after its stock was deducted
    and an admin has not yet given the stock back."""
    return (order.stock_deducted_at is not None and current_state(order) in RESTOCKABLE
            and bool(reserved(s, order.id or 0)))


def release(s: Session, order_id: int) -> int:
    """Give back every unit the order still holds; return the units given back."""
    from hub.core.sync.stock import debit_level

    units = 0
    for res in reserved(s, order_id):
        debit_level(s, res.product_id, res.warehouse_id, -res.quantity)
        units += res.quantity
        res.quantity = 0
        s.add(res)
    return units


@dataclass
class Restocked:
    order_id: int
    units: int


def restock(app: HubApp, order_id: int, source: str = "cli") -> Restocked:
    """Give an ended order's deducted stock back to its warehouse (the admin's confirmation).

    Refused when the order has not ended (a live order keeps its stock), when its stock
    was never deducted (it came back by itself) or when it was given back already.
    """
    from hub.core.sync.fulfilment import get_order

    with app.db.session() as s:
        order = get_order(s, order_id)
        state = current_state(order)
        if state not in RESTOCKABLE:
            raise TransitionRefused(
                f"order {order_id} is {state}: only a cancelled, returned or released order's "
                "stock can be given back", hint=f"cancel it first: hub orders cancel {order_id} "
                                                "--reason TEXT")
        if not reserved(s, order_id):
            raise TransitionRefused(f"order {order_id} holds no stock to give back (never "
                                    "deducted, or given back already)")
        units = release(s, order_id)
        _event(s, order, "restocked", f"{units} unit(s) given back to stock", source)
        order.updated_at = now()
        s.add(order)
    return Restocked(order_id=order_id, units=units)


# --- platform -> hub ------------------------------------------------------------------

@dataclass
class Followed:
    """What a platform status change did to a hub order."""

    moved: OrderState | None = None  # the new state, when the order moved
    refused: str | None = None  # why the lifecycle refused the platform's move
    alert: str | None = None  # a change that needs an admin (restock after deduction)
    applied: bool = False  # the account's apply_on status deducted the order's stock


def follow_platform(s: Session, account: AccountRow, info: PlatformInfo, order: Order,
                    status: str, apply_on: list[str] | None = None) -> Followed:
    """Bring the hub's state of ``order`` in line with the platform's new ``status``.

    The caller has already stored ``status`` on the row (or will); this moves the
    canonical state (source ``platform``), records a refused move as an ``ignored``
    event, and handles what a move means: a cancellation before deduction gives the
    stock back, after deduction it raises an alert and waits for :func:`restock`;
    a status in ``apply_on`` deducts the order's stock.
    """
    done = Followed()
    target = state_for(info, status)
    old = current_state(order)
    if target == OrderState.CANCELLED and old in (OrderState.SHIPPED, OrderState.DELIVERED):
        target = OrderState.RETURNED  # cancelled or refunded after it shipped: it came back
    if target is not None and target != old:
        why = refusal(old, target)
        if why is not None:
            done.refused = why
            _event(s, order, "ignored", f"{info.display_name} status '{status}' means {target}, "
                                        f"not applied: {why}", "platform")
        else:
            change_state(s, order, target, "platform", f"{info.display_name} status '{status}'")
            done.moved = target
            if target in RESTOCKABLE:
                done.alert = _ended(s, account, order, old, target, "platform",
                                    f"{info.display_name} status '{status}'")
    if apply_on and status in apply_on and order.stock_deducted_at is None \
            and current_state(order) not in FINAL:
        from hub.core.sync.fulfilment import deduct_in

        deduct_in(s, order, account, "platform",
                  f"the sale was finalised on {info.display_name} (status '{status}')")
        done.applied = True
    return done


def _ended(s: Session, account: AccountRow, order: Order, old: OrderState, target: OrderState,
           source: str, reason: str | None) -> str | None:
    """Stock and alerts when ``order`` just ended (cancelled, returned, released).

    Before deduction the hub's debit goes back at once (the order never really took
    the goods); after deduction the goods may be packed or gone, so the hub records
    an alert and waits for the admin (:func:`restock`). Either way subscribers get
    ``order.cancelled``. :return: the alert text, or None.
    """
    alert = None
    if order.stock_deducted_at is None:
        release(s, order.id or 0)
    elif reserved(s, order.id or 0):
        alert = (f"{target} after its stock was deducted; give the stock back with: "
                 f"hub orders restock {order.id}")
        _event(s, order, "alert", alert, source)
    if target == OrderState.CANCELLED:
        outbound.enqueue_state_event(s, account, order, "order.cancelled", {
            "previous": str(old), "reason": reason, "source": source,
            "restock_pending": alert is not None})
    return alert


# --- hub -> platform ----------------------------------------------------------------

@dataclass
class StateRequested:
    """What :func:`request_state` did."""

    order_id: int
    previous: OrderState
    state: OrderState
    queued: bool  # a status push was queued for the platform
    note: str  # what happens on the platform, in words
    restock_pending: bool = False


def writable(info: PlatformInfo, target: OrderState) -> str | None:
    """Why the platform cannot be told ``target``, or None when it can."""
    if target in NOT_PUSHED:
        return None
    if target not in info.writes_states:
        can = ", ".join(str(w) for w in info.writes_states) or "none"
        return (f"{info.display_name} cannot set an order to {target} through its API "
                f"(it can: {can})")
    return None


def state_payload(order: Order, target: OrderState, previous: OrderState,
                  reason: str | None) -> dict[str, Any]:
    update = StateUpdate(platform_order_id=order.platform_order_id, state=target, reason=reason,
                         platform_status=order.status, previous=previous)
    return update.model_dump(mode="json")


def request_state(app: HubApp, order_id: int, target: OrderState, *, source: str,
                  reason: str | None = None, local: bool = False) -> StateRequested:
    """An admin moves an order (CLI or API): checked, recorded, and queued for the platform.

    :param local: record the move in the hub only, even when the platform could be told
        (or cannot): the status flow sends nothing for it.
    :raises TransitionRefused: the lifecycle refuses the move, ``shipped`` was asked
        (it needs a shipment), or the status flow is on and the platform cannot write
        ``target`` (unless ``local``). Nothing is written then.
    """
    from hub.core.sync.fulfilment import get_order
    from hub.core.sync.push import enqueue

    if target in NOT_PUSHED:
        raise TransitionRefused(f"order {order_id}: {target} is not set by hand; "
                                f"{NOT_PUSHED[target].replace('ID', str(order_id))}")
    if target == OrderState.CANCELLED and not (reason or "").strip():
        raise ConfigError("a cancellation needs a reason (--reason TEXT)")
    with app.db.session() as s:
        order = get_order(s, order_id)
        account = s.get(AccountRow, order.account_id)
        assert account is not None
        info = app.host.info(order.platform)
        old = current_state(order)
        why = refusal(old, target)
        if why is not None:
            raise TransitionRefused(f"order {order_id}: {why}")
        flow_on = bool(account.flow_status)
        cannot = writable(info, target)
        if flow_on and cannot and not local:
            raise TransitionRefused(f"order {order_id}: {cannot}; nothing was changed",
                                    hint="record it in the hub only with --local "
                                         "(API: \"local\": true)")
        change_state(s, order, target, source, reason)
        pending = False
        if target in RESTOCKABLE:
            pending = _ended(s, account, order, old, target, source, reason) is not None
        queued = flow_on and not local and cannot is None
        if queued:
            enqueue(s, account.id or 0, FLOW, str(order.id),
                    state_payload(order, target, old, reason))
            note = f"queued for {info.display_name} (hub orders push, or the daemon, sends it)"
        elif local:
            note = "recorded in the hub only (--local)"
        elif not flow_on:
            note = (f"the status flow is off for account '{account.name}', so "
                    f"{info.display_name} is not told")
        else:
            note = f"recorded in the hub only: {cannot}"
    return StateRequested(order_id=order_id, previous=old, state=target, queued=queued,
                          note=note, restock_pending=pending)


def pending_restocks(s: Session) -> list[Order]:
    """Ended orders whose deducted stock waits for an admin's ``hub orders restock``."""
    ended = [str(state) for state in RESTOCKABLE]
    rows = s.exec(select(Order).where(col(Order.state).in_(ended),
                                      col(Order.stock_deducted_at).is_not(None))).all()
    return [row for row in rows if reserved(s, row.id or 0)]


def is_open(order: Order) -> bool:
    """The goods have not left: the order may still be cancelled or released."""
    return current_state(order) in OPEN
