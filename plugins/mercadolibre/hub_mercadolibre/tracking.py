"""Tracking numbers and invoices for a sale.

* Shipments the seller ships (``mode`` ``me1`` or ``custom``) get the hub's
  tracking number with ``PUT /shipments/{id}`` (``tracking_number``,
  ``receiver_id``, the carrier and URL in ``comments``, and ``status: shipped``
  when ``mark_shipped``), then are read back.
* Mercado Envíos 2 shipments (``me2``, Full, Flex...) get their tracking from
  Mercado Libre, which refuses writes: the shipment is read back, and the push
  is accepted once it carries a tracking number (until then it fails as
  retryable, so the core tries again later).
* The invoice is not sent with the tracking: it is its own record in the hub and
  ``push_invoice`` (:mod:`hub_mercadolibre.invoices`) attaches its authorised
  document to the pack; the hub never makes an invoice document up.

Shipping a sale again (``shipment.replaces``) updates the same shipment: the
``PUT /shipments/{id}`` overwrites its tracking number. Mercado Libre owns ME2
tracking, so a changed number there fails saying so.
"""

from __future__ import annotations

from typing import Any

from hub import DataError, PlatformError, PushResult, RateLimited, Shipment, TransientError
from hub_mercadolibre.client import MeliClient
from hub_mercadolibre.orders import numeric_id

SELF_SHIPPING_MODES = frozenset({"me1", "custom"})
DONE_STATUSES = frozenset({"shipped", "delivered"})


class NotWritable(Exception):
    """The sale cannot take this push; retrying will not change that."""


async def _target(client: MeliClient, key: str) -> tuple[str, str | None]:
    """(id the fiscal documents go to, shipment id or None) for a sale key."""
    kind, _, rest = key.partition(":")
    if kind == "pack" and numeric_id(rest):
        cart = await client.get_object(f"/packs/{rest}", missing_ok=True)
        if cart is None:
            raise NotWritable(f"cart {rest} was not found on Mercado Libre")
        return rest, numeric_id((cart.get("shipment") or {}).get("id"))
    if not numeric_id(key):
        raise NotWritable(f"'{key}' is not a Mercado Libre sale id")
    order = await client.get_object(f"/orders/{key}", missing_ok=True)
    if order is None:
        raise NotWritable(f"order {key} was not found on Mercado Libre")
    return numeric_id(order.get("pack_id")) or key, numeric_id((order.get("shipping") or {}).get("id"))


async def write_tracking(client: MeliClient, shipment_id: str, shipment: Shipment, *,
                         mark_shipped: bool) -> str | None:
    """Put the tracking on a seller-shipped shipment, or read an ME2 one; why not, or None."""
    path = f"/shipments/{shipment_id}"
    current = await client.get_object(path)
    assert current is not None
    mode = str(current.get("mode") or "")
    if mode not in SELF_SHIPPING_MODES:
        if shipment.replaces is not None and current.get("tracking_number") \
                and current.get("tracking_number") != shipment.tracking_number:
            return (f"{mode.upper() or 'Mercado Envíos'} tracking is managed by Mercado Libre: "
                    f"shipment {shipment_id} keeps {current.get('tracking_number')}, the hub "
                    f"cannot change it to {shipment.tracking_number}")
        if current.get("tracking_number"):
            return None
        return (f"{mode.upper() or 'Mercado Envíos'} tracking is managed by Mercado Libre and "
                f"shipment {shipment_id} has no tracking number yet")
    status = str(current.get("status") or "")
    if current.get("tracking_number") == shipment.tracking_number and (
            not mark_shipped or status in DONE_STATUSES):
        return None
    comments = f"{shipment.carrier}" + (f" {shipment.tracking_url}" if shipment.tracking_url else "")
    body: dict[str, Any] = {"tracking_number": shipment.tracking_number, "comments": comments}
    if current.get("receiver_id") is not None:
        body["receiver_id"] = current["receiver_id"]
    if mark_shipped and status not in DONE_STATUSES:
        body["status"] = "shipped"
    await client.put(path, body)
    after = await client.get_object(path)
    got = (after or {}).get("tracking_number")
    if got != shipment.tracking_number:
        return f"shipment {shipment_id} shows tracking number {got!r} after the update"
    return None


async def push(client: MeliClient, shipment: Shipment, *, mark_shipped: bool) -> PushResult:
    """Tracking for one sale (its invoice goes through ``push_invoice``)."""
    key = shipment.platform_order_id
    try:
        _, shipment_id = await _target(client, key)
        if shipment_id is None:
            raise NotWritable("the sale has no Mercado Libre shipment (delivery agreed with the "
                              "buyer), so there is no tracking number to write")
        why = await write_tracking(client, shipment_id, shipment, mark_shipped=mark_shipped)
    except NotWritable as exc:
        return PushResult.failed(key, str(exc), retryable=False)
    except (TransientError, RateLimited) as exc:
        return PushResult.failed(key, exc.message)
    except (PlatformError, DataError) as exc:
        return PushResult.failed(key, exc.message, retryable=False)
    if why:
        return PushResult.failed(key, why, retryable=shipment.replaces is None)
    return PushResult.ok(key, "updated" if shipment.replaces else "created")
