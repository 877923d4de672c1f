"""Deterministic sandbox data: a catalogue and orders shaped like VTEX's Catalog and Orders APIs.

One seed always gives the same store relative to the sandbox's clock: about
``options.orders`` orders created over the last 90 days, mostly
``ready-for-handling`` but every other status too (``handling``, ``invoiced``
with and without a return, ``canceled``, ``payment-pending``,
``window-to-cancel``), several lines with variant SKUs, discounts, shipping and
pickup, corporate buyers, masked e-mails (``...@ct.vtex.com.br``), a buyer
without e-mail or phone, an order without a client profile, orders of a second
trade policy in USD, and an order whose payment was approved days after it was
created (``late_ready``). The first orders take each of those shapes, so even a
small store has them. Each order keeps its status history (for Feed v3 events).
Money is integer cents, dates are ISO 8601 with an offset, as VTEX writes them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

STORE_CURRENCY = "BRL"
OTHER_CURRENCY = "USD"
BACKFILL_EDGE = timedelta(days=60)
"""The core's default backfill; no order is created within two hours of its edge."""

WAREHOUSES = [{"id": "1_1", "name": "Main warehouse"}, {"id": "sp_02", "name": "São Paulo store"}]
CATEGORIES = {"1": "Apparel", "12": "T-Shirts", "13": "Trousers", "2": "Home", "21": "Mugs",
              "22": "Lamps"}
PRODUCTS = [  # (name, category path, brand, variants (name, ref suffix), price cents)
    ("Basic T-Shirt", "/1/12/", "Lux", [("S", "S"), ("M", "M"), ("L", "L")], 4990),
    ("Organic T-Shirt", "/1/12/", "Lux", [("Black M", "BLK-M"), ("White M", "WHT-M")], 6990),
    ("Chino Trousers", "/1/13/", "Urbano", [("40", "40"), ("42", "42"), ("44", "44")], 15990),
    ("Jeans", "/1/13/", "Urbano", [("38", "38"), ("40", "40")], 19990),
    ("Enamel Mug", "/2/21/", "Casa", [("Default", "")], 3490),
    ("Espresso Cup Set", "/2/21/", "Casa", [("4 pieces", "4"), ("6 pieces", "6")], 8990),
    ("Desk Lamp", "/2/22/", "Luz", [("Black", "BLK"), ("Brass", "BRS")], 24990),
    ("Floor Lamp", "/2/22/", "Luz", [("Default", "")], 59990),
]
STATUS_WEIGHTS = {"ready-for-handling": 46, "handling": 8, "invoiced": 18, "canceled": 12,
                  "payment-pending": 6, "window-to-cancel": 4}
STATUS_TEXT = {"ready-for-handling": "Pronto para o manuseio", "handling": "Preparando Entrega",
               "invoiced": "Faturado", "canceled": "Cancelado",
               "payment-pending": "Pagamento Pendente", "window-to-cancel": "Carência para Cancelamento",
               "payment-approved": "Pagamento Aprovado", "order-created": "Processando"}
PATHS = {  # the workflow states an order went through to reach its status
    "payment-pending": ["order-created", "payment-pending"],
    "window-to-cancel": ["order-created", "payment-pending", "payment-approved", "window-to-cancel"],
    "ready-for-handling": ["order-created", "payment-pending", "payment-approved",
                           "window-to-cancel", "ready-for-handling"],
    "handling": ["order-created", "payment-pending", "payment-approved", "window-to-cancel",
                 "ready-for-handling", "handling"],
    "invoiced": ["order-created", "payment-pending", "payment-approved", "window-to-cancel",
                 "ready-for-handling", "handling", "invoiced"],
    "canceled": ["order-created", "payment-pending", "cancel", "canceled"],
}
SHAPES = ("masked_email", "no_contact", "no_profile", "other_currency", "corporate", "pickup",
          "late_ready", "multi", "gift", "refund")
FIRST = ["Ana", "Bruno", "Carla", "Diego", "Elena", "Fábio", "Gabi", "Hugo", "Iris", "João",
         "Karin", "Luís", "Marta", "Nico"]
LAST = ["Silva", "Souza", "Costa", "Pereira", "Lima", "Gomes", "Rocha", "Almeida", "Nunes"]
CITIES = [("São Paulo", "SP", "01310-100"), ("Rio de Janeiro", "RJ", "22630-011"),
          ("Porto Alegre", "RS", "90010-150"), ("Recife", "PE", "50030-230"),
          ("Curitiba", "PR", "80010-000")]
CARRIERS = [("Normal", "Correios PAC"), ("Expressa", "Transportadora Rápida"), ("Econômica", "Loggi")]


def vtex_date(value: datetime) -> str:
    """``2024-02-04T20:09:43.899958+00:00``: how the Orders API writes dates."""
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def _ean(rng: random.Random) -> str:
    digits = [7, 8, 9] + [rng.randint(0, 9) for _ in range(9)]
    check = (10 - sum(d * (3 if i % 2 else 1) for i, d in enumerate(digits)) % 10) % 10
    return "".join(map(str, digits)) + str(check)


def build_catalog(rng: random.Random) -> tuple[dict[int, dict[str, Any]], dict[int, dict[str, Any]]]:
    """Products (by id) and SKUs (by id): the fields the Catalog endpoints answer with."""
    products: dict[int, dict[str, Any]] = {}
    skus: dict[int, dict[str, Any]] = {}
    sku_id = 1000
    for n, (name, path, brand, variants, price) in enumerate(PRODUCTS):
        product_id = 100 + n
        ref = "".join(word[0] for word in name.split()).upper()  # "Basic T-Shirt" -> "BT"
        products[product_id] = {"Id": product_id, "Name": name, "RefId": ref,
                                "CategoryPath": path, "Brand": brand,
                                "Description": f"{name} by {brand}."}
        for variant, suffix in variants:
            sku_id += 1
            skus[sku_id] = {"Id": sku_id, "ProductId": product_id, "Name": variant,
                            "RefId": f"{ref}-{suffix}" if suffix else ref, "Ean": _ean(rng),
                            "Price": price + (1000 if suffix.endswith(("L", "44", "6", "BRS")) else 0),
                            "IsActive": True}
    return products, skus


@dataclass
class Person:
    first: str
    last: str
    email: str
    phone: str
    document: str
    city: tuple[str, str, str]
    street: str
    number: str
    user_id: str


@dataclass
class OrderFactory:
    """Builds Get order payloads (and status histories); ids keep increasing across calls."""

    rng: random.Random
    account: str
    products: dict[int, dict[str, Any]]
    skus: dict[int, dict[str, Any]]
    next_number: int = 1
    people: list[Person] = field(default_factory=list)
    currency: str = STORE_CURRENCY
    other_currency: str = OTHER_CURRENCY

    def __post_init__(self) -> None:
        if not self.people:
            self.people = [self.person(n) for n in range(1, 31)]

    def person(self, n: int) -> Person:
        rng = self.rng
        first, last = rng.choice(FIRST), rng.choice(LAST)
        slug = (f"{first}.{last}".lower().replace("á", "a").replace("ã", "a").replace("í", "i")
                .replace("ú", "u"))
        return Person(first, last, f"{slug}{n}@example.com.br",
                      f"+55119{rng.randint(1000, 9999)}{rng.randint(1000, 9999)}",
                      f"{rng.randint(100, 999)}.{rng.randint(100, 999)}.{rng.randint(100, 999)}-"
                      f"{rng.randint(10, 99)}", rng.choice(CITIES), f"Rua {rng.choice(LAST)}",
                      str(rng.randint(1, 2000)), f"{rng.getrandbits(64):016x}-profile-{n}")

    def order_id(self) -> tuple[str, str]:
        number = self.next_number
        self.next_number += 1
        return f"{1420000000000 + number * 7919}-01", str(500000 + number)

    def _item(self, sku_id: int, quantity: int, discount: int, gift: bool) -> dict[str, Any]:
        sku = self.skus[sku_id]
        product = self.products[sku["ProductId"]]
        price = 0 if gift else int(sku["Price"])
        selling = max(0, price - discount)
        path = product["CategoryPath"]
        category_ids = [c for c in path.split("/") if c]
        return {
            "uniqueId": f"{self.rng.getrandbits(128):032X}", "id": str(sku_id),
            "productId": str(product["Id"]), "ean": sku["Ean"], "lockId": None,
            "itemAttachment": {"content": {}, "name": None}, "attachments": [],
            "quantity": quantity, "seller": "1",
            "name": f"{product['Name']} {sku['Name']}".replace(" Default", ""),
            "refId": sku["RefId"], "price": price, "listPrice": price + (1000 if discount else 0),
            "manualPrice": None, "priceTags": ([{"name": "discount@price", "value": -discount * quantity,
                                                 "isPercentual": False, "identifier": "promo-1",
                                                 "rawValue": -discount * quantity / 100}]
                                               if discount else []),
            "imageUrl": f"https://{self.account}.vteximg.com.br/arquivos/ids/{sku_id}-55-55/img.jpg",
            "detailUrl": f"/{product['Name'].lower().replace(' ', '-')}/p", "components": [],
            "bundleItems": [], "params": [], "offerings": [], "attachmentOfferings": [],
            "sellerSku": str(sku_id), "priceValidUntil": None, "commission": 0, "tax": 0,
            "preSaleDate": None,
            "additionalInfo": {"brandName": product["Brand"], "brandId": "2000000",
                               "categoriesIds": path,
                               "categories": [{"id": int(c), "name": CATEGORIES[c]}
                                              for c in reversed(category_ids)],
                               "productClusterId": "", "commercialConditionId": "1",
                               "dimension": {"cubicweight": 1.0, "height": 10.0, "length": 10.0,
                                             "weight": 300.0, "width": 10.0},
                               "offeringInfo": None, "offeringType": None, "offeringTypeId": None},
            "measurementUnit": "un", "unitMultiplier": 1.0, "sellingPrice": selling,
            "isGift": gift, "shippingPrice": None, "rewardValue": 0, "freightCommission": 0,
            "priceDefinition": {"sellingPrices": [{"value": selling, "quantity": quantity}],
                                "calculatedSellingPrice": selling, "total": selling * quantity,
                                "reason": None},
            "taxCode": "", "parentItemIndex": None, "parentAssemblyBinding": None,
            "callCenterOperator": None, "serialNumbers": None, "assemblies": [], "costPrice": None,
        }

    def build(self, created: datetime, status: str, shape: str | None = None,
              sales_channel: str = "1") -> tuple[dict[str, Any], list[tuple[str, datetime]]]:
        """One order payload and its status history ``[(state, when), ...]``."""
        rng = self.rng
        order_id, sequence = self.order_id()
        currency = self.other_currency if shape == "other_currency" else self.currency
        if shape == "other_currency":
            sales_channel = "2"
        person = rng.choice(self.people)
        count = 3 if shape == "multi" else rng.choice((1, 1, 1, 2, 2, 3))
        sku_ids = rng.sample(sorted(self.skus), count)
        items = []
        for sku_id in sku_ids:
            discount = rng.choice((0, 0, 0, 500, 1000)) if self.skus[sku_id]["Price"] > 4000 else 0
            items.append(self._item(sku_id, rng.choice((1, 1, 1, 2, 3)), discount, False))
        if shape == "gift":
            items.append(self._item(rng.choice(sorted(self.skus)), 1, 0, True))
        items_total = sum(i["price"] * i["quantity"] for i in items)
        discounts = -sum(i["price"] * i["quantity"] - i["priceDefinition"]["total"] for i in items)
        pickup = shape == "pickup"
        shipping = 0 if pickup else rng.choice((0, 1290, 1990, 2590))
        value = items_total + discounts + shipping
        history = self._history(created, status, late=shape == "late_ready")
        last_change = history[-1][1]
        email: str | None = person.email
        phone: str | None = person.phone
        if shape == "masked_email":
            email = f"{rng.getrandbits(128):032x}@ct.vtex.com.br"
        if shape == "no_contact":
            email, phone = None, None
        city, state, postcode = person.city
        address: dict[str, Any] = {"addressType": "pickup" if pickup else "residential",
                   "receiverName": f"{person.first} {person.last}",
                   "addressId": f"{rng.getrandbits(48):012x}", "versionId": None, "entityId": None,
                   "postalCode": postcode, "city": city, "state": state, "country": "BRA",
                   "street": person.street, "number": person.number,
                   "neighborhood": "Centro", "complement": rng.choice(("", "apto 12", "casa 2")),
                   "reference": None, "geoCoordinates": []}
        sla, company = ("Retirada", "Loja SP") if pickup else rng.choice(CARRIERS)
        corporate = shape == "corporate"
        profile: dict[str, Any] | None = {
            "id": "clientProfileData", "email": email, "firstName": person.first,
            "lastName": person.last, "documentType": "cpf", "document": person.document,
            "phone": phone, "corporateName": "Comércio Exemplo Ltda" if corporate else None,
            "tradeName": None, "corporateDocument": "12.345.678/0001-90" if corporate else None,
            "stateInscription": None, "corporatePhone": None, "isCorporate": corporate,
            "userProfileId": person.user_id, "userProfileVersion": None, "customerClass": None,
            "customerCode": None}
        if shape == "no_profile":
            profile = None
        payload: dict[str, Any] = {
            "orderId": order_id, "sequence": sequence, "marketplaceOrderId": "",
            "marketplaceServicesEndpoint": None, "sellerOrderId": f"00-{order_id}",
            "origin": "Marketplace", "affiliateId": "", "salesChannel": sales_channel,
            "merchantName": None, "status": status,
            "workflowIsInError": False, "statusDescription": STATUS_TEXT.get(status, status),
            "value": value, "creationDate": vtex_date(created),
            "lastChange": vtex_date(last_change), "orderGroup": order_id.split("-")[0],
            "followUpEmail": f"{rng.getrandbits(128):032x}@ct.vtex.com.br",
            "lastMessage": None, "hostname": self.account, "isCompleted": True,
            "roundingError": 0, "orderFormId": f"{rng.getrandbits(128):032x}",
            "allowCancellation": status in ("ready-for-handling", "window-to-cancel"),
            "allowEdition": False, "isCheckedIn": False,
            "authorizedDate": next((vtex_date(w) for s, w in history if s == "payment-approved"),
                                   None),
            "invoicedDate": next((vtex_date(w) for s, w in history if s == "invoiced"), None),
            "cancelReason": "Customer asked to cancel" if status == "canceled" else None,
            "checkedInPickupPointId": None,
            "totals": [{"id": "Items", "name": "Total dos Itens", "value": items_total},
                       {"id": "Discounts", "name": "Total dos Descontos", "value": discounts},
                       {"id": "Shipping", "name": "Total do Frete", "value": shipping},
                       {"id": "Tax", "name": "Total da Taxa", "value": 0}],
            "sellers": [{"id": "1", "name": "Sandbox Store", "logo": "",
                         "fulfillmentEndpoint": ""}],
            "clientPreferencesData": {"locale": "pt-BR", "optinNewsLetter": False},
            "cancellationData": None, "taxData": None, "subscriptionData": None,
            "itemMetadata": {"Items": []}, "marketplace": None,
            "storePreferencesData": {
                "countryCode": "BRA" if currency == "BRL" else "USA",
                "currencyCode": currency,
                "currencyFormatInfo": {"CurrencyDecimalDigits": 2, "CurrencyDecimalSeparator": ",",
                                       "CurrencyGroupSeparator": ".", "CurrencyGroupSize": 3,
                                       "StartsWithCurrencySymbol": True},
                "currencyLocale": 1046, "currencySymbol": "R$" if currency == "BRL" else "US$",
                "timeZone": "E. South America Standard Time"},
            "customData": None, "commercialConditionData": None, "openTextField": None,
            "invoiceData": None, "changesAttachment": None, "callCenterOperatorData": None,
            "packageAttachment": {"packages": []},
            "paymentData": {"transactions": [{"isActive": True,
                                              "transactionId": f"{rng.getrandbits(128):032X}",
                                              "merchantName": self.account,
                                              "payments": [{"id": f"{rng.getrandbits(128):032X}",
                                                            "paymentSystem": "6",
                                                            "paymentSystemName": "Boleto Bancário"
                                                            if shape == "late_ready" else "Visa",
                                                            "value": value, "installments": 1,
                                                            "referenceValue": value,
                                                            "group": "bankInvoice"
                                                            if shape == "late_ready"
                                                            else "creditCard"}]}],
                            "giftCards": []},
            "shippingData": {
                "id": "shippingData", "address": address,
                "logisticsInfo": [{"itemIndex": n, "selectedSla": sla, "lockTTL": "10d",
                                   "price": shipping if n == 0 else 0,
                                   "listPrice": shipping if n == 0 else 0,
                                   "sellingPrice": shipping if n == 0 else 0,
                                   "deliveryWindow": None, "deliveryCompany": company,
                                   "shippingEstimate": "5bd", "shippingEstimateDate": None,
                                   "slas": [], "shipsTo": ["BRA"], "deliveryIds": [
                                       {"courierId": "1", "courierName": company,
                                        "dockId": "1", "quantity": item["quantity"],
                                        "warehouseId": WAREHOUSES[0]["id"],
                                        "accountCarrierName": self.account,
                                        "kitItemDetails": []}],
                                   "deliveryChannels": [], "deliveryChannel":
                                       "pickup-in-point" if pickup else "delivery",
                                   "pickupStoreInfo": {"additionalInfo": None, "address": None,
                                                       "dockId": None,
                                                       "friendlyName": "Loja SP" if pickup else None,
                                                       "isPickupStore": pickup},
                                   "addressId": address["addressId"], "versionId": None,
                                   "entityId": None, "polygonName": "", "pickupPointId": None,
                                   "transitTime": "3d"}
                                  for n, item in enumerate(items)],
                "trackingHints": None, "selectedAddresses": [address]},
            "ratesAndBenefitsData": {"id": "ratesAndBenefitsData",
                                     "rateAndBenefitsIdentifiers": []},
            "marketingData": None, "giftRegistryData": None,
            "clientProfileData": profile, "items": items, "marketplaceItems": [],
        }
        if status == "canceled":
            payload["cancellationData"] = {"RequestedByUser": True, "RequestedBySystem": False,
                                           "RequestedBySellerNotification": False,
                                           "RequestedByPaymentNotification": False,
                                           "Reason": "Customer asked to cancel",
                                           "CancellationDate": vtex_date(last_change)}
        if status == "invoiced":
            payload["packageAttachment"]["packages"].append(
                self.package(payload, f"NF-{sequence}", history[-1][1], "Output"))
            if shape == "refund":
                payload["packageAttachment"]["packages"].append(
                    self.package(payload, f"DEV-{sequence}", history[-1][1], "Input"))
        return payload, history

    def package(self, payload: dict[str, Any], number: str, when: datetime, kind: str
                ) -> dict[str, Any]:
        """An invoice package as the Get order payload shows it."""
        return {"items": [{"itemIndex": n, "quantity": i["quantity"], "price": i["sellingPrice"],
                           "description": None, "unitMultiplier": 1.0}
                          for n, i in enumerate(payload["items"])],
                "courier": "Correios PAC", "invoiceNumber": number,
                "invoiceValue": payload["value"], "invoiceUrl": None,
                "issuanceDate": vtex_date(when), "trackingNumber": f"BR{number[-6:]}XX",
                "invoiceKey": None, "trackingUrl": None, "embeddedInvoice": "", "type": kind,
                "courierStatus": None, "cfop": None, "restitutions": {}, "volumes": 1,
                "EnableInferItems": False}

    def _history(self, created: datetime, status: str, late: bool) -> list[tuple[str, datetime]]:
        rng = self.rng
        steps = PATHS[status]
        when = created
        history = []
        for n, state in enumerate(steps):
            if n:
                gap = timedelta(minutes=rng.randint(1, 40))
                if state == "payment-approved" and late:
                    gap = timedelta(days=4, hours=rng.randint(0, 10))
                if state in ("handling", "invoiced", "canceled"):
                    gap = timedelta(hours=rng.randint(2, 30))
                when = when + gap
            history.append((state, when))
        return history


def generate(factory: OrderFactory, count: int, now: datetime
             ) -> tuple[dict[str, dict[str, Any]], dict[str, list[tuple[str, datetime]]]]:
    """About ``count`` orders created over the 90 days before ``now`` (histories in the past)."""
    rng = factory.rng
    orders: dict[str, dict[str, Any]] = {}
    histories: dict[str, list[tuple[str, datetime]]] = {}
    statuses = list(STATUS_WEIGHTS)
    weights = [STATUS_WEIGHTS[s] for s in statuses]
    edge = now - BACKFILL_EDGE
    for n in range(count):
        shape = SHAPES[n] if n < len(SHAPES) else None
        status = rng.choices(statuses, weights)[0]
        if shape == "refund":
            status = "invoiced"
        elif shape is not None:
            status = "ready-for-handling"
        created = now - timedelta(seconds=rng.randint(3600, (50 if shape else 90) * 86400))
        if shape == "late_ready":
            created = now - timedelta(days=5)
        if abs(created - edge) < timedelta(hours=2):
            created -= timedelta(hours=3)
        payload, history = factory.build(created, status, shape)
        while history[-1][1] > now - timedelta(minutes=10):  # every change is in the past
            payload, history = _shift(payload, history, timedelta(hours=6))
        orders[payload["orderId"]] = payload
        histories[payload["orderId"]] = history
    return orders, histories


def _shift(payload: dict[str, Any], history: list[tuple[str, datetime]], by: timedelta
           ) -> tuple[dict[str, Any], list[tuple[str, datetime]]]:
    """Move an order's dates back by ``by`` (its history ran into the future)."""
    history = [(state, when - by) for state, when in history]
    payload["creationDate"] = vtex_date(history[0][1])
    payload["lastChange"] = vtex_date(history[-1][1])
    for key, state in (("authorizedDate", "payment-approved"), ("invoicedDate", "invoiced")):
        if payload.get(key):
            payload[key] = next(vtex_date(w) for s, w in history if s == state)
    for package in payload["packageAttachment"]["packages"]:
        package["issuanceDate"] = payload["lastChange"]
    if payload.get("cancellationData"):
        payload["cancellationData"]["CancellationDate"] = payload["lastChange"]
    return payload, history
