"""What each sandbox order must parse to: the conformance kit's expected values.

``hub.sandbox.Sandbox.expected_order`` finds this module next to the sandbox.
Everything is read from the order as the sandbox generated it (the REST
shape WooCommerce serves), with the rules the platform documents, never by
calling the plugin's mapping: unit prices are before coupons (line
``subtotal / quantity``), the e-mail is the billing one, the phone the billing
one else the shipping one, and the status is WooCommerce's own.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hub_woocommerce.sandbox.store import WooCommerceSandbox


def _text(value: Any) -> str | None:
    return str(value or "").strip() or None


def expected_order(sandbox: WooCommerceSandbox, platform_order_id: str) -> dict[str, Any] | None:
    """Canonical fields of order ``platform_order_id`` (None when the sandbox has no such order)."""
    order = sandbox.orders.get(int(platform_order_id)) if platform_order_id.isdigit() else None
    if order is None:
        return None
    billing, shipping = order.get("billing") or {}, order.get("shipping") or {}
    return {
        "number": order["number"], "status": order["status"], "currency": order["currency"],
        "email": _text(billing.get("email")),
        "phone": _text(billing.get("phone")) or _text(shipping.get("phone")),
        "total": Decimal(order["total"]), "shipping_total": Decimal(order["shipping_total"]),
        "discount_total": Decimal(order["discount_total"]), "tax_total": Decimal(order["total_tax"]),
        "lines": [{"sku": item["sku"], "quantity": Decimal(item["quantity"]),
                   "unit_price": Decimal(item["subtotal"]) / Decimal(item["quantity"])}
                  for item in order["line_items"]],
    }
