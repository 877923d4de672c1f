"""The sandbox's seeded catalogue and orders, in SkyHub's documented shapes.

Products are simple (``qty``, ``price``, ``promotional_price`` on the product) or configurable
(the same on each variation, with its own SKU). Orders carry SkyHub's codes
(``"Lojas Americanas-<13 digits>-01"``), statuses, customer, addresses and items priced with
``original_price`` and ``special_price`` (the unit price paid); ``total_ordered`` is the items
plus ``shipping_cost`` plus ``interest`` less ``discount``.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

BRT = timezone(timedelta(hours=-3))
CHANNELS = ("Lojas Americanas", "Submarino", "Shoptime")
STATUSES = {  # code: (type, label)
    "book_product": ("NEW", "Pagamento Pendente (SkyHub)"),
    "payment_received": ("APPROVED", "Aprovado (SkyHub)"),
    "order_invoiced": ("INVOICED", "Faturado (SkyHub)"),
    "order_shipped": ("SHIPPED", "Pedido Enviado (SkyHub)"),
    "complete": ("DELIVERED", "Completo (entregue) (SkyHub)"),
    "order_canceled": ("CANCELED", "Cancelado (SkyHub)"),
}
MIX = (["payment_received"] * 12 + ["book_product"] * 3 + ["order_canceled"] * 2
       + ["order_invoiced"] * 2 + ["complete"])
FIRST = ("Ana", "Bruno", "Carla", "Diego", "Elisa", "Felipe", "Gabriela", "Hugo")
LAST = ("Silva", "Souza", "Oliveira", "Santos", "Pereira", "Lima")
CITIES = (("São Paulo", "SP", "01310100"), ("Rio de Janeiro", "RJ", "20040002"),
          ("Belo Horizonte", "MG", "30130010"), ("Curitiba", "PR", "80010000"))


def skyhub_time(value: datetime) -> str:
    """ISO 8601 in Brazilian time with its offset, as SkyHub's samples write it."""
    return value.astimezone(BRT).replace(microsecond=0).isoformat()


def money(value: Decimal) -> float:
    """A JSON number, as SkyHub serves amounts (two decimals)."""
    return float(value.quantize(Decimal("0.01")))


def status(code: str) -> dict[str, str]:
    kind, label = STATUSES.get(code, ("NEW", code))
    return {"code": code, "label": label, "type": kind}


def catalogue(rng: random.Random) -> dict[str, dict[str, Any]]:
    """Products by SKU: 8 simple, 4 configurable with 3 variations each."""
    products: dict[str, dict[str, Any]] = {}
    for n in range(8):
        price = Decimal(rng.randint(1990, 29990)) / 100
        sku = f"SKH-{1001 + n}"
        products[sku] = {"sku": sku, "name": f"Produto {n + 1}", "description": "Produto de teste",
                         "status": "enabled", "qty": rng.randint(5, 80), "price": money(price),
                         "promotional_price": money(price), "ean": f"789{1000000000 + n}",
                         "variations": []}
    for n in range(4):
        price = Decimal(rng.randint(4990, 19990)) / 100
        sku = f"SKH-{2001 + n}"
        products[sku] = {"sku": sku, "name": f"Camiseta {n + 1}", "description": "Camiseta de teste",
                         "status": "enabled", "qty": 0, "price": money(price),
                         "promotional_price": money(price), "ean": None, "variations": [
                             {"sku": f"{sku}-{size}", "qty": rng.randint(0, 40), "ean": None,
                              "price": money(price), "promotional_price": money(price),
                              "specifications": [{"key": "Tamanho", "value": size}]}
                             for size in ("P", "M", "G")]}
    return products


def sellable(products: dict[str, dict[str, Any]]) -> list[tuple[str, str, str, Decimal]]:
    """(sku sold, parent sku, name, unit price) of everything an order may hold."""
    found = []
    for product in products.values():
        for variation in product["variations"] or [None]:
            if variation is None:
                found.append((product["sku"], product["sku"], product["name"],
                              Decimal(str(product["promotional_price"]))))
            else:
                found.append((variation["sku"], product["sku"], f"{product['name']} {variation['sku'][-1]}",
                              Decimal(str(variation["promotional_price"]))))
    return found


def order(rng: random.Random, serial: int, placed: datetime, code_status: str,
          items: list[tuple[str, str, str, Decimal]]) -> dict[str, Any]:
    """One order as ``GET /orders/{code}`` serves it."""
    channel = rng.choice(CHANNELS)
    first, last = rng.choice(FIRST), rng.choice(LAST)
    city, region, postcode = rng.choice(CITIES)
    lines = []
    subtotal = Decimal("0")
    for sku, parent, name, unit in rng.sample(items, k=rng.randint(1, 3)):
        qty = rng.randint(1, 3)
        original = (unit * Decimal("1.15")).quantize(Decimal("0.01"))
        lines.append({"id": sku, "product_id": parent, "name": name, "qty": qty,
                      "original_price": money(original), "special_price": money(unit)})
        subtotal += unit * qty
    shipping = Decimal(rng.choice(["0", "12.90", "19.90", "24.25"]))
    discount = Decimal(rng.choice(["0", "0", "5.00"]))
    interest = Decimal(rng.choice(["0", "0", "0", "2.69"]))
    address = {"full_name": f"{first} {last}", "street": "Rua Sacadura Cabral",
               "number": str(rng.randint(1, 999)), "detail": "apto 12", "neighborhood": "Centro",
               "city": city, "region": region, "country": "BR", "postcode": postcode,
               "phone": f"11 9{rng.randint(10000000, 99999999)}"}
    updated = placed + timedelta(minutes=rng.randint(1, 600))
    return {
        "code": f"{channel}-{1517940500000 + serial:013d}-01", "channel": channel,
        "placed_at": skyhub_time(placed), "updated_at": skyhub_time(updated),
        "total_ordered": money(subtotal + shipping + interest - discount),
        "interest": money(interest), "shipping_cost": money(shipping), "discount": money(discount),
        "shipping_method": rng.choice(["Normal", "Expressa"]), "shipping_carrier": "Correios",
        "calculation_type": "proprio",
        "estimated_delivery": skyhub_time(placed + timedelta(days=7)),
        "shipping_address": address, "billing_address": dict(address),
        "customer": {"name": f"{first} {last}",
                     "email": f"{first.lower()}.{last.lower()}{serial}@example.com.br",
                     "date_of_birth": "1990-01-01", "gender": "female",
                     "vat_number": f"{rng.randint(10**10, 10**11 - 1)}",
                     "phones": [address["phone"]]},
        "items": lines, "status": status(code_status), "sync_status": "NOT_SYNCED",
        "invoices": [], "shipments": [], "tags": [],
    }


def generate(rng: random.Random, count: int, epoch: datetime,
             items: list[tuple[str, str, str, Decimal]]) -> dict[str, dict[str, Any]]:
    """``count`` orders placed over the 50 days before ``epoch``, oldest first."""
    orders: dict[str, dict[str, Any]] = {}
    for serial in range(count):
        placed = epoch - timedelta(days=50) + timedelta(minutes=(50 * 24 * 60 - 90) * serial
                                                        / max(count, 1))
        made = order(rng, serial, placed.replace(microsecond=0), rng.choice(MIX), items)
        orders[made["code"]] = made
    return orders
