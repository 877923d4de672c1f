"""Deterministic sandbox orders, shaped like ``GET /wp-json/wc/v3/orders`` items.

One seed always gives the same orders relative to the sandbox's clock: about
``options.orders`` orders created over the last 90 days, mostly
``processing`` but every other status too; several lines, variations,
coupons, taxes, shipping lines; guests; orders in EUR in a USD store; and the
shapes the import rules must catch (no lines, no e-mail and no phone, nobody
at all, a phone only on the shipping address). The first orders take each of
those shapes on purpose, so even a small store has them. Groups of orders
share one ``date_modified`` (a bulk status change), and money is written as
the API writes it: strings with two decimals, the line ``price`` a JSON number.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from hub.sandbox import Record
from hub_woocommerce.sandbox.formats import cents, dates, money

STORE_CURRENCY = "USD"
BACKFILL_EDGE = timedelta(days=60)
"""The core's default backfill; no order is modified within two hours of its edge."""

STATUS_WEIGHTS = {"processing": 50, "completed": 18, "cancelled": 6, "refunded": 4, "failed": 4,
                  "pending": 8, "on-hold": 7, "trash": 3}
SHAPES = ("no_lines", "no_contact", "nobody", "shipping_phone", "other_currency", "guest",
          "coupon", "multi")
FIRST = ["Ana", "Bruno", "Carla", "Diego", "Elena", "Fabio", "Gabi", "Hugo", "Iris", "João",
         "Karin", "Luis", "Marta", "Nico", "Olga", "Pablo"]
LAST = ["Silva", "Souza", "Costa", "Pereira", "Lima", "Gomez", "Rossi", "Müller", "Smith",
        "Nguyen", "O'Brien", "García"]
CITIES = [("São Paulo", "SP", "01310-100", "BR"), ("Porto Alegre", "RS", "90010-150", "BR"),
          ("Austin", "TX", "73301", "US"), ("Lisboa", "", "1100-148", "PT"),
          ("Buenos Aires", "C", "C1002", "AR")]
SHIPPING = [("flat_rate", "Flat Rate", Decimal("10.00")), ("free_shipping", "Free shipping",
                                                            Decimal("0.00")),
            ("local_pickup", "Local pickup", Decimal("0.00"))]
PAYMENTS = [("bacs", "Direct Bank Transfer"), ("stripe", "Credit Card (Stripe)"),
            ("cod", "Cash on delivery")]
Sellable = tuple[int, int, str, str, Decimal, list[tuple[str, str]]]


@dataclass
class Person:
    first: str
    last: str
    email: str
    phone: str
    city: tuple[str, str, str, str]
    street: str


@dataclass
class OrderFactory:
    """Builds order payloads; ids and line ids keep increasing across calls."""

    rng: random.Random
    items: list[Sellable]
    next_id: int = 1000
    next_item_id: int = 1
    customers: list[Person] = field(default_factory=list)
    currency: str = STORE_CURRENCY

    def __post_init__(self) -> None:
        if not self.customers:
            self.customers = [self.person(n) for n in range(1, 41)]

    def person(self, n: int) -> Person:
        rng = self.rng
        first, last = rng.choice(FIRST), rng.choice(LAST)
        slug = f"{first}.{last}".lower().replace("'", "").replace("ü", "u").replace("ã", "a")
        return Person(first, last, f"{slug}{n}@example.com",
                      f"+55 11 9{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}",
                      rng.choice(CITIES), f"Rua {rng.choice(LAST)}, {rng.randint(1, 999)}")

    def _item_id(self) -> int:
        self.next_item_id += 1
        return self.next_item_id - 1

    def order(self, created: datetime, modified: datetime, status: str,
              shape: str | None = None) -> dict[str, Any]:
        """One order payload; ``shape`` forces one of :data:`SHAPES`."""
        rng = self.rng
        order_id = self.next_id
        self.next_id += 1
        other = "GBP" if self.currency == "EUR" else "EUR"
        currency = other if shape == "other_currency" or (shape is None and rng.random() < 0.06) \
            else self.currency
        contact = shape if shape in ("no_contact", "nobody", "shipping_phone") else None
        if contact is None and shape is None:
            roll = rng.random()
            contact = ("nobody" if roll < 0.02 else "no_contact" if roll < 0.07
                       else "shipping_phone" if roll < 0.15 else None)
        guest = shape == "guest" or contact == "nobody" or (shape is None and rng.random() < 0.35)
        customer_id = 0 if guest else rng.randint(1, len(self.customers))
        person = self.customers[customer_id - 1] if customer_id else self.person(order_id)
        billing, shipping = self._addresses(person, contact, with_phone=rng.random() < 0.7)
        lines = [] if shape == "no_lines" or (shape is None and rng.random() < 0.03) \
            else self._pick(4 if shape == "multi" else rng.choice([1, 1, 1, 2, 2, 3]))
        coupon = shape == "coupon" or (shape is None and rng.random() < 0.15)
        rate = Decimal(rng.choice([0, 0, 10])) / 100
        method = rng.choices(SHIPPING, weights=[70, 15, 15])[0] if lines else None
        payload = self._money(order_id, lines, coupon, rate, method, currency)
        paid = status in ("processing", "completed", "refunded")
        payment = rng.choice(PAYMENTS)
        created_local, created_gmt = dates(created)
        modified_local, modified_gmt = dates(modified)
        paid_at = dates(min(created + timedelta(minutes=2), modified)) if paid else (None, None)
        done_at = dates(modified) if status == "completed" else (None, None)
        payload.update({
            "id": order_id, "parent_id": 0, "number": str(order_id),
            "order_key": f"wc_order_{rng.getrandbits(48):012x}", "created_via": "checkout",
            "version": "8.9.1", "status": status, "currency": currency,
            "date_created": created_local, "date_created_gmt": created_gmt,
            "date_modified": modified_local, "date_modified_gmt": modified_gmt,
            "prices_include_tax": False, "customer_id": customer_id,
            "customer_ip_address": "127.0.0.1", "customer_user_agent": "sandbox",
            "customer_note": "", "billing": billing, "shipping": shipping,
            "payment_method": payment[0], "payment_method_title": payment[1],
            "transaction_id": f"txn_{order_id}" if paid else "",
            "date_paid": paid_at[0], "date_paid_gmt": paid_at[1],
            "date_completed": done_at[0], "date_completed_gmt": done_at[1],
            "cart_hash": "", "meta_data": [], "fee_lines": [], "refunds": [],
        })
        return payload

    def _addresses(self, person: Person, contact: str | None, *, with_phone: bool
                   ) -> tuple[dict[str, Any], dict[str, Any]]:
        city, state, postcode, country = person.city
        names = ("", "") if contact == "nobody" else (person.first, person.last)
        place = {"company": "", "address_1": "" if contact == "nobody" else person.street,
                 "address_2": "", "city": "" if contact == "nobody" else city,
                 "state": "" if contact == "nobody" else state,
                 "postcode": "" if contact == "nobody" else postcode,
                 "country": "" if contact == "nobody" else country}
        email = "" if contact in ("no_contact", "nobody", "shipping_phone") else person.email
        phone = person.phone if contact is None and with_phone else ""
        billing = {"first_name": names[0], "last_name": names[1], **place, "email": email,
                   "phone": phone}
        shipping = {"first_name": names[0], "last_name": names[1], **place,
                    "phone": person.phone if contact == "shipping_phone" else ""}
        return billing, shipping

    def _pick(self, count: int) -> list[tuple[Sellable, int]]:
        chosen = self.rng.sample(self.items, k=min(count, len(self.items)))
        if count >= 2 and not any(item[1] for item in chosen):  # multi-line orders hold a variation
            chosen[-1] = self.rng.choice([item for item in self.items if item[1]])
        return [(item, self.rng.randint(1, 3)) for item in chosen]

    def _money(self, order_id: int, lines: list[tuple[Sellable, int]], coupon: bool,
               rate: Decimal, method: tuple[str, str, Decimal] | None,
               currency: str) -> dict[str, Any]:
        line_items: list[dict[str, Any]] = []
        totals = {"discount": Decimal(0), "discount_tax": Decimal(0), "lines": Decimal(0),
                  "cart_tax": Decimal(0)}
        for (pid, vid, name, sku, price, attrs), quantity in lines:
            subtotal = price * quantity
            discount = cents(subtotal / 10) if coupon else Decimal(0)
            total = subtotal - discount
            subtotal_tax, total_tax = cents(subtotal * rate), cents(total * rate)
            totals["discount"] += discount
            totals["discount_tax"] += subtotal_tax - total_tax
            totals["lines"] += total
            totals["cart_tax"] += total_tax
            taxes = [{"id": 1, "total": money(total_tax), "subtotal": money(subtotal_tax)}] \
                if rate else []
            line_items.append({
                "id": self._item_id(), "name": name, "product_id": pid, "variation_id": vid,
                "quantity": quantity, "tax_class": "", "subtotal": money(subtotal),
                "subtotal_tax": money(subtotal_tax), "total": money(total),
                "total_tax": money(total_tax), "taxes": taxes,
                "meta_data": [{"id": self._item_id(), "key": key, "value": value}
                              for key, value in attrs],
                "sku": sku, "price": float(total / quantity),
            })
        shipping_total = method[2] if method else Decimal(0)
        shipping_tax = cents(shipping_total * rate)
        total_tax = totals["cart_tax"] + shipping_tax
        shipping_lines = [{"id": self._item_id(), "method_title": method[1],
                           "method_id": method[0], "instance_id": "1",
                           "total": money(shipping_total), "total_tax": money(shipping_tax),
                           "taxes": [], "meta_data": []}] if method else []
        coupon_lines = [{"id": self._item_id(), "code": "save10",
                         "discount": money(totals["discount"]),
                         "discount_tax": money(totals["discount_tax"]), "meta_data": []}] \
            if coupon and lines else []
        tax_lines = [{"id": self._item_id(), "rate_code": "SANDBOX-TAX-1", "rate_id": 1,
                      "label": "Tax", "compound": False, "tax_total": money(totals["cart_tax"]),
                      "shipping_tax_total": money(shipping_tax), "meta_data": []}] if rate else []
        return {
            "discount_total": money(totals["discount"]),
            "discount_tax": money(totals["discount_tax"]),
            "shipping_total": money(shipping_total), "shipping_tax": money(shipping_tax),
            "cart_tax": money(totals["cart_tax"]), "total_tax": money(total_tax),
            "total": money(totals["lines"] + shipping_total + total_tax),
            "line_items": line_items, "tax_lines": tax_lines, "shipping_lines": shipping_lines,
            "coupon_lines": coupon_lines,
        }


def _clear_of_edge(modified: datetime, epoch: datetime) -> datetime:
    """Keep modified times two hours clear of the 60-day backfill edge (no flaky borderline)."""
    edge = epoch - BACKFILL_EDGE
    margin = timedelta(hours=2)
    return edge + margin if abs(modified - edge) < margin else modified


def generate(factory: OrderFactory, count: int, epoch: datetime) -> dict[int, dict[str, Any]]:
    """About ``count`` orders created over the 90 days before ``epoch``, by id."""
    rng = factory.rng
    span = int(timedelta(days=90).total_seconds())
    created = sorted(epoch.replace(microsecond=0) - timedelta(seconds=rng.randint(3600, span))
                     for _ in range(count))
    statuses = list(STATUS_WEIGHTS)
    weights = list(STATUS_WEIGHTS.values())
    plan: list[tuple[datetime, datetime, str, str | None]] = []
    for index, made in enumerate(created):
        roll = rng.random()
        delay = (timedelta(minutes=rng.randint(1, 30)) if roll < 0.6
                 else timedelta(hours=rng.randint(1, 48)) if roll < 0.9
                 else timedelta(days=rng.randint(2, 20)))
        modified = _clear_of_edge(min(made + delay, epoch - timedelta(seconds=1)), epoch)
        # the newest orders take the special shapes, processing and inside the backfill
        shape = SHAPES[count - 1 - index] if count - 1 - index < len(SHAPES) else None
        status = "processing" if shape else rng.choices(statuses, weights=weights)[0]
        plan.append((made, max(modified, made), status, shape))
    for start in range(0, len(plan) - 3, 11):  # bulk edits: three orders share one timestamp
        group = plan[start:start + 3]
        shared = max(item[1] for item in group)
        plan[start:start + 3] = [(made, shared, status, shape) for made, _, status, shape in group]
    return {order["id"]: Record(order) for order in  # Records adopts them without a copy
            (factory.order(made, modified, status, shape) for made, modified, status, shape in plan)}
