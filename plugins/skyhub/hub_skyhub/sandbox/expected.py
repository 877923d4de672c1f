"""What each sandbox order must parse to: the conformance kit's expected values.

Read from the order as the sandbox serves it, with SkyHub's documented meaning of its fields
(never through the plugin's mapping): the unit price is the item's ``special_price``, the total
``total_ordered``, shipping ``shipping_cost``, the discount ``discount``; SkyHub's prices
include taxes (no tax line); the status is ``status.code``; the number is the code after its
channel.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hub_skyhub.sandbox.store import SkyhubSandbox


def expected_order(sandbox: SkyhubSandbox, platform_order_id: str) -> dict[str, Any] | None:
    """Canonical fields of order ``platform_order_id`` (None when the sandbox has no such order)."""
    order = sandbox.orders.get(platform_order_id)
    if order is None:
        return None
    customer = order["customer"]
    first, _, last = customer["name"].partition(" ")
    return {
        "number": order["code"].split("-", 1)[1], "status": order["status"]["code"],
        "currency": sandbox.currency, "email": customer["email"], "phone": customer["phones"][0],
        "first_name": first, "last_name": last,
        "total": Decimal(str(order["total_ordered"])),
        "shipping_total": Decimal(str(order["shipping_cost"])),
        "discount_total": Decimal(str(order["discount"])), "tax_total": Decimal("0"),
        "lines": [{"sku": item["id"], "quantity": Decimal(item["qty"]),
                   "unit_price": Decimal(str(item["special_price"]))} for item in order["items"]],
    }
