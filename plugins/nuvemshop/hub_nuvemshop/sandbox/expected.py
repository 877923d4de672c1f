"""What each generated sandbox order must parse to: the conformance kit's expected values.

Computed from the sandbox's own data, never through the plugin's mapping.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hub_nuvemshop.sandbox.store import NuvemshopSandbox


def _status(order: dict[str, Any]) -> str:
    if order["status"] == "cancelled":
        return "cancelled"
    if order["payment_status"] in ("refunded", "voided"):
        return str(order["payment_status"])
    if order["status"] == "closed":
        return "closed"
    if order["shipping_status"] in ("shipped", "fulfilled"):
        return "fulfilled"
    if order["shipping_status"] in ("unshipped", "unfulfilled"):
        return "packed"
    return str(order["payment_status"])


def expected_order(sandbox: NuvemshopSandbox, platform_order_id: str) -> dict[str, Any] | None:
    """The canonical fields of order ``platform_order_id`` (None when there is none)."""
    order = sandbox.orders.get(platform_order_id)
    if order is None:
        return None
    buyer = order["customer"]
    first, _, last = buyer["name"].partition(" ")
    return {
        "number": str(order["number"]), "status": _status(order), "currency": order["currency"],
        "email": buyer["email"], "phone": buyer["phone"], "first_name": first, "last_name": last,
        "total": Decimal(order["total"]), "subtotal": Decimal(order["subtotal"]),
        "shipping_total": Decimal(order["shipping_cost_customer"]),
        "discount_total": Decimal(order["discount"]),
        "lines": [{"sku": line["sku"], "quantity": Decimal(line["quantity"]),
                   "unit_price": Decimal(line["price"])} for line in order["products"]],
    }
