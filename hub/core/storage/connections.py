"""Tables of connections (seed 004: a 3PL serving client stores) and re-imports (seed 000).

* :class:`OrderTerms` records, on each new order, the connection's terms when it
  came in (who is billed for its shipments, which carrier account and shipping
  rules apply, which side handles its support tickets). Changing the account's
  settings later changes new orders only, as the seed says.
* :class:`OrderLink` ties a hub order whose platform key was released (``hub
  orders reference``, or a released order re-imported after a reconnect) to the
  order the next import created for the same platform order.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from hub.core.storage.columns import UTCDateTime, now


class OrderTerms(SQLModel, table=True):
    """The connection's terms as they were when the order was imported."""

    __tablename__ = "order_terms"
    order_id: int = Field(foreign_key="hub_order.id", primary_key=True)
    shipment_billing: str = Field(default="hub", max_length=20)
    tickets_handled_by: str = Field(default="hub", max_length=20)
    carrier_account: str | None = Field(default=None, max_length=200)
    shipping_rules: str | None = Field(default=None, max_length=500)


class OrderLink(SQLModel, table=True):
    """A hub order that gave up its platform key, and the order imported in its place."""

    __tablename__ = "order_link"
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    order_id: int = Field(foreign_key="hub_order.id", index=True)
    """The hub order that now lives under ``reference``."""
    platform_order_id: str = Field(index=True, max_length=100)
    """The platform key it released."""
    reference: str = Field(max_length=100)
    reason: str = Field(default="reference", max_length=20)
    """``reference`` (``hub orders reference``) or ``released`` (``--reimport-released``)."""
    linked_order_id: int | None = Field(default=None, foreign_key="hub_order.id")
    """The order the next import created for ``platform_order_id`` (None until then)."""
    at: datetime = Field(sa_type=UTCDateTime, default_factory=now)
