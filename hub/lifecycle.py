"""The order's canonical lifecycle: one state machine for every platform.

Each platform has its own words for where an order is (``processing``,
``ready-for-handling``, ``paid/ready_to_ship``); the hub keeps one canonical
:class:`OrderState` per order beside the platform's own ``status``. A plugin maps
its statuses to these states in both directions, and declares which states it
can write (:class:`hub.PlatformInfo`), so the core can refuse a transition a
platform would refuse, before anything is sent.

The forward path is ``new -> ready -> handling -> invoiced -> shipped ->
delivered``; steps may be skipped (an order is often invoiced and shipped at
once) but never walked back. Off the path: ``cancelled`` (before shipping),
``returned`` (after shipping) and ``released`` (handed back to the client
store by a 3PL's disconnect, before shipping). Those three end the order.
"""

from __future__ import annotations

from enum import StrEnum


class OrderState(StrEnum):
    """Where an order is in its life, in the hub's own words."""

    NEW = "new"
    """Placed on the channel, not yet paid or not yet cleared for fulfilment."""
    READY = "ready"
    """Paid and cleared: the back office may fulfil it (what imports bring in)."""
    HANDLING = "handling"
    """The back office started picking and packing it."""
    INVOICED = "invoiced"
    """An invoice (in Brazil, the authorised NF-e) was issued for it."""
    SHIPPED = "shipped"
    """Handed to the carrier, with a tracking number."""
    DELIVERED = "delivered"
    """The buyer received it."""
    CANCELLED = "cancelled"
    """Cancelled before it shipped (by the buyer, the channel or the back office)."""
    RETURNED = "returned"
    """Came back after it shipped."""
    RELEASED = "released"
    """Handed back to the client store when a 3PL disconnected the account."""


#: the forward path, in order; a move along it may skip steps but never go back
FORWARD: tuple[OrderState, ...] = (
    OrderState.NEW, OrderState.READY, OrderState.HANDLING, OrderState.INVOICED,
    OrderState.SHIPPED, OrderState.DELIVERED,
)

#: states an order never leaves
FINAL: frozenset[OrderState] = frozenset({OrderState.CANCELLED, OrderState.RETURNED,
                                          OrderState.RELEASED})

#: states in which the goods have not left: an order here is still open for the back office
OPEN: frozenset[OrderState] = frozenset(FORWARD[:FORWARD.index(OrderState.SHIPPED)])

#: the state an eligible imported order starts in when its plugin does not say otherwise
IMPORTED = OrderState.READY

SOURCES = frozenset({"platform", "cli", "api", "carrier", "hub", "console"})
"""Who moved an order: the channel (an import or webhook), an admin through the CLI or
the API or the console, a carrier's tracking, or the hub itself (a disconnect, a restock)."""


def refusal(current: OrderState, target: OrderState) -> str | None:
    """Why an order in ``current`` cannot move to ``target``, or None when it can.

    The reason is a sentence an admin can act on, such as ``"order is cancelled:
    a cancelled order cannot be shipped"``. Moving to the state the order is
    already in is refused too (``"order is already shipped"``): callers that
    want idempotence check for equality first.
    """
    if current == target:
        return f"order is already {current}"
    if current in FINAL:
        return f"order is {current}: a {current} order cannot become {target}"
    if target == OrderState.RETURNED:
        if current not in (OrderState.SHIPPED, OrderState.DELIVERED):
            return f"order is {current}: only a shipped or delivered order can be returned"
        return None
    if target in (OrderState.CANCELLED, OrderState.RELEASED):
        if current not in OPEN:
            return (f"order is {current}: it has shipped, so it cannot be {target} "
                    "(record a return instead)")
        return None
    if FORWARD.index(target) < FORWARD.index(current):
        return f"order is {current}: it cannot go back to {target}"
    if target == OrderState.DELIVERED and current != OrderState.SHIPPED:
        return f"order is {current}: it cannot be delivered before it is shipped"
    return None


def parse_state(text: str) -> OrderState:
    """The state named ``text`` (case-insensitive); ValueError naming the valid ones."""
    try:
        return OrderState(text.strip().lower())
    except ValueError:
        names = ", ".join(s.value for s in OrderState)
        raise ValueError(f"unknown order state {text!r}; use one of: {names}") from None
