"""Moving an order through its canonical lifecycle, with one event per move.

Every change of :class:`hub.OrderState` goes through :func:`change_state`: it
refuses the moves :func:`hub.lifecycle.refusal` refuses (shipping a cancelled
order, delivering what never shipped), and records an ``order_event`` of kind
``state`` naming the source (platform, cli, api, carrier, hub), so the order's
feed shows who moved it and why.
"""

from __future__ import annotations

from sqlmodel import Session

from hub.core.storage.models import Order, OrderEvent
from hub.errors import ConfigError
from hub.lifecycle import SOURCES, OrderState, refusal


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
    s.add(order)
    message = f"{old} -> {target}" + (f": {reason}" if reason else "")
    s.add(OrderEvent(order_id=order.id or 0, kind="state", message=message, source=source))
    return old
