"""What each sandbox order must parse to: the conformance kit's expected values.

``hub.sandbox.Sandbox.expected_order`` finds this module next to the sandbox.
Everything is read from the store's own generated orders (the Get-order shape),
never through the plugin's mapping, with VTEX's documented rules: money in
integer cents, the discount total the absolute ``Discounts`` total, each line's
SKU its ``refId`` and unit price its ``price`` (before discounts), the status
VTEX's own.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hub_vtex.sandbox.store import VtexSandbox


def _cents(value: Any) -> Decimal:
    return Decimal(int(value or 0)) / 100


def expected_order(sandbox: VtexSandbox, platform_order_id: str) -> dict[str, Any] | None:
    """Canonical fields of order ``platform_order_id`` (None when the store has no such order)."""
    order = sandbox.orders.get(platform_order_id)
    if order is None:
        return None
    totals = {t["id"]: t["value"] for t in order.get("totals") or []}
    profile = order.get("clientProfileData") or {}
    expected: dict[str, Any] = {
        "number": platform_order_id, "status": order["status"],
        "currency": order["storePreferencesData"]["currencyCode"],
        "email": profile.get("email") or None,
        "phone": profile.get("phone") or profile.get("corporatePhone") or None,
        "total": _cents(order["value"]),
        "lines": [{"sku": item.get("refId"), "quantity": Decimal(int(item["quantity"])),
                   "unit_price": _cents(item["price"])} for item in order["items"]],
    }
    if "Discounts" in totals:
        expected["discount_total"] = abs(_cents(totals["Discounts"]))
    if "Shipping" in totals:
        expected["shipping_total"] = _cents(totals["Shipping"])
    return expected
