"""Publishing to the Mercado Libre sandbox: mapped category, required attributes, refusals."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlmodel import select

from hub.core.storage.models import RunItem
from hub.core.sync import inventory
from hub.core.sync.catalogue_edit import parse_input, save_product
from hub.core.sync.categories import map_category
from hub.core.sync.publish import publish, set_flow
from hub.sandbox import SandboxOptions
from hub.testing.harness import SandboxHarness

OPTIONS = SandboxOptions(orders=0, seed=8, currency="ARS")


def _add(h: SandboxHarness, sku: str, **values: Any) -> None:
    with h.app.db.session() as s:
        save_product(s, parse_input({"sku": sku, **values}))
    inventory.set_price(h.app, sku, Decimal("1999.90"))
    inventory.set_stock(h.app, sku, 3, "main")


def _reasons(h: SandboxHarness, run_id: int) -> list[str | None]:
    with h.app.db.session() as s:
        return list(s.exec(select(RunItem.reason).where(RunItem.run_id == run_id)))


def test_missing_required_attributes_are_named_before_anything_is_sent(tmp_path: Path) -> None:
    with SandboxHarness("mercadolibre", tmp_path, OPTIONS) as h:
        sandbox: Any = h.sandbox
        set_flow(h.app, "main", "products", True)
        _add(h, "MATE-X", name="Mate", category="Mates", images=["https://img.example/m.jpg"])
        unmapped = h.run(publish(h.app, "main"))
        assert _reasons(h, unmapped.run_id) == [
            "Mercado Libre needs a category for MATE-X: run hub categories map Mates "
            "ML_CATEGORY_ID --account main"]
        map_category(h.app, "main", "Mates", "MLA407134")
        posts = len(sandbox.writes)
        result = h.run(publish(h.app, "main", retry_failed=True))
        assert _reasons(h, result.run_id) == [
            "Mercado Libre cannot list MATE-X: category MLA407134 requires Marca (BRAND), "
            "Modelo (MODEL) (set --brand, --barcode or --attr ID=VALUE)"]
        assert len(sandbox.writes) == posts  # nothing was sent

        with h.app.db.session() as s:
            save_product(s, parse_input({"sku": "MATE-X", "brand": "Pampa",
                                         "attributes": {"Modelo": "Imperial"}}))
        done = h.run(publish(h.app, "main", retry_failed=True))
        assert done.counts.counts["created"] == 1, _reasons(h, done.run_id)
        [item] = [i for i in sandbox.items.values() if i["title"] == "Mate"]
        assert item["category_id"] == "MLA407134" and item["listing_type_id"] == "gold_special"
        assert {a["id"]: a["value_name"] for a in item["attributes"]} == {
            "BRAND": "Pampa", "MODEL": "Imperial", "SELLER_SKU": "MATE-X"}
        assert item["pictures"][0]["url"] == "https://img.example/m.jpg"
        assert item["price"] == 1999.9 and item["available_quantity"] == 3


def test_a_listing_mercado_libre_refuses_is_reported_with_its_causes(tmp_path: Path) -> None:
    with SandboxHarness("mercadolibre", tmp_path, OPTIONS,
                        settings={"listing_type": "gold_pro"}) as h:
        set_flow(h.app, "main", "products", True)
        map_category(h.app, "main", "Mates", "MLA407134")
        _add(h, "LONG", name="Mate de calabaza forrado en cuero con virola de alpaca cincelada a mano",
             category="Mates", brand="Pampa", attributes={"MODEL": "X"},
             images=["https://img.example/m.jpg"])
        result = h.run(publish(h.app, "main"))
        assert _reasons(h, result.run_id) == [
            "Mercado Libre refused LONG: title must have at most 60 characters"]
        with h.app.db.session() as s:
            save_product(s, parse_input({"sku": "LONG", "name": "Mate forrado en cuero"}))
        again = h.run(publish(h.app, "main", retry_failed=True))
        assert again.counts.counts["created"] == 1
        [item] = [i for i in h.sandbox.items.values()  # type: ignore[attr-defined]
                  if i["title"] == "Mate forrado en cuero"]
        assert item["listing_type_id"] == "gold_pro"
        with h.app.db.session() as s:
            save_product(s, parse_input({"sku": "LONG", "name": "Mate forrado"}))
        h.run(publish(h.app, "main"))
        assert item["id"] in h.sandbox.items  # type: ignore[attr-defined]
        assert h.sandbox.items[item["id"]]["title"] == "Mate forrado"  # type: ignore[attr-defined]
