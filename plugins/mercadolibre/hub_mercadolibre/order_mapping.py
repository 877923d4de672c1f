"""Mercado Libre sales as canonical orders.

A *sale* is what the hub imports as one order: a cart (orders sharing a
``pack_id``, keyed ``pack:<pack_id>``) or a single order (keyed by its id).
The plugin's sale payload is::

    {"id": "pack:2000001234" | "2000009876", "pack_id": 2000001234 | None,
     "orders": [<GET /orders/{id}>, ...], "shipment": <GET /shipments/{id}> | None}

:func:`parse_order` also takes a bare ``GET /orders/{id}`` payload of an order
outside any cart (its shipment status is then unknown unless the payload
carries ``shipping.status``).

Status: a paid sale reads ``paid/<shipment status>``; any other sale reads its
order status alone. Sales the seller ships (ME1, custom) whose shipment status
is in ``self_shipping_ready_statuses`` read ``paid/ready_to_ship``; sales with
no Mercado Libre shipment read ``paid/to_be_agreed``. Orders tagged
``fraud_risk_detected`` are never imported (``ineligible_reason``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from hub import (
    Account,
    Address,
    Customer,
    DataError,
    Delivery,
    Money,
    Order,
    OrderLine,
    parse_datetime,
    parse_decimal,
)
from hub_mercadolibre.info import DEFAULT_SELF_SHIPPING_READY

FRAUD_TAG = "fraud_risk_detected"
TO_BE_AGREED = "to_be_agreed"
UNKNOWN = "unknown"
SELF_SHIPPING_MODES = frozenset({"me1", "custom"})
DEAD_STATUSES = frozenset({"cancelled", "invalid"})
MODE_NAMES = {"me2": "Mercado Envíos", "me1": "Mercado Envíos 1 (seller ships)",
              "custom": "custom shipping (seller ships)", "not_specified": "to be agreed"}


def sale_key(pack_id: Any, order_id: Any) -> str:
    """The hub's key of a sale: ``pack:<pack_id>`` for a cart, else the order id."""
    return f"pack:{pack_id}" if pack_id not in (None, "", 0) else str(order_id)


def as_sale(payload: Mapping[str, Any]) -> dict[str, Any]:
    """A sale payload, or a bare order outside any cart turned into one."""
    if isinstance(payload.get("orders"), list):
        if payload.get("incomplete"):
            raise DataError(f"sale {payload.get('id')}: {payload['incomplete']}")
        if not payload["orders"]:
            raise DataError(f"sale {payload.get('id')}: it holds no orders")
        return dict(payload)
    if "order_items" in payload and payload.get("id") not in (None, ""):
        if payload.get("pack_id") not in (None, "", 0):
            raise DataError(f"order {payload['id']} belongs to cart {payload['pack_id']}: import "
                            f"the whole cart (hub fetches it as pack:{payload['pack_id']})")
        return {"id": str(payload["id"]), "pack_id": None, "orders": [dict(payload)],
                "shipment": None}
    raise DataError("not a Mercado Libre order or sale payload (no 'orders' or 'order_items')")


def ready_statuses(account: Account) -> frozenset[str]:
    """Shipment statuses that mean ready to ship for sales the seller ships (ME1, custom)."""
    return frozenset(account.setting_list("self_shipping_ready_statuses",
                                          DEFAULT_SELF_SHIPPING_READY))


def shipment_status(sale: Mapping[str, Any], self_ready: frozenset[str]) -> str:
    """The sale's shipment status as the composed status uses it."""
    shipment = sale.get("shipment")
    if isinstance(shipment, Mapping):
        status = str(shipment.get("status") or UNKNOWN)
        if shipment.get("mode") in SELF_SHIPPING_MODES and status in self_ready:
            return "ready_to_ship"
        return status
    shippings = [o.get("shipping") or {} for o in sale["orders"]]
    if not any(s.get("id") for s in shippings):
        return TO_BE_AGREED
    return str(shippings[0].get("status") or UNKNOWN)


def order_status(orders: list[Mapping[str, Any]]) -> str:
    """One status for a cart: paid when every live order is paid, else the first other one."""
    live = [o for o in orders if o.get("status") not in DEAD_STATUSES]
    if not live:
        return str(orders[0].get("status") or UNKNOWN)
    pending = [o for o in live if o.get("status") != "paid"]
    return str(pending[0].get("status") or UNKNOWN) if pending else "paid"


def compose_status(status: str, shipment: str) -> str:
    """``paid/<shipment status>`` for a paid sale, else the order status alone."""
    return f"paid/{shipment}" if status == "paid" else status


def _name(value: Any) -> str | None:
    if isinstance(value, Mapping):
        value = value.get("name")
    return str(value) if value not in (None, "") else None


def _country(value: Any) -> str | None:
    if isinstance(value, Mapping):
        value = value.get("id") or value.get("name")
    return str(value) if value not in (None, "") else None


def address(receiver: Any) -> Address | None:
    """A shipment's ``receiver_address`` as a canonical address.

    The second line is the ``comment`` (floor, flat) and the ``neighborhood``'s name, the way
    the other plugins fill it: a Brazilian label or NF-e cannot be made without the bairro.
    """
    if not isinstance(receiver, Mapping):
        return None
    street = receiver.get("address_line") or " ".join(
        str(p) for p in (receiver.get("street_name"), receiver.get("street_number")) if p)
    extra = ", ".join(p for p in (_name(receiver.get("comment")),
                                  _name(receiver.get("neighborhood"))) if p)
    return Address(name=_name(receiver.get("receiver_name")), line1=street or None,
                   line2=extra or None, city=_name(receiver.get("city")),
                   state=_name(receiver.get("state")), postcode=_name(receiver.get("zip_code")),
                   country=_country(receiver.get("country")),
                   phone=_name(receiver.get("receiver_phone")))


def _money(value: Any, currency: str, field: str) -> Money:
    return Money(amount=parse_decimal(value, field=field), currency=currency)


def _when(order: Mapping[str, Any], *fields: str) -> datetime:
    for field in fields:
        if order.get(field):
            return parse_datetime(order[field], field=f"order {order.get('id')} {field}")
    raise DataError(f"order {order.get('id')}: no {' or '.join(fields)}")


def _line_name(item: Mapping[str, Any]) -> str:
    title = str(item.get("title") or item.get("id") or "item")
    attributes = [f"{a.get('name')}: {a.get('value_name')}"
                  for a in item.get("variation_attributes") or [] if a.get("value_name")]
    return f"{title} ({', '.join(attributes)})" if attributes else title


def lines(orders: Iterable[Mapping[str, Any]], currency: str) -> list[OrderLine]:
    """Every ``order_items`` entry of ``orders`` as a canonical line."""
    out: list[OrderLine] = []
    for order in orders:
        for entry in order.get("order_items") or []:
            item = entry.get("item") or {}
            variation = item.get("variation_id")
            quantity = parse_decimal(entry.get("quantity"), field="quantity")
            unit = _money(entry.get("unit_price"), currency, "unit_price")
            line_id = f"{order.get('id')}:{item.get('id')}" + (f":{variation}" if variation else "")
            out.append(OrderLine(
                platform_line_id=line_id, platform_product_id=str(item.get("id") or "") or None,
                platform_variant_id=str(variation) if variation else None,
                sku=item.get("seller_sku") or item.get("seller_custom_field") or None,
                name=_line_name(item), quantity=quantity, unit_price=unit,
                total=Money(amount=unit.amount * quantity, currency=currency)))
    return out


def _customer(buyer: Any, shipping: Address | None) -> Customer | None:
    if not isinstance(buyer, Mapping) or buyer.get("id") in (None, ""):
        return None
    first, last = buyer.get("first_name") or None, buyer.get("last_name") or None
    if not first and not last:
        first = buyer.get("nickname") or None
    return Customer(platform_id=str(buyer["id"]), first_name=first, last_name=last,
                    address=shipping)


def _delivery(shipment: Any, currency: str, shipping: Address | None) -> Delivery:
    if not isinstance(shipment, Mapping):
        return Delivery(service=MODE_NAMES["not_specified"])
    mode = str(shipment.get("mode") or "")
    option = shipment.get("shipping_option") or {}
    service = MODE_NAMES.get(mode, mode or "Mercado Envíos")
    if shipment.get("logistic_type"):
        service += f" ({shipment['logistic_type']})"
    if option.get("name"):
        service += f": {option['name']}"
    cost = option.get("cost")
    return Delivery(service=service, address=shipping,
                    cost=_money(cost, option.get("currency_id") or currency, "shipping cost")
                    if cost is not None else None)


def parse_order(account: Account, payload: Mapping[str, Any]) -> Order:
    """A sale (or a bare order outside any cart) as one canonical order."""
    sale = as_sale(payload)
    orders: list[Mapping[str, Any]] = sorted(sale["orders"], key=lambda o: str(o.get("id")))
    first = orders[0]
    currencies = {o.get("currency_id") for o in orders}
    if len(currencies) != 1 or not first.get("currency_id"):
        raise DataError(f"sale {sale.get('id')}: orders in {sorted(map(str, currencies))}")
    currency = str(first["currency_id"])
    status = order_status(orders)
    composed = compose_status(status, shipment_status(sale, ready_statuses(account)))
    live = [o for o in orders if o.get("status") not in DEAD_STATUSES] or orders
    shipment = sale.get("shipment") if isinstance(sale.get("shipment"), Mapping) else None
    shipping = address(shipment.get("receiver_address")) if shipment else None
    delivery = _delivery(shipment, currency, shipping)
    subtotal = sum((parse_decimal(o.get("total_amount"), field="total_amount") for o in live),
                   Decimal(0))
    shipping_cost = delivery.cost.amount if delivery.cost else Decimal(0)
    coupons = sum((parse_decimal((o.get("coupon") or {}).get("amount"), field="coupon")
                   for o in live), Decimal(0))
    updated = [_when(o, "last_updated", "date_last_updated", "date_created") for o in orders]
    if shipment and shipment.get("last_updated"):
        updated.append(parse_datetime(shipment["last_updated"], field="shipment last_updated"))
    fraud = any(FRAUD_TAG in (o.get("tags") or []) for o in orders)
    pack_id = sale.get("pack_id")
    return Order(
        platform_order_id=sale_key(pack_id, first.get("id")),
        number=str(pack_id or first.get("id")),
        status=composed,
        created_at=min(_when(o, "date_created") for o in orders),
        updated_at=max(updated),
        currency=currency,
        customer=_customer(first.get("buyer"), shipping),
        shipping_address=shipping,
        lines=lines(live, currency),
        subtotal=Money(amount=subtotal, currency=currency),
        shipping_total=Money(amount=shipping_cost, currency=currency) if delivery.cost else None,
        discount_total=Money(amount=coupons, currency=currency) if coupons else None,
        total=Money(amount=subtotal + shipping_cost, currency=currency),
        delivery=delivery,
        ineligible_reason=f"Mercado Libre tagged the sale {FRAUD_TAG}" if fraud else None,
        flags=[FRAUD_TAG] if fraud else [],
        raw=dict(payload),
    )
