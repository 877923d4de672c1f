"""Publishing to the Shopify sandbox: productSet shapes, refusals with userErrors, contacts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlmodel import select

from hub.core.storage.models import OutboxItem, ProductLink, RunItem
from hub.core.sync.catalogue_edit import parse_input, save_product
from hub.core.sync.contacts_out import add_contact, push_contacts
from hub.core.sync.publish import publish, set_flow
from hub.sandbox import SandboxOptions
from hub.testing.harness import SandboxHarness


def _add(h: SandboxHarness, **values: Any) -> None:
    with h.app.db.session() as s:
        save_product(s, parse_input(values))


def test_a_shop_product_with_the_sku_keeps_its_variant_and_stock(tmp_path: Path) -> None:
    with SandboxHarness("shopify", tmp_path, SandboxOptions(orders=0, seed=5)) as h:
        store: Any = h.sandbox.store  # type: ignore[attr-defined]
        [variant] = [v for v in store.variants.values() if v["sku"] == "TOTE-CNV"]
        before = len(store.products)
        set_flow(h.app, "main", "products", True)
        _add(h, sku="TOTE-CNV", name="Canvas tote, large", barcode="036000291452", weight="0.4")
        result = h.run(publish(h.app, "main"))
        assert result.counts.counts["updated"] == 1, result.counts.as_dict()
        assert len(store.products) == before and variant["id"] in store.variants
        assert variant["barcode"] == "036000291452"
        assert variant["_weight"] == {"value": 0.4, "unit": "KILOGRAMS"}
        assert store.products[variant["_product"]]["title"] == "Canvas tote, large"
        with h.app.db.session() as s:
            link = s.exec(select(ProductLink)).one()
        assert link.platform_variant_id == variant["legacyResourceId"]


def test_user_errors_fail_the_product_with_shopifys_reasons(tmp_path: Path) -> None:
    with SandboxHarness("shopify", tmp_path, SandboxOptions(orders=0, seed=5)) as h:
        set_flow(h.app, "main", "products", True)
        _add(h, sku="DUO", name="Duo")
        _add(h, sku="DUO-1", name="Duo 1", parent_sku="DUO", attributes={"Size": "S"})
        _add(h, sku="DUO-2", name="Duo 2", parent_sku="DUO", attributes={"Size": "S"})
        result = h.run(publish(h.app, "main"))
        assert result.counts.counts["failed"] == 1
        with h.app.db.session() as s:
            assert s.exec(select(OutboxItem)).one().status == "failed"
            reason = s.exec(select(RunItem.reason).where(RunItem.run_id == result.run_id)).one()
        assert reason == "Shopify refused DUO: The variant 'S' already exists. (input.variants.1)"


def test_contacts_become_customers_once(tmp_path: Path) -> None:
    with SandboxHarness("shopify", tmp_path, SandboxOptions(orders=0, seed=5)) as h:
        contacts: dict[str, dict[str, Any]] = h.sandbox.contacts  # type: ignore[attr-defined]
        add_contact(h.app, "leo@example.com", "+1 613 555 0101", "Leo", "Ng")
        set_flow(h.app, "main", "contacts", True)
        assert h.run(push_contacts(h.app, "main")).counts.counts["created"] == 1
        [leo] = contacts.values()
        assert leo["defaultPhoneNumber"] == {"phoneNumber": "+16135550101"}
        assert h.run(push_contacts(h.app, "main")).counts.counts["pushed"] == 0
        assert len(contacts) == 1


def test_shop_customers_come_into_the_hub_once(tmp_path: Path) -> None:
    from hub.core.sync.contacts_out import pull_contacts

    with SandboxHarness("shopify", tmp_path, SandboxOptions(orders=0, seed=5)) as h:
        contacts: dict[str, dict[str, Any]] = h.sandbox.contacts  # type: ignore[attr-defined]
        contacts["gid://shopify/Customer/9"] = {
            "__typename": "Customer", "id": "gid://shopify/Customer/9", "legacyResourceId": "9",
            "firstName": "Ivy", "lastName": "Li", "displayName": "Ivy Li",
            "defaultEmailAddress": {"emailAddress": "ivy@example.com"},
            "defaultPhoneNumber": None}
        set_flow(h.app, "main", "contacts", True)
        assert h.run(pull_contacts(h.app, "main")).counts.counts["imported"] == 1
        assert h.run(pull_contacts(h.app, "main")).counts.counts["imported"] == 0
        h.sandbox.stats.reset()
        assert h.run(push_contacts(h.app, "main")).counts.counts["pushed"] == 0
        assert h.sandbox.stats.requests == 0


def test_products_go_ten_to_a_request(tmp_path: Path) -> None:
    with SandboxHarness("shopify", tmp_path, SandboxOptions(orders=0, seed=5)) as h:
        set_flow(h.app, "main", "products", True)
        for i in range(12):
            _add(h, sku=f"B-{i}", name=f"Batch {i}")
        h.sandbox.stats.reset()
        first = h.run(publish(h.app, "main"))
        assert first.counts.counts["created"] == 12
        assert h.sandbox.stats.requests == 4  # (one SKU lookup + one productSet request) x 2
        with h.app.db.session() as s:
            for i in range(12):
                save_product(s, parse_input({"sku": f"B-{i}", "name": f"Batch {i} v2"}))
        h.sandbox.stats.reset()
        assert h.run(publish(h.app, "main")).counts.counts["updated"] == 12
        assert h.sandbox.stats.requests == 2
        store: Any = h.sandbox.store  # type: ignore[attr-defined]
        assert sorted(p["title"] for p in store.products.values() if p["title"].startswith("Batch")) \
            == sorted(f"Batch {i} v2" for i in range(12))


def test_shop_renames_come_in_and_cycles_write_nothing(tmp_path: Path) -> None:
    from datetime import timedelta

    from hub.core.storage.models import Product
    from hub.core.sync.catalogue_in import pull_products

    with SandboxHarness("shopify", tmp_path, SandboxOptions(orders=0, seed=5)) as h:
        store: Any = h.sandbox.store  # type: ignore[attr-defined]
        set_flow(h.app, "main", "products", True)
        _add(h, sku="CYCLE", name="Cycle mug")
        h.run(publish(h.app, "main"))
        [product] = [p for p in store.products.values() if p["title"] == "Cycle mug"]
        product["title"] = "Cycle mug (shop)"
        later = h.sandbox.now() + timedelta(minutes=1)
        product["updatedAt"] = later.strftime("%Y-%m-%dT%H:%M:%SZ")
        assert h.run(pull_products(h.app, "main")).counts.counts["updated"] == 1
        with h.app.db.session() as s:
            assert s.exec(select(Product.name).where(Product.sku == "CYCLE")).one() == "Cycle mug (shop)"
        writes = []
        for _ in range(3):
            assert h.run(pull_products(h.app, "main")).counts.counts["updated"] == 0
            h.sandbox.stats.reset()
            h.run(publish(h.app, "main"))
            writes.append(h.sandbox.stats.requests)
        assert writes == [0, 0, 0]  # the shop's change is never echoed back


def test_a_product_created_in_the_shop_is_created_in_the_hub_with_details(tmp_path: Path) -> None:
    from hub.core.storage.catalogue import ProductDetail
    from hub.core.storage.models import Product
    from hub.core.sync.catalogue_in import pull_products

    with SandboxHarness("shopify", tmp_path, SandboxOptions(orders=0, seed=5)) as h:
        set_flow(h.app, "main", "products", True)
        assert h.run(pull_products(h.app, "main")).counts.counts["imported"] >= 1
        with h.app.db.session() as s:
            tote = s.exec(select(Product).where(Product.sku == "TOTE-CNV")).one()
            detail = s.get(ProductDetail, tote.id)
            assert detail is not None and detail.publish is False
        h.sandbox.stats.reset()
        assert h.run(publish(h.app, "main")).counts.counts["pushed"] == 0
        assert h.sandbox.stats.requests == 0
