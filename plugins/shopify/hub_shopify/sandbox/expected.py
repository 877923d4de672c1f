"""What each sandbox order must parse to: the conformance kit's expected values.

``hub.sandbox.Sandbox.expected_order`` finds this module next to the sandbox.
Everything is read from the shop's own generated records (never through the
plugin's mapping), with Shopify's documented rules: money in the shop's
currency (``shopMoney``), lines at their current quantity (removed lines left
out) and original unit price, the status ``cancelled`` or
``<financial>/<fulfillment>`` in lower case.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hub_shopify.sandbox.shop import ShopifySandbox

FULFILLMENT = {"UNFULFILLED": "unfulfilled", "PARTIALLY_FULFILLED": "partially_fulfilled",
               "FULFILLED": "fulfilled", "ON_HOLD": "unfulfilled"}


def _shop(bag: dict[str, Any]) -> Decimal:
    return Decimal(bag["shopMoney"]["amount"])


def expected_order(sandbox: ShopifySandbox, platform_order_id: str) -> dict[str, Any] | None:
    """Canonical fields of order ``platform_order_id`` (None when the shop has no such order)."""
    order = sandbox.store.orders.get(f"gid://shopify/Order/{platform_order_id}")
    if order is None:
        return None
    status = "cancelled" if order["cancelledAt"] else (
        f"{order['displayFinancialStatus'].lower()}/"
        f"{FULFILLMENT.get(order['displayFulfillmentStatus'], 'unfulfilled')}")
    lines = [sandbox.store.line_items[gid] for gid in order["_lines"]]
    expected: dict[str, Any] = {
        "number": order["name"], "status": status, "currency": order["currencyCode"],
        "total": _shop(order["currentTotalPriceSet"]),
        "discount_total": _shop(order["currentTotalDiscountsSet"]),
        "shipping_total": _shop(order["currentShippingPriceSet"]),
        "tax_total": _shop(order["currentTotalTaxSet"]),
        "lines": [{"sku": ln["sku"], "quantity": Decimal(ln["currentQuantity"]),
                   "unit_price": ln["_unit"]} for ln in lines if ln["currentQuantity"]],
    }
    if sandbox.customer_data:  # without protected customer data access the contact is withheld
        expected |= {"email": order.get("email"), "phone": order.get("phone")}
    return expected
