"""What each sandbox sale must parse to: the conformance kit's expected values.

``hub.sandbox.Sandbox.expected_order`` finds this module next to the sandbox.
Everything is read from the sale as the sandbox generated it (``GET
/orders/{id}``, ``GET /packs/{id}``, ``GET /shipments/{id}``), never by calling
the plugin's mapping. The rules are those docs/platforms/mercadolibre.md states
for a sale:

- a sale is a cart (``pack:<pack_id>``, numbered by the pack id) or a single
  order (keyed and numbered by its id);
- a cancelled order of a cart is not part of it: its items are not lines and
  its amount is not in the totals;
- a paid sale reads ``paid/<shipment status>`` (``paid/to_be_agreed`` without a
  Mercado Libre shipment); any other sale reads its order status;
- the total is the live orders' ``total_amount`` plus the shipment's cost;
- buyers carry no e-mail or phone; their names only when Mercado Libre has them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hub_mercadolibre.sandbox.store import MercadoLibreSandbox

DEAD = ("cancelled", "invalid")


def _amount(value: Any) -> Decimal:
    return Decimal(str(value))


def expected_order(sandbox: MercadoLibreSandbox, platform_order_id: str) -> dict[str, Any] | None:
    """Canonical fields of sale ``platform_order_id`` (None when the sandbox has no such sale)."""
    orders = sandbox.sales().get(platform_order_id)
    if not orders:
        return None
    orders = sorted(orders, key=lambda o: str(o["id"]))
    status, shipment_status = sandbox.sale_status(platform_order_id, orders)
    shipment = sandbox.shipment_of(platform_order_id, orders)
    live = [o for o in orders if o["status"] not in DEAD] or orders
    subtotal = sum((_amount(o["total_amount"]) for o in live), Decimal(0))
    cost = (_amount(shipment["shipping_option"]["cost"]) if shipment is not None
            else Decimal(0))
    buyer = orders[0]["buyer"]
    expected: dict[str, Any] = {
        "number": str(orders[0]["pack_id"] or orders[0]["id"]),
        "status": f"paid/{shipment_status or 'to_be_agreed'}" if status == "paid" else status,
        "currency": orders[0]["currency_id"], "email": None, "phone": None,
        "subtotal": subtotal, "shipping_total": cost, "total": subtotal + cost,
        "discount_total": sum((_amount(o["coupon"]["amount"] or 0) for o in live), Decimal(0)),
        "lines": [{"sku": entry["item"]["seller_sku"] or entry["item"]["seller_custom_field"],
                   "quantity": Decimal(entry["quantity"]), "unit_price": _amount(entry["unit_price"])}
                  for o in live for entry in o["order_items"]],
    }
    if buyer.get("first_name") or buyer.get("last_name"):
        expected |= {"first_name": buyer.get("first_name"), "last_name": buyer.get("last_name")}
    return expected
