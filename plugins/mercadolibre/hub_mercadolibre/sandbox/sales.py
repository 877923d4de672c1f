"""The sandbox seller's sales: orders, carts (packs) and shipments, generated from a seed.

Shapes follow ``GET /orders/{id}``, ``GET /packs/{id}`` and the legacy
``GET /shipments/{id}``. Dates carry Mercado Libre's ``-04:00`` offset with
milliseconds. The mix covers what the plugin must tell apart: paid and ready
to ship (ME2 drop-off, cross-docking, Full; ME1; custom), paid but still
handling, shipped, delivered, cancelled, awaiting payment, partially
refunded, fraud-tagged, without a Mercado Libre shipment (agreed with the
buyer), carts of 2-3 orders (one with a cancelled order), buyers without a
name, and a few sales in US dollars.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hub_mercadolibre.sandbox.catalog import Sellable

ML_TZ = timezone(timedelta(hours=-4))
FRAUD_TAG = "fraud_risk_detected"

FIRST = ["Lucía", "Martín", "Sofía", "Juan", "Valentina", "Mateo", "Camila", "Santiago"]
LAST = ["González", "Rodríguez", "Fernández", "López", "Martínez", "Pérez", "Gómez", "Díaz"]
STREETS = ["Av. Corrientes", "Florida", "Av. Santa Fe", "San Martín", "Belgrano", "Rivadavia"]
CITIES = [("Capital Federal", "AR-C", "Capital Federal", "C1043"),
          ("Córdoba", "AR-X", "Córdoba", "X5000"), ("Rosario", "AR-S", "Santa Fe", "S2000"),
          ("Mendoza", "AR-M", "Mendoza", "M5500")]
LOGISTIC = ["drop_off", "cross_docking", "fulfillment", "xd_drop_off"]


def stamp(when: datetime) -> str:
    """A datetime as the API writes it: ``2026-10-02T11:23:45.000-04:00``."""
    return when.astimezone(ML_TZ).isoformat(timespec="milliseconds")


def parse(value: str) -> datetime:
    """An API datetime back to an aware UTC datetime."""
    return datetime.fromisoformat(value).astimezone(UTC)


@dataclass(frozen=True)
class Scenario:
    """What a generated sale looks like."""

    status: str
    mode: str | None  # me2, me1, custom; None: no Mercado Libre shipment
    shipment: str
    substatus: str | None = None
    fraud: bool = False


SCENARIOS: list[tuple[float, Scenario]] = [
    (44, Scenario("paid", "me2", "ready_to_ship", "ready_to_print")),
    (6, Scenario("paid", "me2", "ready_to_ship", "printed")),
    (7, Scenario("paid", "me2", "handling")),
    (8, Scenario("paid", "me2", "shipped")),
    (5, Scenario("paid", "me2", "delivered")),
    (7, Scenario("cancelled", "me2", "cancelled")),
    (3, Scenario("payment_required", "me2", "pending")),
    (2, Scenario("payment_in_process", "me2", "pending")),
    (3, Scenario("partially_refunded", "me2", "ready_to_ship", "ready_to_print")),
    (3, Scenario("paid", "custom", "ready_to_ship")),
    (2, Scenario("paid", "custom", "handling")),
    (2, Scenario("paid", "me1", "ready_to_ship")),
    (2, Scenario("paid", "me1", "pending")),
    (3, Scenario("paid", "me2", "ready_to_ship", "ready_to_print", fraud=True)),
    (3, Scenario("paid", None, "to_be_agreed")),
]
READY = Scenario("paid", "me2", "ready_to_ship", "ready_to_print")


class SaleFactory:
    """Builds orders, carts and shipments with increasing ids."""

    def __init__(self, rng: random.Random, seller_id: int, site_id: str, currency: str,
                 sellables: list[Sellable]) -> None:
        self.rng = rng
        self.seller_id = seller_id
        self.site_id = site_id
        self.currency = currency
        self.sellables = sellables
        self.order_id = 2000000000000000 + rng.randrange(10**6) * 1000
        self.pack_id = 2100000000000000 + rng.randrange(10**6) * 1000
        self.shipment_id = 40000000000 + rng.randrange(10**6) * 100
        self.buyer_id = 300000000 + rng.randrange(10**6) * 100

    def scenario(self) -> Scenario:
        """A random scenario, weighted."""
        weights = [w for w, _ in SCENARIOS]
        return self.rng.choices([s for _, s in SCENARIOS], weights=weights)[0]

    def _buyer(self) -> dict[str, Any]:
        self.buyer_id += 1
        nickname = f"COMPRADOR{self.buyer_id % 100000}"
        if self.rng.random() < 0.1:
            return {"id": self.buyer_id, "nickname": nickname, "first_name": None, "last_name": None}
        return {"id": self.buyer_id, "nickname": nickname, "first_name": self.rng.choice(FIRST),
                "last_name": self.rng.choice(LAST)}

    def _order(self, created: datetime, updated: datetime, status: str, buyer: dict[str, Any],
               currency: str, shipping_id: int | None, pack_id: int | None,
               tags: list[str], shipping_cost: float) -> dict[str, Any]:
        self.order_id += 1
        sellable = self.rng.choice(self.sellables)
        quantity = self.rng.choice([1, 1, 1, 2, 3])
        price = sellable.price if currency == self.currency else round(sellable.price / 1000, 2)
        total = round(price * quantity, 2)
        paid = status in ("paid", "partially_refunded")
        return {
            "id": self.order_id, "status": status, "status_detail": None,
            "date_created": stamp(created), "date_closed": stamp(created + timedelta(minutes=1)),
            "last_updated": stamp(updated), "date_last_updated": stamp(updated),
            "expiration_date": stamp(created + timedelta(days=28)),
            "currency_id": currency, "total_amount": total,
            "paid_amount": round(total + shipping_cost, 2) if paid else 0,
            "order_items": [{
                "item": {"id": sellable.item_id, "title": sellable.title,
                         "category_id": sellable.category_id,
                         "variation_id": sellable.variation_id,
                         "variation_attributes": sellable.variation_attributes or [],
                         "seller_sku": None if sellable.sku_in_custom_field else sellable.sku,
                         "seller_custom_field": sellable.sku if sellable.sku_in_custom_field
                         else None, "condition": "new", "warranty": None},
                "quantity": quantity, "requested_quantity": {"value": quantity, "measure": "unit"},
                "unit_price": price, "full_unit_price": price, "currency_id": currency,
                "sale_fee": round(price * 0.13, 2), "listing_type_id": "gold_special"}],
            "buyer": dict(buyer), "seller": {"id": self.seller_id},
            "payments": [{"id": self.order_id + 7 * 10**15, "status": "approved" if paid
                          else "pending", "transaction_amount": total,
                          "shipping_cost": shipping_cost, "currency_id": currency,
                          "date_approved": stamp(created) if paid else None}],
            "shipping": {"id": shipping_id}, "pack_id": pack_id,
            "coupon": {"id": None, "amount": 0}, "tags": tags, "mediations": [],
            "fulfilled": None, "context": {"channel": "marketplace", "site": self.site_id},
        }

    def _shipment(self, scenario: Scenario, order: dict[str, Any], buyer: dict[str, Any],
                  created: datetime, updated: datetime, cost: float, currency: str,
                  items: list[dict[str, Any]]) -> dict[str, Any]:
        self.shipment_id += 1
        city, state_id, state, zip_code = self.rng.choice(CITIES)
        number = self.rng.randint(100, 4999)
        street = self.rng.choice(STREETS)
        tracking = None
        if scenario.shipment in ("shipped", "delivered") or (
                scenario.shipment == "ready_to_ship" and scenario.mode == "me2"
                and self.rng.random() < 0.5):
            tracking = f"MEL{self.rng.randrange(10**12):012d}AR" if scenario.mode == "me2" else None
        name = " ".join(p for p in (buyer.get("first_name"), buyer.get("last_name")) if p)
        return {
            "id": self.shipment_id, "mode": scenario.mode, "created_by": "receiver",
            "order_id": order["id"], "order_cost": order["total_amount"], "base_cost": cost,
            "site_id": self.site_id, "status": scenario.shipment,
            "substatus": scenario.substatus, "date_created": stamp(created),
            "last_updated": stamp(updated), "tracking_number": tracking,
            "tracking_method": "MEL Distribution" if scenario.mode == "me2" else None,
            "service_id": 61 if scenario.mode == "me2" else None,
            "sender_id": self.seller_id, "receiver_id": buyer["id"],
            "logistic_type": self.rng.choice(LOGISTIC) if scenario.mode == "me2" else "default",
            "receiver_address": {
                "id": self.rng.randrange(10**9), "address_line": f"{street} {number}",
                "street_name": street, "street_number": str(number),
                "comment": self.rng.choice([None, "Depto 4B", "Timbre 2"]), "zip_code": zip_code,
                "city": {"id": None, "name": city}, "state": {"id": state_id, "name": state},
                "country": {"id": "AR", "name": "Argentina"},
                "neighborhood": {"id": None, "name": None}, "latitude": None, "longitude": None,
                "receiver_name": name or buyer["nickname"],
                "receiver_phone": f"011{self.rng.randrange(10**8):08d}",
            },
            "shipping_items": items,
            "shipping_option": {"id": self.rng.randrange(10**9), "shipping_method_id": 73328,
                                "name": "Normal a domicilio" if scenario.mode == "me2"
                                else "Envío a acordar por el vendedor",
                                "currency_id": currency, "list_cost": cost, "cost": cost,
                                "delivery_type": "estimated"},
        }

    def sale(self, scenario: Scenario, created: datetime, updated: datetime, *, size: int = 1,
             currency: str | None = None, cancel_one: bool = False
             ) -> tuple[list[dict[str, Any]], dict[str, Any] | None, dict[str, Any] | None]:
        """(orders, cart or None, shipment or None) of one sale."""
        currency = currency or self.currency
        buyer = self._buyer()
        cost = 0.0 if scenario.mode is None else self.rng.choice([0.0, 0.0, 3499.0, 5120.5])
        if currency != self.currency:
            cost = round(cost / 1000, 2)
        shipping_id = None if scenario.mode is None else self.shipment_id + 1
        pack_id = None
        if size > 1:
            self.pack_id += 1
            pack_id = self.pack_id
        tags = ["paid"] if scenario.status in ("paid", "partially_refunded") else []
        if scenario.shipment == "delivered":
            tags.append("delivered")
        elif scenario.status == "paid":
            tags.append("not_delivered")
        if pack_id:
            tags.append("pack_order")
        if scenario.fraud:
            tags.append(FRAUD_TAG)
        orders = []
        for index in range(size):
            share = cost if index == 0 else 0.0
            status = "cancelled" if cancel_one and index == size - 1 else scenario.status
            orders.append(self._order(created, updated, status, buyer, currency, shipping_id,
                                      pack_id, list(tags), share))
        shipment = None
        if scenario.mode is not None:
            items = [{"id": o["order_items"][0]["item"]["id"],
                      "description": o["order_items"][0]["item"]["title"],
                      "quantity": o["order_items"][0]["quantity"]} for o in orders]
            shipment = self._shipment(scenario, orders[0], buyer, created, updated, cost,
                                      currency, items)
        pack = None
        if pack_id:
            pack = {"id": pack_id, "status": "released", "status_detail": None,
                    "orders": [{"id": o["id"]} for o in orders],
                    "shipment": {"id": shipping_id} if shipping_id else None,
                    "buyer": {"id": buyer["id"]}, "family_pack_id": None,
                    "date_created": stamp(created), "last_updated": stamp(updated)}
        return orders, pack, shipment


def ages(rng: random.Random, count: int, days: int = 90) -> list[timedelta]:
    """``count`` sale ages over ``days``, none within a day of the 60-day backfill edge."""
    out: list[timedelta] = []
    while len(out) < count:
        age = timedelta(seconds=rng.uniform(600, days * 86400))
        if abs(age - timedelta(days=60)) > timedelta(days=1):
            out.append(age)
    return out
