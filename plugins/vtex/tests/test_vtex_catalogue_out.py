"""Publishing to the VTEX sandbox: product, SKU, EAN, images, specifications; refusals."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlmodel import select

from hub.core.storage.models import RunItem
from hub.core.sync.catalogue_edit import parse_input, save_product
from hub.core.sync.categories import map_category
from hub.core.sync.publish import publish, set_flow
from hub.errors import ConfigError
from hub.sandbox import SandboxOptions
from hub.testing.harness import SandboxHarness

FULL = {"brand": "Casa", "category": "Mugs", "weight": "0.3", "length": "10", "width": "8",
        "height": "9"}


def _add(h: SandboxHarness, **values: Any) -> None:
    with h.app.db.session() as s:
        save_product(s, parse_input(values))


def _reasons(h: SandboxHarness, run_id: int) -> list[str | None]:
    with h.app.db.session() as s:
        return list(s.exec(select(RunItem.reason).where(RunItem.run_id == run_id)))


def test_product_sku_ean_images_and_specifications_reach_the_catalog(tmp_path: Path) -> None:
    with SandboxHarness("vtex", tmp_path, SandboxOptions(orders=0, seed=2)) as h:
        sandbox: Any = h.sandbox
        set_flow(h.app, "main", "products", True)
        map_category(h.app, "main", "Mugs", "21")
        _add(h, sku="MUG-XL", name="XL mug", barcode="4006381333931", attributes={"Material": "Clay"},
             images=["https://img.example/a.jpg", "https://img.example/b.jpg"], **FULL)
        result = h.run(publish(h.app, "main"))
        assert result.counts.counts["created"] == 1, _reasons(h, result.run_id)
        [product] = [p for p in sandbox.products.values() if p["RefId"] == "MUG-XL"]
        assert (product["Name"], product["CategoryPath"], product["Brand"]) == ("XL mug", "/2/21/", "Casa")
        assert product["Specs"] == {"Material": ["Clay"]}
        [sku] = [s for s in sandbox.skus.values() if s["RefId"] == "MUG-XL"]
        assert sku["Ean"] == "4006381333931" and sku["PackagedWeightKg"] == 0.3
        assert [f["Url"] for f in sku["Files"]] == ["https://img.example/a.jpg", "https://img.example/b.jpg"]
        with h.app.db.session() as s:
            save_product(s, parse_input({"sku": "MUG-XL", "images": ["https://img.example/c.jpg"]}))
        h.sandbox.stats.reset()
        h.run(publish(h.app, "main"))
        assert [f["Url"] for f in sku["Files"]] == ["https://img.example/c.jpg"]
        assert h.sandbox.stats.requests == 2  # the old images removed, the new one added


def test_what_vtex_requires_is_named_before_sending(tmp_path: Path) -> None:
    with SandboxHarness("vtex", tmp_path, SandboxOptions(orders=0, seed=2)) as h:
        set_flow(h.app, "main", "products", True)
        _add(h, sku="BARE", name="Bare", category="Mugs")
        h.sandbox.stats.reset()
        result = h.run(publish(h.app, "main"))
        assert h.sandbox.stats.requests == 0 and result.counts.counts["failed"] == 1
        assert _reasons(h, result.run_id) == [
            "VTEX needs a VTEX category (run: hub categories map Mugs ID --account NAME); "
            "a brand (--brand); packaged weight, length, width, height for BARE"]


def test_an_ean_held_by_another_sku_is_refused_with_vtexs_reason(tmp_path: Path) -> None:
    with SandboxHarness("vtex", tmp_path, SandboxOptions(orders=0, seed=2)) as h:
        sandbox: Any = h.sandbox
        taken = next(s["Ean"] for s in sandbox.skus.values() if s["Ean"])
        set_flow(h.app, "main", "products", True)
        map_category(h.app, "main", "Mugs", "21")
        with h.app.db.session() as s:  # the sandbox's EANs carry valid check digits
            save_product(s, parse_input({"sku": "COPY", "name": "Copy", "barcode": taken, **FULL}))
        result = h.run(publish(h.app, "main"))
        assert _reasons(h, result.run_id) == [
            f"VTEX refused COPY: EAN {taken} already belongs to another SKU"]


def test_vtex_cannot_take_the_contacts_flow(tmp_path: Path) -> None:
    import pytest

    with SandboxHarness("vtex", tmp_path, SandboxOptions(orders=0, seed=2)) as h, \
            pytest.raises(ConfigError, match="VTEX cannot take the contacts flow"):
        set_flow(h.app, "main", "contacts", True)
