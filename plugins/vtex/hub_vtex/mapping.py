"""VTEX payloads as canonical hub objects: orders (Get order) and products (SKU and context).

Money on the Orders API is integer cents (``value``, ``totals[]``, item
``price``/``sellingPrice``); it is converted exactly with
:func:`hub.cents_to_decimal`. The totals are taken as VTEX computed them:
``Items`` (sum of item ``price`` x quantity, before discounts), ``Discounts``
(negative on VTEX), ``Shipping`` and ``Tax``; the order total is ``value``.
Each line's unit price is the item's ``price`` and its total the discounted
``priceDefinition.total`` (else ``sellingPrice`` x quantity).

E-mails under ``ct.vtex.com.br`` are VTEX's masked aliases (accounts on the
PII data architecture, marketplace orders): they are kept as given, since
VTEX relays mail sent to them, and the customer is flagged ``masked_email``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hub import (
    Address,
    Customer,
    DataError,
    Delivery,
    Money,
    Order,
    OrderLine,
    OrderPeek,
    Product,
    Variant,
    cents_to_decimal,
    parse_datetime,
)

MASKED_DOMAINS = ("ct.vtex.com.br", "ct.vtex.com")
TOTAL_IDS = ("Items", "Discounts", "Shipping", "Tax")


def is_masked_email(email: str | None) -> bool:
    """Whether ``email`` is one of VTEX's relay aliases (``...@ct.vtex.com.br``)."""
    if not email or "@" not in email:
        return False
    domain = email.rsplit("@", 1)[1].lower()
    return any(domain == d or domain.endswith("." + d) for d in MASKED_DOMAINS) or any(
        email.lower().endswith("." + d) for d in MASKED_DOMAINS)


def object_of(value: Any) -> dict[str, Any]:
    """``value`` if it is a JSON object, else an empty one."""
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _money(value: Any, currency: str, field: str) -> Money:
    return Money(amount=cents_to_decimal(value if value is not None else 0, field=field),
                 currency=currency)


def _totals(payload: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for total in payload.get("totals") or []:
        if isinstance(total, dict) and total.get("id") in TOTAL_IDS:
            found[str(total["id"])] = total.get("value")
    return found


def address(data: dict[str, Any] | None, phone: str | None = None) -> Address | None:
    """A VTEX address (``shippingData.address``) as a canonical address."""
    if not isinstance(data, dict):
        return None
    street = " ".join(p for p in (_text(data.get("street")), _text(data.get("number"))) if p)
    line2 = ", ".join(p for p in (_text(data.get("complement")), _text(data.get("neighborhood")))
                      if p)
    found = Address(name=_text(data.get("receiverName")), line1=street or None,
                    line2=line2 or None, city=_text(data.get("city")),
                    state=_text(data.get("state")), postcode=_text(data.get("postalCode")),
                    country=_text(data.get("country")), phone=phone)
    return found if found.one_line() else None


def customer(payload: dict[str, Any], shipping: Address | None) -> Customer | None:
    """``clientProfileData`` as the buyer; None when the order has none."""
    profile = payload.get("clientProfileData")
    if not isinstance(profile, dict):
        return None
    email = _text(profile.get("email"))
    phone = _text(profile.get("phone")) or _text(profile.get("corporatePhone"))
    flags = ["masked_email"] if is_masked_email(email) else []
    # a company buys with its CNPJ (``corporateDocument``), a person with ``document`` (CPF)
    document = (_text(profile.get("corporateDocument")) if profile.get("isCorporate") else None) \
        or _text(profile.get("document"))
    found = Customer(platform_id=_text(profile.get("userProfileId")),
                     first_name=_text(profile.get("firstName")),
                     last_name=_text(profile.get("lastName")), email=email, phone=phone,
                     document=document, address=shipping, flags=flags)
    if profile.get("isCorporate") and _text(profile.get("corporateName")) and found.address:
        found.address = found.address.model_copy(update={"company": profile["corporateName"]})
    return found


def _line(item: dict[str, Any], currency: str, index: int) -> OrderLine:
    where = f"items[{index}]"
    try:
        quantity = Decimal(int(item.get("quantity") or 0))
    except (TypeError, ValueError):
        raise DataError(f"{where}.quantity: '{item.get('quantity')}' is not a whole number") from None
    definition = item.get("priceDefinition")
    if isinstance(definition, dict) and definition.get("total") is not None:
        total = _money(definition["total"], currency, f"{where}.priceDefinition.total")
    else:
        selling = item.get("sellingPrice", item.get("price"))
        total = Money(amount=cents_to_decimal(selling or 0, field=f"{where}.sellingPrice")
                      * quantity, currency=currency)
    tax = item.get("tax")
    return OrderLine(
        platform_line_id=_text(item.get("uniqueId")) or str(index),
        platform_product_id=_text(item.get("productId")),
        platform_variant_id=_text(item.get("id")),
        sku=_text(item.get("refId")),
        name=_text(item.get("name")) or _text(item.get("id")) or f"item {index + 1}",
        quantity=quantity,
        unit_price=_money(item.get("price"), currency, f"{where}.price"),
        total=total,
        tax=_money(tax, currency, f"{where}.tax") if tax else None,
    )


def _delivery(payload: dict[str, Any], shipping: Address | None, cost: Money | None
              ) -> Delivery | None:
    data = object_of(payload.get("shippingData"))
    services = []
    for info in data.get("logisticsInfo") or []:
        if not isinstance(info, dict):
            continue
        sla = _text(info.get("selectedSla"))
        pickup = object_of(info.get("pickupStoreInfo"))
        if pickup.get("isPickupStore"):
            sla = f"pickup at {_text(pickup.get('friendlyName')) or sla or 'store'}"
        company = _text(info.get("deliveryCompany"))
        service = " / ".join(p for p in (sla, company) if p)
        if service and service not in services:
            services.append(service)
    if not services and shipping is None and cost is None:
        return None
    return Delivery(service="; ".join(services) or None, cost=cost, address=shipping)


def peek_order(payload: Any) -> OrderPeek | None:
    """The id and status :func:`parse_order` would give, read without parsing the rest."""
    if not isinstance(payload, dict) or not isinstance(payload.get("items"), list):
        return None  # not a full order: parse_order says why
    order_id = _text(payload.get("orderId"))
    return OrderPeek(order_id, _text(payload.get("status")) or "unknown") if order_id else None


def parse_order(payload: dict[str, Any]) -> Order:
    """A Get order payload (``GET /api/oms/pvt/orders/{orderId}``) as a canonical order.

    :raises hub.DataError: the payload is not a full order (a list summary, a
        hook notification) or a value cannot be read exactly.
    """
    order_id = _text(payload.get("orderId"))
    if not order_id:
        raise DataError("not a VTEX order: no orderId")
    if not isinstance(payload.get("items"), list):
        raise DataError(f"order {order_id}: no items list (an order-list summary is not an order)")
    prefs = payload.get("storePreferencesData")
    currency = _text(prefs.get("currencyCode")) if isinstance(prefs, dict) else None
    if not currency or len(currency) != 3:
        raise DataError(f"order {order_id}: storePreferencesData.currencyCode is missing")
    currency = currency.upper()
    profile = object_of(payload.get("clientProfileData"))
    phone = _text(profile.get("phone"))
    shipping_data = object_of(payload.get("shippingData"))
    shipping = address(shipping_data.get("address"), phone)
    invoice_data = object_of(payload.get("invoiceData"))
    billing = address(invoice_data.get("address"), phone)
    totals = _totals(payload)
    total = _money(payload.get("value"), currency, "value")
    subtotal = _money(totals["Items"], currency, "totals.Items") if "Items" in totals else None
    shipping_total = (_money(totals["Shipping"], currency, "totals.Shipping")
                      if "Shipping" in totals else None)
    discount = None
    if "Discounts" in totals:
        discount = Money(amount=abs(cents_to_decimal(totals["Discounts"] or 0,
                                                     field="totals.Discounts")), currency=currency)
    tax_total = _money(totals["Tax"], currency, "totals.Tax") if "Tax" in totals else None
    flags = []
    if totals and sum(int(v or 0) for v in totals.values()) != int(payload.get("value") or 0):
        flags.append("totals_mismatch")  # VTEX's totals do not add up to `value`
    buyer = customer(payload, shipping)
    return Order(
        platform_order_id=order_id,
        number=order_id,
        status=_text(payload.get("status")) or "unknown",
        created_at=parse_datetime(payload.get("creationDate"), field="creationDate"),
        updated_at=parse_datetime(payload.get("lastChange") or payload.get("creationDate"),
                                  field="lastChange"),
        currency=currency,
        customer=buyer,
        billing_address=billing,
        shipping_address=shipping,
        lines=[_line(item, currency, n) for n, item in enumerate(payload["items"])
               if isinstance(item, dict)],
        subtotal=subtotal,
        shipping_total=shipping_total,
        discount_total=discount,
        tax_total=tax_total,
        total=total,
        delivery=_delivery(payload, shipping, shipping_total),
        flags=flags + (buyer.flags if buyer else []),
        raw=payload,
    )


# --- products ----------------------------------------------------------------------

def _category(sku: dict[str, Any]) -> str | None:
    """The deepest category: the last id of ``ProductCategoryIds`` named by ``ProductCategories``."""
    names = object_of(sku.get("ProductCategories"))
    path = [p for p in str(sku.get("ProductCategoryIds") or "").split("/") if p]
    for category_id in reversed(path):
        if _text(names.get(category_id)):
            return _text(names[category_id])
    return next((_text(v) for v in names.values() if _text(v)), None)


def map_product(payload: dict[str, Any]) -> Product:
    """A product as :func:`hub_vtex.products.fetch` builds it: ``{"productId", "skus": [...]}``.

    Each SKU (``GET /api/catalog_system/pvt/sku/stockkeepingunitbyid/{skuId}``)
    becomes a variant: SKU id, ``AlternateIds.RefId`` as the SKU, EAN as barcode.
    The product id becomes the hub's product code.
    """
    skus = [s for s in payload.get("skus") or [] if isinstance(s, dict)]
    product_id = _text(payload.get("productId")) or (_text(skus[0].get("ProductId")) if skus else None)
    if not product_id:
        raise DataError("not a VTEX product: no productId")
    first = skus[0] if skus else {}
    variants = []
    for sku in skus:
        alternate = object_of(sku.get("AlternateIds"))
        variants.append(Variant(platform_variant_id=str(sku.get("Id")),
                                sku=_text(alternate.get("RefId")),
                                name=_text(sku.get("SkuName")) or _text(sku.get("NameComplete")),
                                barcode=_text(alternate.get("Ean"))))
    return Product(
        platform_product_id=product_id,
        sku=_text(first.get("ProductRefId")) if not variants else None,
        name=_text(first.get("ProductName")) or _text(payload.get("name")) or f"product {product_id}",
        description=_text(first.get("ProductDescription")),
        category=_category(first),
        variants=variants,
        raw=payload,
    )
