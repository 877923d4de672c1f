"""The sandbox shop's seeded data: locations, products, variants, inventory and orders.

Objects are kept in the Admin API's GraphQL shape (camelCase, ``MoneyBag``s,
global ids) so the schema's default resolvers serve them as they are;
relations live under ``_``-prefixed keys the resolvers follow. Everything comes
from ``random.Random(seed)``, dated relative to the shop's "now".

Variety: 1-4 lines (some orders 12, to exceed one page of line items; some with
a line removed by an edit), discounts, several shipping methods, buyers
paying in EUR or CAD (the shop books in USD), paid / partially fulfilled /
partially refunded / fulfilled / cancelled / refunded / pending / authorized /
voided orders, buyers without a phone, without an e-mail, without either, and
guest orders naming nobody.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

SHOP_CURRENCY = "USD"
RATES = {"USD": Decimal(1), "EUR": Decimal("0.92"), "CAD": Decimal("1.37"), "GBP": Decimal("0.79"),
         "BRL": Decimal("5.40"), "MXN": Decimal("17.10"), "AUD": Decimal("1.52"),
         "JPY": Decimal("150")}
"""Units of each currency per US dollar (a currency not listed converts 1:1)."""
CENT = Decimal("0.01")
TAX_RATE = Decimal("0.08")
SHIPPING = [("Standard", Decimal("5.00")), ("Express", Decimal("14.90")),
            ("Free shipping", Decimal("0.00")), ("Local pickup", Decimal("0.00"))]
FIRST = ["Ana", "Bruno", "Chloé", "Dmitri", "Emma", "Farah", "Gus", "Hana", "Iker", "Jon"]
LAST = ["Silva", "Okafor", "Durand", "Petrov", "Müller", "Haddad", "Lee", "Sato", "García", "Kim"]
CITIES = [("Ottawa", "ON", "K2P 1L4", "CA", "Canada"), ("Austin", "TX", "78701", "US",
          "United States"), ("Lyon", None, "69002", "FR", "France"),
          ("Madrid", "M", "28013", "ES", "Spain"), ("Toronto", "ON", "M5V 2T6", "CA", "Canada")]
CATALOG: list[tuple[str, str, str, list[tuple[str, str, str]], bool]] = [
    # title, productType, description, [(variant title, sku, price)], tracked
    ("Aviator sunglasses", "Accessories", "<p>Polarised <b>aviators</b>.</p>",
     [("Default Title", "SUN-AVI", "89.99")], True),
    ("Linen shirt", "Shirts", "<p>Breathable linen.</p>",
     [("S", "SHIRT-LIN-S", "49.00"), ("M", "SHIRT-LIN-M", "49.00"), ("L", "SHIRT-LIN-L", "52.00")],
     True),
    ("Canvas tote", "Bags", "Everyday tote bag.", [("Default Title", "TOTE-CNV", "24.50")], True),
    ("Espresso cups (set of 2)", "Kitchen", "Porcelain cups.",
     [("White", "CUP-ESP-W", "18.00"), ("Black", "CUP-ESP-B", "18.00")], True),
    ("Wool beanie", "Accessories", "Merino beanie.", [("Default Title", "HAT-WOOL", "29.95")], True),
    ("Running socks", "Socks", "Pack of three.",
     [("39-42", "SOCK-RUN-M", "12.99"), ("43-46", "SOCK-RUN-L", "12.99")], True),
    ("Notebook A5", "Stationery", "Dotted pages.", [("Default Title", "NOTE-A5", "9.90")], True),
    ("Gift card", "Gift cards", "A digital gift card.", [("Default Title", "GIFT-50", "50.00")],
     False),
    ("Leather belt", "Accessories", "Full-grain leather.",
     [("85 cm", "BELT-85", "59.00"), ("95 cm", "BELT-95", "59.00")], True),
    ("Water bottle", "Kitchen", "Insulated, 750 ml.", [("Default Title", "BOTTLE-750", "32.00")],
     True),
]
# status kind -> (financial, fulfillment, cancelled), with its weight
KINDS = {
    "paid": (("PAID", "UNFULFILLED", False), 44),
    "partial": (("PAID", "PARTIALLY_FULFILLED", False), 8),
    "on_hold": (("PAID", "ON_HOLD", False), 3),
    "partially_refunded": (("PARTIALLY_REFUNDED", "UNFULFILLED", False), 5),
    "fulfilled": (("PAID", "FULFILLED", False), 12),
    "cancelled": (("REFUNDED", "UNFULFILLED", True), 8),
    "refunded": (("REFUNDED", "UNFULFILLED", False), 5),
    "pending": (("PENDING", "UNFULFILLED", False), 5),
    "authorized": (("AUTHORIZED", "UNFULFILLED", False), 5),
    "voided": (("VOIDED", "UNFULFILLED", False), 5),
}
BUYERS = {"full": 70, "no_phone": 10, "phone_only": 8, "no_contact": 5, "guest": 7}


def iso(value: datetime) -> str:
    """A GraphQL DateTime: UTC, whole seconds, ``Z``."""
    return value.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def bag(amount: Decimal, presentment: str = SHOP_CURRENCY, shop: str = SHOP_CURRENCY
        ) -> dict[str, Any]:
    """A MoneyBag: the shop's amount (in ``shop``, its currency) and the buyer's (converted,
    rounded to the cent)."""
    rate = RATES.get(presentment, Decimal(1)) / RATES.get(shop, Decimal(1))
    shown = (amount * rate).quantize(CENT, ROUND_HALF_UP)
    return {"shopMoney": {"amount": str(amount.quantize(CENT)), "currencyCode": shop},
            "presentmentMoney": {"amount": str(shown), "currencyCode": presentment}}


@dataclass
class Store:
    """All objects of the shop, by gid, plus id counters."""

    rng: random.Random
    currency: str = SHOP_CURRENCY
    """The shop's currency (``SandboxOptions.currency``; USD by default)."""
    products: dict[str, dict[str, Any]] = field(default_factory=dict)
    variants: dict[str, dict[str, Any]] = field(default_factory=dict)
    items: dict[str, dict[str, Any]] = field(default_factory=dict)
    locations: dict[str, dict[str, Any]] = field(default_factory=dict)
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    line_items: dict[str, dict[str, Any]] = field(default_factory=dict)
    fulfillment_orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    fulfillments: dict[str, dict[str, Any]] = field(default_factory=dict)
    counters: dict[str, int] = field(default_factory=dict)

    def new_id(self, kind: str, base: int) -> tuple[str, str]:
        """A fresh ``(gid, legacy id)`` of ``kind``."""
        number = self.counters.get(kind, base) + 1
        self.counters[kind] = number
        return f"gid://shopify/{kind}/{number}", str(number)

    # --- catalogue -----------------------------------------------------------------
    def build_catalogue(self, created: datetime) -> None:
        for name, active in (("Main warehouse", True), ("Pop-up store", True),
                             ("Old depot", False)):
            gid, legacy = self.new_id("Location", 70_000_000)
            self.locations[gid] = {"__typename": "Location", "id": gid,
                                   "legacyResourceId": legacy, "name": name, "isActive": active}
        main, popup = list(self.locations)[:2]
        for title, kind, description, variants, tracked in CATALOG:
            gid, legacy = self.new_id("Product", 8_000_000_000)
            product: dict[str, Any] = {"__typename": "Product", "id": gid, "legacyResourceId": legacy,
                       "title": title, "handle": title.lower().replace(" ", "-"),
                       "descriptionHtml": description,
                       "description": description.replace("<p>", "").replace("</p>", "")
                       .replace("<b>", "").replace("</b>", ""),
                       "productType": kind, "vendor": "Hub Sandbox", "status": "ACTIVE",
                       "createdAt": iso(created), "updatedAt": iso(created),
                       "category": None, "_variants": []}
            self.products[gid] = product
            for v_title, sku, price in variants:
                vgid, vlegacy = self.new_id("ProductVariant", 44_000_000_000)
                igid, ilegacy = self.new_id("InventoryItem", 49_000_000_000)
                levels = {main: {"available": self.rng.randint(0, 60)}}
                if sku != "BOTTLE-750":  # one item is not stocked at the pop-up store
                    levels[popup] = {"available": self.rng.randint(0, 10)}
                self.items[igid] = {"__typename": "InventoryItem", "id": igid,
                                    "legacyResourceId": ilegacy, "sku": sku, "tracked": tracked,
                                    "_variant": vgid, "_levels": levels}
                self.variants[vgid] = {"__typename": "ProductVariant", "id": vgid,
                                       "legacyResourceId": vlegacy, "title": v_title, "sku": sku,
                                       "barcode": None, "price": price, "compareAtPrice": None,
                                       "_product": gid, "_item": igid}
                product["_variants"].append(vgid)

    def available(self, variant_gid: str) -> int:
        """A variant's total available quantity over its locations."""
        item = self.items[self.variants[variant_gid]["_item"]]
        return sum(level["available"] for level in item["_levels"].values())

    # --- orders --------------------------------------------------------------------
    def _address(self, first: str, last: str, phone: str | None) -> dict[str, Any]:
        city, province, zip_code, country, country_name = self.rng.choice(CITIES)
        return {"firstName": first, "lastName": last, "name": f"{first} {last}", "company": None,
                "address1": f"{self.rng.randint(1, 400)} {self.rng.choice(['Elm', 'Oak', 'Main'])} "
                            "St.", "address2": self.rng.choice([None, None, "Apt 4"]),
                "city": city, "province": province, "provinceCode": province, "zip": zip_code,
                "country": country_name, "countryCodeV2": country, "phone": phone}

    def _buyer(self, order: dict[str, Any], buyer: str, pickup: bool) -> None:
        first, last = self.rng.choice(FIRST), self.rng.choice(LAST)
        plain = f"{first.lower()}.{last.lower()}{self.rng.randint(1, 999)}@example.com"
        email: str | None = plain.encode("ascii", "ignore").decode()
        phone: str | None = f"+1 613 555 {self.rng.randint(1000, 9999)}"
        if buyer == "no_phone":
            phone = None
        elif buyer == "phone_only":
            email = None
        elif buyer == "no_contact":
            email = phone = None
        if buyer == "guest":
            order.update(customer=None, email=None, phone=None, shippingAddress=None,
                         billingAddress=None)
            return
        cgid, clegacy = self.new_id("Customer", 71_000_000_000)
        order["customer"] = {"__typename": "Customer", "id": cgid, "legacyResourceId": clegacy,
                             "firstName": first, "lastName": last,
                             "displayName": f"{first} {last}",
                             "defaultEmailAddress": {"emailAddress": email} if email else None,
                             "defaultPhoneNumber": {"phoneNumber": phone} if phone else None}
        order["email"], order["phone"] = email, phone
        address = None if buyer == "no_contact" else self._address(first, last, phone)
        order["billingAddress"] = address
        order["shippingAddress"] = None if pickup else address

    def order(self, created: datetime, updated: datetime, kind: str = "paid",
              buyer: str = "full", lines: int | None = None) -> dict[str, Any]:
        """Create one order of status ``kind`` (see :data:`KINDS`) and return it."""
        rng = self.rng
        gid, legacy = self.new_id("Order", 5_500_000_000)
        financial, fulfillment, cancelled = KINDS[kind][0]
        others = [c for c in ("USD", "EUR", "CAD") if c != self.currency][:2]
        presentment = rng.choice([self.currency] * 8 + others)
        method, shipping_cost = rng.choice(SHIPPING)
        order: dict[str, Any] = {
            "__typename": "Order", "id": gid, "legacyResourceId": legacy,
            "name": f"#{1000 + len(self.orders) + 1}", "createdAt": iso(created),
            "updatedAt": iso(updated), "processedAt": iso(created),
            "cancelledAt": iso(updated) if cancelled else None, "closedAt": None,
            "test": False, "tags": [], "currencyCode": self.currency,
            "presentmentCurrencyCode": presentment, "displayFinancialStatus": financial,
            "displayFulfillmentStatus": fulfillment, "_presentment": presentment,
            "shippingLine": {"id": None, "title": method, "code": method.lower(),
                             "originalPriceSet": bag(shipping_cost, presentment, self.currency)},
            "_lines": [], "_fulfillment_orders": [], "_fulfillments": []}
        self._buyer(order, buyer, pickup=method == "Local pickup")
        count = lines if lines is not None else (12 if rng.random() < 0.07
                                                 else rng.randint(1, 4))
        variants = list(self.variants.values())
        for index in range(count):
            variant = rng.choice(variants)
            product = self.products[variant["_product"]]
            quantity = rng.randint(1, 3)
            removed = count > 1 and index == count - 1 and rng.random() < 0.08
            unit = Decimal(variant["price"])
            discount = (unit * quantity * Decimal("0.10")).quantize(CENT) \
                if rng.random() < 0.2 and not removed else Decimal(0)
            lgid, _ = self.new_id("LineItem", 13_000_000_000)
            variant_title = None if variant["title"] == "Default Title" else variant["title"]
            line = {"__typename": "LineItem", "id": lgid, "sku": variant["sku"],
                    "title": product["title"],
                    "name": product["title"] + (f" - {variant_title}" if variant_title else ""),
                    "variantTitle": variant_title, "quantity": quantity,
                    "currentQuantity": 0 if removed else quantity,
                    "_variant": variant["id"], "_product": product["id"],
                    "_unit": unit, "_discount": discount,
                    "originalUnitPriceSet": bag(unit, presentment, self.currency),
                    "totalDiscountSet": bag(discount, presentment, self.currency)}
            self.line_items[lgid] = line
            order["_lines"].append(lgid)
        self.retotal(order, shipping_cost)
        self._fulfillment_state(order, kind, updated)
        self.orders[gid] = order
        return order

    def retotal(self, order: dict[str, Any], shipping: Decimal | None = None) -> None:
        """Recompute an order's current totals from its lines."""
        presentment = order["_presentment"]
        if shipping is None:
            shipping = Decimal(order["currentShippingPriceSet"]["shopMoney"]["amount"])
        lines = [self.line_items[i] for i in order["_lines"]]
        subtotal = sum((ln["_unit"] * ln["currentQuantity"] - ln["_discount"] for ln in lines),
                       Decimal(0))
        discounts = sum((ln["_discount"] for ln in lines), Decimal(0))
        tax = (subtotal * TAX_RATE).quantize(CENT, ROUND_HALF_UP)
        total = subtotal + shipping + tax
        order.update(currentSubtotalPriceSet=bag(subtotal, presentment, self.currency),
                     currentTotalDiscountsSet=bag(discounts, presentment, self.currency),
                     currentTotalTaxSet=bag(tax, presentment, self.currency),
                     currentTotalPriceSet=bag(total, presentment, self.currency),
                     currentShippingPriceSet=bag(shipping, presentment, self.currency),
                     totalPriceSet=bag(total, presentment, self.currency))

    def _fulfillment_state(self, order: dict[str, Any], kind: str, when: datetime) -> None:
        fo_gid, _ = self.new_id("FulfillmentOrder", 61_000_000_000)
        closed = kind in ("fulfilled", "cancelled")
        entries = []
        for index, line_gid in enumerate(order["_lines"]):
            line = self.line_items[line_gid]
            if not line["currentQuantity"]:
                continue
            li_gid, _ = self.new_id("FulfillmentOrderLineItem", 62_000_000_000)
            shipped = closed or (kind == "partial" and index == 0)
            entries.append({"__typename": "FulfillmentOrderLineItem", "id": li_gid,
                            "totalQuantity": line["currentQuantity"],
                            "remainingQuantity": 0 if shipped else line["currentQuantity"],
                            "_line": line_gid})
        status = {"fulfilled": "CLOSED", "cancelled": "CLOSED", "partial": "IN_PROGRESS",
                  "on_hold": "ON_HOLD"}.get(kind, "OPEN")
        self.fulfillment_orders[fo_gid] = {"__typename": "FulfillmentOrder", "id": fo_gid,
                                           "status": status, "_order": order["id"],
                                           "_lines": entries}
        order["_fulfillment_orders"].append(fo_gid)
        if kind in ("fulfilled", "partial"):
            self.add_fulfillment(order, when, [{"company": "UPS",
                                                "number": f"1Z{self.rng.randint(10**9, 10**10)}",
                                                "url": None}])

    def add_fulfillment(self, order: dict[str, Any], when: datetime,
                        tracking: list[dict[str, Any]]) -> dict[str, Any]:
        """Record a successful fulfillment with ``tracking`` on ``order``."""
        f_gid, _ = self.new_id("Fulfillment", 41_000_000_000)
        fulfillment = {"__typename": "Fulfillment", "id": f_gid, "status": "SUCCESS",
                       "createdAt": iso(when), "updatedAt": iso(when), "_order": order["id"],
                       "_tracking": tracking}
        self.fulfillments[f_gid] = fulfillment
        order["_fulfillments"].append(f_gid)
        return fulfillment


def generate(store: Store, count: int, now: datetime) -> None:
    """``count`` orders created over the 90 days before ``now``, the newest last."""
    rng = store.rng
    kinds, kind_weights = list(KINDS), [w for _, w in KINDS.values()]
    buyers, buyer_weights = list(BUYERS), list(BUYERS.values())
    stamps = sorted(now - timedelta(seconds=rng.randint(600, 90 * 86400)) for _ in range(count))
    for created in stamps:
        updated = min(now - timedelta(seconds=60),
                      created + timedelta(seconds=rng.randint(0, 3 * 86400)))
        store.order(created, updated, rng.choices(kinds, kind_weights)[0],
                    rng.choices(buyers, buyer_weights)[0])
