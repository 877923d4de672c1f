"""Publishing the hub catalogue to the WooCommerce sandbox: create, update, re-publish, refusals."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlmodel import delete, select

from hub.core.storage.models import OutboxItem, ProductLink, RunItem
from hub.core.sync.catalogue_edit import parse_input, save_product
from hub.core.sync.publish import plan, publish, set_flow
from hub.sandbox import SandboxOptions
from hub.testing.harness import SandboxHarness


def _add(h: SandboxHarness, **values: Any) -> None:
    with h.app.db.session() as s:
        save_product(s, parse_input(values))


def _by_sku(h: SandboxHarness, sku: str) -> list[dict[str, Any]]:
    found = [p for p in h.sandbox.products.values() if p["sku"] == sku]  # type: ignore[attr-defined]
    return found


def _publish(h: SandboxHarness) -> Any:
    return h.run(publish(h.app, "main"))


def test_products_are_created_updated_and_republished_without_duplicates(tmp_path: Path) -> None:
    with SandboxHarness("woocommerce", tmp_path, SandboxOptions(orders=0, seed=3)) as h:
        set_flow(h.app, "main", "products", True)
        _add(h, sku="MUG", name="Mug", description="A mug", barcode="4006381333931",
             weight="0.35", images=["https://img.example/mug.jpg"], brand="Acme",
             attributes={"material": "stoneware"})
        _add(h, sku="TEE", name="Tee")
        _add(h, sku="TEE-S", name="Tee S", parent_sku="TEE", attributes={"Size": "S"})
        _add(h, sku="TEE-M", name="Tee M", parent_sku="TEE", attributes={"Size": "M"},
             barcode="73513537")
        first = _publish(h)
        assert first.error is None and first.counts.counts["pushed"] == 2, first.counts.as_dict()
        assert first.counts.counts["created"] == 2
        [mug] = _by_sku(h, "MUG")
        assert (mug["name"], mug["global_unique_id"], mug["weight"]) == ("Mug", "4006381333931", "0.35")
        assert mug["images"][0]["src"] == "https://img.example/mug.jpg"
        brand = {"name": "Brand", "options": ["Acme"], "visible": True, "variation": False}
        assert brand in mug["attributes"]
        [tee] = _by_sku(h, "TEE")
        variations = h.sandbox.variations[tee["id"]]  # type: ignore[attr-defined]
        assert sorted(v["sku"] for v in variations.values()) == ["TEE-M", "TEE-S"]
        with h.app.db.session() as s:
            links = {link.sku: (link.platform_product_id, link.platform_variant_id)
                     for link in s.exec(select(ProductLink))}
        assert links["MUG"] == (str(mug["id"]), "")
        assert {links["TEE-S"][0], links["TEE-M"][0]} == {str(tee["id"])}

        h.sandbox.stats.reset()
        again = _publish(h)
        assert again.counts.counts["pushed"] == 0 and again.counts.counts["unchanged"] == 2
        assert h.sandbox.stats.requests == 0  # nothing changed: nothing sent

        with h.app.db.session() as s:
            save_product(s, parse_input({"sku": "MUG", "name": "Big mug"}))
        preview = plan(h.app, "main")
        assert [(i.sku, i.action, i.changes) for i in preview.items] == [
            ("MUG", "update", {"name": ("Mug", "Big mug")})]
        assert _by_sku(h, "MUG")[0]["name"] == "Mug"  # the dry run sent nothing
        h.sandbox.stats.reset()
        updated = _publish(h)
        assert updated.counts.counts["updated"] == 1 and h.sandbox.stats.requests == 1
        assert [p["name"] for p in _by_sku(h, "MUG")] == ["Big mug"]

        # the hub loses its links and its record of what the store holds: the SKU is matched
        with h.app.db.session() as s:
            s.exec(delete(ProductLink))  # type: ignore[call-overload]
            s.exec(delete(OutboxItem))  # type: ignore[call-overload]
        rerun = _publish(h)
        assert rerun.counts.counts["updated"] == 2 and rerun.counts.counts["created"] == 0
        assert len(_by_sku(h, "MUG")) == 1 and len(_by_sku(h, "TEE")) == 1
        assert len(h.sandbox.variations[tee["id"]]) == 2  # type: ignore[attr-defined]


def test_a_store_product_with_the_sku_is_updated_not_duplicated(tmp_path: Path) -> None:
    with SandboxHarness("woocommerce", tmp_path, SandboxOptions(orders=0, seed=3)) as h:
        set_flow(h.app, "main", "products", True)
        _add(h, sku="TEE-BASIC", name="Basic tee, organic")
        result = _publish(h)
        assert result.counts.counts["updated"] == 1 and result.counts.counts["created"] == 0
        assert [p["id"] for p in _by_sku(h, "TEE-BASIC")] == [101]
        assert h.sandbox.products[101]["name"] == "Basic tee, organic"  # type: ignore[attr-defined]


def test_a_refused_listing_is_reported_with_the_stores_reason_and_not_retried(tmp_path: Path) -> None:
    with SandboxHarness("woocommerce", tmp_path, SandboxOptions(orders=0, seed=3)) as h:
        set_flow(h.app, "main", "products", True)
        _add(h, sku="HOODIE-S", name="Another hoodie")  # a store variation holds this SKU
        result = _publish(h)
        assert result.counts.counts["failed"] == 1 and not _by_sku(h, "HOODIE-S")
        with h.app.db.session() as s:
            item = s.exec(select(OutboxItem)).one()
            reason = s.exec(select(RunItem.reason).where(RunItem.run_id == result.run_id)).one()
        assert item.status == "failed"
        assert reason == "WooCommerce refused HOODIE-S: Invalid or duplicated SKU. (product_invalid_sku)"


def test_the_flow_is_off_until_switched_on(tmp_path: Path) -> None:
    import pytest

    from hub.errors import ConfigError

    with SandboxHarness("woocommerce", tmp_path, SandboxOptions(orders=0, seed=3)) as h:
        _add(h, sku="MUG", name="Mug")
        with pytest.raises(ConfigError, match="products flow is off"):
            _publish(h)
        assert not _by_sku(h, "MUG")


def test_contacts_are_created_once_matched_by_email_and_updated(tmp_path: Path) -> None:
    from hub.core.storage.models import Customer
    from hub.core.sync.contacts_out import add_contact, push_contacts

    with SandboxHarness("woocommerce", tmp_path, SandboxOptions(orders=0, seed=3)) as h:
        store: dict[int, dict[str, Any]] = h.sandbox.customers  # type: ignore[attr-defined]
        add_contact(h.app, "Ana@Example.com", "+55 81 5555-0000", "Ana", "Silva")
        add_contact(h.app, None, "+55 81 4444-0000", "Bia", None)  # no e-mail: the store refuses
        set_flow(h.app, "main", "contacts", True)
        first = h.run(push_contacts(h.app, "main"))
        assert (first.counts.counts["pushed"], first.counts.counts["failed"]) == (1, 1)
        [ana] = store.values()
        assert (ana["email"], ana["first_name"], ana["billing"]["phone"]) == (
            "ana@example.com", "Ana", "558155550000")
        h.sandbox.stats.reset()
        assert h.run(push_contacts(h.app, "main")).counts.counts["pushed"] == 0
        assert h.sandbox.stats.requests == 0
        with h.app.db.session() as s:
            row = s.exec(select(Customer).where(Customer.email == "ana@example.com")).one()
            row.last_name = "Souza"
            s.add(row)
        assert h.run(push_contacts(h.app, "main")).counts.counts["updated"] == 1
        assert len(store) == 1 and ana["last_name"] == "Souza"
