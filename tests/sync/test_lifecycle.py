"""The canonical order state machine: which moves are allowed, and that each move is an event."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlmodel import select

from hub import OrderState, parse_state
from hub.core.storage.db import Database
from hub.core.storage.models import Account, Order, OrderEvent
from hub.core.sync.lifecycle import TransitionRefused, change_state
from hub.lifecycle import refusal

S = OrderState


@pytest.mark.parametrize(("current", "target"), [
    (S.NEW, S.READY), (S.READY, S.HANDLING), (S.READY, S.SHIPPED), (S.HANDLING, S.INVOICED),
    (S.INVOICED, S.SHIPPED), (S.SHIPPED, S.DELIVERED), (S.READY, S.CANCELLED),
    (S.INVOICED, S.CANCELLED), (S.SHIPPED, S.RETURNED), (S.DELIVERED, S.RETURNED),
    (S.HANDLING, S.RELEASED),
])
def test_allowed_moves(current: OrderState, target: OrderState) -> None:
    assert refusal(current, target) is None


@pytest.mark.parametrize(("current", "target", "why"), [
    (S.CANCELLED, S.SHIPPED, "a cancelled order cannot become shipped"),
    (S.SHIPPED, S.CANCELLED, "record a return instead"),
    (S.READY, S.DELIVERED, "cannot be delivered before it is shipped"),
    (S.SHIPPED, S.READY, "cannot go back to ready"),
    (S.READY, S.RETURNED, "only a shipped or delivered order can be returned"),
    (S.SHIPPED, S.SHIPPED, "already shipped"),
    (S.RELEASED, S.READY, "a released order cannot become ready"),
    (S.DELIVERED, S.RELEASED, "it has shipped"),
])
def test_refused_moves_say_why(current: OrderState, target: OrderState, why: str) -> None:
    reason = refusal(current, target)
    assert reason is not None and why in reason


def test_parse_state_names_the_valid_states() -> None:
    assert parse_state(" Shipped ") is S.SHIPPED
    with pytest.raises(ValueError, match="use one of: new, ready"):
        parse_state("sent")


def test_change_state_records_the_source_and_refuses_without_writing(db_url: str) -> None:
    db = Database(db_url)
    with db.session() as s:
        s.add(Account(name="a", platform="p"))
        s.flush()
        order = Order(account_id=1, platform="p", platform_order_id="1", status="paid",
                      platform_created_at=datetime(2026, 1, 1, tzinfo=UTC),
                      platform_updated_at=datetime(2026, 1, 1, tzinfo=UTC),
                      currency="USD", total=Decimal("1"), fingerprint="x")
        s.add(order)
        s.flush()
        assert order.state == "ready"  # what an import brings in
        assert change_state(s, order, S.CANCELLED, "cli", reason="buyer asked") is S.READY
    with db.session() as s:
        order = s.exec(select(Order)).one()
        assert order.state == "cancelled"
        with pytest.raises(TransitionRefused, match="a cancelled order cannot become shipped"):
            change_state(s, order, S.SHIPPED, "api")
        with pytest.raises(ValueError, match="unknown source"):
            change_state(s, order, S.RETURNED, "someone")
    with db.session() as s:
        events = s.exec(select(OrderEvent)).all()
    assert [(e.kind, e.message, e.source) for e in events] == [
        ("state", "ready -> cancelled: buyer asked", "cli")]
    db.dispose()
