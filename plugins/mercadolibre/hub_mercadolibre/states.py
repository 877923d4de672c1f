"""The order lifecycle on Mercado Libre: the little a seller's integration may write.

Mercado Libre's API lets a seller set a shipment's status only on shipments the
seller ships itself (``mode`` ``me1`` or ``custom``): ``PUT /shipments/{id}``
with ``status`` ``shipped`` or ``delivered`` (from ``shipped``). So:

* ``delivered`` -> ``PUT /shipments/{id}`` ``{"status": "delivered"}`` on an
  ME1/custom shipment already ``shipped``, read back;
* Mercado Envíos 2 (``me2``, Full, Flex): Mercado Libre and its carriers move the
  shipment; the push fails saying so and nothing is written;
* cancelling a sale, "handling" and "invoiced" have no seller endpoint (a seller
  cancels from Mercado Libre's site, or the buyer through a claim; the NF-e is
  the fiscal documents' business): they are not in ``writes_states``, so the core
  refuses them before anything is sent.
"""

from __future__ import annotations

from hub import DataError, OrderState, PlatformError, PushResult, StateUpdate, TransientError
from hub_mercadolibre.client import MeliClient
from hub_mercadolibre.tracking import SELF_SHIPPING_MODES, NotWritable, _target


async def _deliver(client: MeliClient, shipment_id: str) -> str | None:
    path = f"/shipments/{shipment_id}"
    current = await client.get_object(path)
    assert current is not None
    mode = str(current.get("mode") or "")
    if current.get("status") == "delivered":
        return None
    if mode not in SELF_SHIPPING_MODES:
        return (f"{mode.upper() or 'Mercado Envíos'} shipments are moved by Mercado Libre: the "
                f"hub cannot mark shipment {shipment_id} delivered")
    if current.get("status") != "shipped":
        return (f"shipment {shipment_id} is '{current.get('status')}': Mercado Libre takes "
                "delivered only after shipped (ship it first)")
    body = {"status": "delivered", "receiver_id": current.get("receiver_id")}
    await client.put(path, body)
    after = await client.get_object(path) or {}
    return None if after.get("status") == "delivered" else \
        f"shipment {shipment_id} shows '{after.get('status')}' after the update"


async def push(client: MeliClient, update: StateUpdate) -> PushResult:
    """Mark the sale's ME1/custom shipment delivered; everything else is refused, saying why."""
    key = update.platform_order_id
    if update.state != OrderState.DELIVERED:
        return PushResult.failed(key, f"Mercado Libre has no seller endpoint to set a sale "
                                      f"{update.state}", retryable=False)
    try:
        _, shipment_id = await _target(client, key)
        if shipment_id is None:
            return PushResult.failed(key, "the sale has no Mercado Libre shipment",
                                     retryable=False)
        problem = await _deliver(client, shipment_id)
    except NotWritable as exc:
        return PushResult.failed(key, str(exc), retryable=False)
    except PlatformError as exc:
        return PushResult.failed(key, exc.message, retryable=False)
    except (TransientError, DataError) as exc:
        return PushResult.failed(key, exc.message)
    if problem:
        return PushResult.failed(key, problem, retryable=False)
    return PushResult.ok(key)
