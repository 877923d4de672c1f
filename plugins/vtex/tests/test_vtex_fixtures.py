"""VTEX's published payloads (OpenAPI examples, guide blocks) parse into the right canonical data.

The files are read from ``../shared/fixtures/vtex`` (see its MANIFEST.md); the
test skips, saying so, where that folder is absent.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
import respx

import hub
from hub_vtex import feed, listing, orders, plugin
from hub_vtex.client import VtexClient

SPECS = Path(__file__).resolve().parents[3].parent / "shared" / "fixtures" / "vtex" / "openapi-schemas"
GUIDES = SPECS.parent / "dev-portal-content"


def spec(name: str) -> dict[str, Any]:
    path = SPECS / f"VTEX - {name}.json"
    if not path.exists():
        pytest.skip(f"published VTEX specs not found at {path.parent} (shared fixtures absent)")
    return json.loads(path.read_text())  # type: ignore[no-any-return]


def example(name: str, path: str, method: str = "get") -> Any:
    content = spec(name)["paths"][path][method]["responses"]["200"]["content"]
    return next(iter(content.values()))["example"]


def test_the_order_group_example_orders(vt: ModuleType) -> None:
    first, second = (plugin.parse_order(vt.account(), o) for o in
                     example("Orders API", "/api/oms/pvt/orders/order-group/{orderGroup}"))
    assert first.platform_order_id == "v71425090str-01" and second.platform_order_id == "v71425090str-02"
    assert first.currency == "BRL" and first.total.amount == Decimal("54.58")
    assert first.subtotal and first.subtotal.amount == Decimal("69.99")
    assert first.discount_total and first.discount_total.amount == Decimal("17.50")
    assert first.shipping_total and first.shipping_total.amount == Decimal("2.09")
    assert first.flags == []  # 6999 - 1750 + 209 + 0 == 5458
    (line,) = first.lines
    assert (line.platform_variant_id, line.sku, line.quantity) == ("5830010", "11167127", Decimal(1))
    assert line.unit_price.amount == Decimal("69.99")
    assert line.total and line.total.amount == Decimal("52.49")
    assert first.customer and first.customer.email == "cmlsmith@email.com"
    assert first.customer.phone == "+5521975366533"
    assert first.shipping_address and first.shipping_address.line1 == "Couto 29"
    assert first.shipping_address.postcode == "21020-402"
    assert second.total.amount == Decimal("62.08")


def test_the_get_order_example(vt: ModuleType) -> None:
    order = plugin.parse_order(vt.account(), example("Orders API", "/api/oms/pvt/orders/{orderId}"))
    assert order.platform_order_id == "1172452900788-01" and order.status == "handling"
    assert order.total.amount == Decimal("11.60") and order.currency == "BRL"
    assert "totals_mismatch" in order.flags  # the example's totals (399) are not its value (1160)
    (line,) = order.lines
    assert (line.sku, line.platform_product_id, line.unit_price.amount) == (
        "BIGBML", "6", Decimal("9.90"))
    assert order.customer and order.customer.email == "rodrigo.smith@email.com"
    assert order.shipping_address and order.shipping_address.line1 == "Avenida Lúcio Costa 126"
    assert order.created_at.isoformat() == "2024-02-04T20:09:43.899958+00:00"
    assert order.delivery and order.delivery.service == "Normal / All CEPs"


def test_the_pii_architecture_document_parses_too(vt: ModuleType) -> None:
    document = example("Orders API PII version", "/api/orders/pvt/document/{orderId}")
    order = plugin.parse_order(vt.account(), document)
    assert order.platform_order_id == "v70530116str-01" and order.status == "canceled"
    assert order.total.amount == Decimal("199.00")
    assert [(ln.sku, ln.unit_price.amount, ln.quantity) for ln in order.lines] == [
        ("11084344", Decimal("139.99"), Decimal(2))]


def test_the_user_order_example_has_a_masked_follow_up_address(vt: ModuleType) -> None:
    user_order = example("Orders API", "/api/oms/user/orders/{orderId}")
    from hub_vtex.mapping import is_masked_email

    assert is_masked_email(user_order["followUpEmail"])
    assert not is_masked_email(user_order["clientProfileData"]["email"])


def test_the_feed_example_is_read_fetched_and_committed(vt: ModuleType) -> None:
    items = example("Orders API", "/api/orders/feed")
    committed: list[str] = []

    async def work(a: hub.Account) -> list[hub.OrderPage]:
        with respx.mock() as router:
            router.get(f"{vt.BASE}/api/orders/feed").mock(
                side_effect=[httpx.Response(200, json=items)] + [httpx.Response(200, json=[])] * 9)
            router.post(f"{vt.BASE}/api/orders/feed").mock(side_effect=lambda r: (
                committed.extend(json.loads(r.content)["handles"]), httpx.Response(200))[1])
            router.get(f"{vt.BASE}/api/oms/pvt/orders/953712004126-01").mock(
                return_value=httpx.Response(200, json=vt.order(orderId="953712004126-01")))

            async def settled() -> None:
                return None

            return [p async for p in feed.drain(VtexClient(a), None, orders.details, settled)]

    pages = vt.run(vt.account(), work)
    assert vt.ids(pages) == ["953712004126-01"] and committed == [items[0]["handle"]]


def test_the_list_example_pages(vt: ModuleType) -> None:
    body = example("Orders API", "/api/oms/pvt/orders")
    from datetime import UTC, datetime

    async def work(a: hub.Account) -> hub.ListingPage[dict[str, Any]]:
        with respx.mock() as router:
            router.get(f"{vt.BASE}/api/oms/pvt/orders").mock(
                return_value=httpx.Response(200, json=body))
            day = datetime(2019, 1, 1, tzinfo=UTC)
            return await listing.list_page(VtexClient(a), day, day, 1)

    page = vt.run(vt.account(), work)
    assert (page.total, page.total_pages, len(page.items)) == (84, 6, 15)
    assert page.items[0]["orderId"] == "1306331686122-01"


def test_the_sku_and_context_example_maps_to_a_product(vt: ModuleType) -> None:
    sku = example("Catalog API", "/api/catalog_system/pvt/sku/stockkeepingunitbyid/{skuId}")
    product = plugin.map_product(vt.account(), {"productId": str(sku["ProductId"]), "skus": [sku]})
    assert product.platform_product_id == "2001426" and product.name == "Tabela de Basquete"
    assert product.category == "Brinquedos"
    (variant,) = product.variants
    assert (variant.platform_variant_id, variant.sku, variant.barcode) == ("2001773", "878181", "8781")


def _json_blocks(path: Path) -> list[Any]:
    if not path.exists():
        pytest.skip(f"VTEX guides not found at {path.parent} (shared fixtures absent)")
    blocks = []
    for block in re.findall(r"```json\s*\n(.*?)```", path.read_text(), re.S):
        try:
            blocks.append(json.loads(block))
        except ValueError:  # some guide blocks use typographic quotes (MANIFEST.md)
            continue
    return blocks


def test_the_guides_hook_notification_and_ping(vt: ModuleType) -> None:
    blocks = _json_blocks(GUIDES / "orders-feed.md")
    notification = next(b for b in blocks if isinstance(b, dict) and "OrderId" in b)
    ping = next(b for b in blocks if isinstance(b, dict) and b.get("hookConfig") == "ping")
    raw = json.dumps(notification).encode()
    assert plugin.verify_webhook(vt.account(), {"x-hub-secret": "hook-secret-123456"}, raw)
    event = plugin.parse_webhook(vt.account(), {}, raw)
    assert event.order_id == "v40484048naf-01" and event.topic == "order.payment-approved"
    assert plugin.parse_webhook(vt.account(), {}, json.dumps(ping).encode()).ignore
    hook_bodies = [b for b in blocks if isinstance(b, dict) and "hook" in b]
    assert hook_bodies and all(set(b["hook"]) == {"url", "headers"} for b in hook_bodies)
