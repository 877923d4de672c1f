"""Publishing the hub catalogue to the Tiendanube sandbox: create, update, re-publish by SKU."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlmodel import delete, select

from hub.core.storage.models import OutboxItem, ProductLink
from hub.core.sync.catalogue_edit import parse_input, save_product
from hub.core.sync.publish import publish, set_flow
from hub.sandbox import SandboxOptions
from hub.testing.harness import SandboxHarness
from hub_nuvemshop import catalogue_out
from hub_nuvemshop.sandbox import store

OPTIONS = SandboxOptions(orders=0, seed=3, currency="BRL")


def _add(h: SandboxHarness, **values: Any) -> None:
    with h.app.db.session() as s:
        save_product(s, parse_input(values))


def _with_sku(h: SandboxHarness, sku: str) -> list[dict[str, Any]]:
    products = h.sandbox.products.values()  # type: ignore[attr-defined]
    return [p for p in products if any(v["sku"] == sku for v in p["variants"])]


def test_products_are_created_updated_and_matched_by_sku_without_duplicates(tmp_path: Path) -> None:
    with SandboxHarness("nuvemshop", tmp_path, OPTIONS) as h:
        set_flow(h.app, "main", "products", True)
        _add(h, sku="MUG", name="Caneca", description="Uma caneca", barcode="4006381333931",
             weight="0.35", brand="Acme")
        _add(h, sku="TEE", name="Camiseta")
        _add(h, sku="TEE-S", name="Camiseta P", parent_sku="TEE", attributes={"Tamanho": "P"})
        _add(h, sku="TEE-M", name="Camiseta M", parent_sku="TEE", attributes={"Tamanho": "M"})
        first = h.run(publish(h.app, "main"))
        assert first.error is None and first.counts.counts["created"] == 2, first.counts.as_dict()
        [mug] = _with_sku(h, "MUG")
        assert mug["name"] == {"pt": "Caneca"} and mug["brand"] == "Acme"
        assert mug["variants"][0]["barcode"] == "4006381333931"
        [tee] = _with_sku(h, "TEE-S")
        assert tee["attributes"] == [{"pt": "Tamanho"}]
        assert sorted(v["sku"] for v in tee["variants"]) == ["TEE-M", "TEE-S"]
        with h.app.db.session() as s:
            links = {link.sku: (link.platform_product_id, link.platform_variant_id)
                     for link in s.exec(select(ProductLink))}
        assert links["MUG"][0] == str(mug["id"])
        assert {links["TEE-S"][0], links["TEE-M"][0]} == {str(tee["id"])}

        with h.app.db.session() as s:
            save_product(s, parse_input({"sku": "MUG", "name": "Caneca grande"}))
        assert h.run(publish(h.app, "main")).counts.counts["updated"] == 1
        assert [p["name"] for p in _with_sku(h, "MUG")] == [{"pt": "Caneca grande"}]

        # the hub loses its links: the SKUs are looked up and updated, nothing is duplicated
        with h.app.db.session() as s:
            s.exec(delete(ProductLink))  # type: ignore[call-overload]
            s.exec(delete(OutboxItem))  # type: ignore[call-overload]
        rerun = h.run(publish(h.app, "main"))
        assert rerun.counts.counts["updated"] == 2 and rerun.counts.counts["created"] == 0
        assert len(_with_sku(h, "MUG")) == 1 and len(_with_sku(h, "TEE-M")) == 1
        assert len(_with_sku(h, "TEE-M")[0]["variants"]) == 2


def test_a_store_product_holding_the_sku_is_updated_not_duplicated(tmp_path: Path) -> None:
    with SandboxHarness("nuvemshop", tmp_path, OPTIONS) as h:
        set_flow(h.app, "main", "products", True)
        _add(h, sku="NS-001", name="Produto um, novo nome")
        result = h.run(publish(h.app, "main"))
        assert result.counts.counts["updated"] == 1 and result.counts.counts["created"] == 0
        assert [p["id"] for p in _with_sku(h, "NS-001")] == [101]
        assert h.sandbox.products["101"]["name"] == {"pt": "Produto um, novo nome"}  # type: ignore[attr-defined]


def _srcs(product: dict[str, Any]) -> list[tuple[int, str]]:
    return [(i["position"], i["source_url"]) for i in product["images"]]


def test_images_go_with_a_new_product_and_a_changed_list_replaces_the_listings(
        tmp_path: Path) -> None:
    with SandboxHarness("nuvemshop", tmp_path, OPTIONS) as h:
        set_flow(h.app, "main", "products", True)
        _add(h, sku="MUG", name="Caneca", images=["https://img.example/mug.jpg",
                                                  "https://img.example/mug-side.jpg"])
        h.sandbox.stats.reset()
        assert h.run(publish(h.app, "main")).counts.counts["created"] == 1
        assert h.sandbox.stats.routes["POST /v1/{store_id}/products/{id}/images"] == 0
        [mug] = _with_sku(h, "MUG")
        assert _srcs(mug) == [(1, "https://img.example/mug.jpg"),
                              (2, "https://img.example/mug-side.jpg")]
        assert all(i["src"].startswith("https://cdn.") for i in mug["images"])  # the store's copy

        # a name change leaves the images alone
        _add(h, sku="MUG", name="Caneca azul", images=["https://img.example/mug.jpg",
                                                       "https://img.example/mug-side.jpg"])
        h.sandbox.stats.reset()
        assert h.run(publish(h.app, "main")).counts.counts["updated"] == 1
        assert h.sandbox.stats.routes["POST /v1/{store_id}/products/{id}/images"] == 0
        before = [i["id"] for i in mug["images"]]

        _add(h, sku="MUG", name="Caneca azul", images=["https://img.example/mug-top.jpg",
                                                       "https://img.example/mug.jpg"])
        h.sandbox.stats.reset()
        assert h.run(publish(h.app, "main")).counts.counts["updated"] == 1
        assert h.sandbox.stats.routes["POST /v1/{store_id}/products/{id}/images"] == 2
        assert h.sandbox.stats.routes["DELETE /v1/{store_id}/products/{id}/images/{iid}"] == 2
        assert _srcs(mug) == [(1, "https://img.example/mug-top.jpg"),
                              (2, "https://img.example/mug.jpg")]
        assert not {i["id"] for i in mug["images"]} & set(before)


def test_a_listing_matched_by_sku_keeps_its_images_when_the_hub_has_none(tmp_path: Path) -> None:
    with SandboxHarness("nuvemshop", tmp_path, OPTIONS) as h:
        sandbox: Any = h.sandbox
        sandbox._add_image(sandbox.products["101"], "https://img.example/merchant.jpg", None)
        set_flow(h.app, "main", "products", True)
        _add(h, sku="NS-001", name="Produto um")
        assert h.run(publish(h.app, "main")).counts.counts["updated"] == 1
        assert _srcs(sandbox.products["101"]) == [(1, "https://img.example/merchant.jpg")]


def test_a_listing_near_the_image_cap_is_emptied_before_the_new_images_go(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the cap is 250; 5 here, on both sides, so the test does not wait on the store's bucket
    monkeypatch.setattr(catalogue_out, "MAX_IMAGES", 5)
    monkeypatch.setattr(store, "MAX_IMAGES", 5)
    with SandboxHarness("nuvemshop", tmp_path, OPTIONS) as h:
        sandbox: Any = h.sandbox
        for n in range(4):
            sandbox._add_image(sandbox.products["101"], f"https://img.example/old-{n}.jpg", None)
        set_flow(h.app, "main", "products", True)
        _add(h, sku="NS-001", name="Produto um", images=["https://img.example/a.jpg",
                                                         "https://img.example/b.jpg"])
        result = h.run(publish(h.app, "main"))
        assert result.counts.counts["updated"] == 1, result.counts.as_dict()
        assert _srcs(sandbox.products["101"]) == [(1, "https://img.example/a.jpg"),
                                                  (2, "https://img.example/b.jpg")]
