"""Two-way products flow on the WooCommerce sandbox: store changes come in, hub changes go out,
the newer change wins per field, and several cycles converge without ping-pong."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlmodel import select

from hub.core.storage.catalogue import CatalogueEvent, ProductDetail
from hub.core.storage.models import Product
from hub.core.sync.catalogue_edit import parse_input, save_product
from hub.core.sync.catalogue_in import pull_products
from hub.core.sync.publish import publish, set_flow
from hub.sandbox import SandboxOptions
from hub.testing.harness import SandboxHarness


def _store_edit(h: SandboxHarness, sku: str, minutes: int, **fields: Any) -> None:
    """Change a product in the store, stamped ``minutes`` from the store's now."""
    sandbox: Any = h.sandbox
    [item] = [p for p in sandbox.products.values() if p["sku"] == sku]
    item.update(fields)
    when = (sandbox.now() + timedelta(minutes=minutes)).replace(microsecond=0, tzinfo=None)
    item["date_modified_gmt"] = when.isoformat()


def _name(h: SandboxHarness, sku: str) -> str:
    with h.app.db.session() as s:
        return s.exec(select(Product.name).where(Product.sku == sku)).one()


def test_both_directions_converge_without_ping_pong(tmp_path: Path) -> None:
    with SandboxHarness("woocommerce", tmp_path, SandboxOptions(orders=0, seed=3)) as h:
        h.add_account("second")  # a second account on the same store: another channel
        for account in ("main", "second"):
            set_flow(h.app, account, "products", True)
        with h.app.db.session() as s:
            save_product(s, parse_input({"sku": "MUG", "name": "Mug", "description": "Stoneware"}))
        assert h.run(publish(h.app, "main")).counts.counts["created"] == 1
        assert h.run(publish(h.app, "second")).counts.counts["updated"] == 1  # matched by SKU

        # the store renames the mug: the hub takes it, the other channel gets it, main does not
        _store_edit(h, "MUG", 1, name="Mug (store)")
        pulled = h.run(pull_products(h.app, "main"))
        assert pulled.counts.counts["updated"] == 1 and _name(h, "MUG") == "Mug (store)"
        h.sandbox.stats.reset()
        assert h.run(publish(h.app, "main")).counts.counts["pushed"] == 0
        assert h.sandbox.stats.requests == 0  # never echoed back to where it came from
        assert h.run(publish(h.app, "second")).counts.counts["updated"] == 1

        # cycles in both directions: after convergence nothing is written anywhere
        writes = []
        for _ in range(3):
            for account in ("main", "second"):
                pull = h.run(pull_products(h.app, account))
                assert pull.counts.counts["updated"] == 0, pull.counts.as_dict()
                h.sandbox.stats.reset()
                h.run(publish(h.app, account))
                writes.append(h.sandbox.stats.requests)
        assert writes == [0] * 6

        # a hub change goes out once and does not come back
        with h.app.db.session() as s:
            save_product(s, parse_input({"sku": "MUG", "description": "Glazed stoneware"}))
        h.sandbox.stats.reset()
        h.run(publish(h.app, "main"))
        assert h.sandbox.stats.requests == 1
        assert h.run(pull_products(h.app, "main")).counts.counts["updated"] == 0

        with h.app.db.session() as s:
            events = [e.message for e in s.exec(select(CatalogueEvent).where(
                CatalogueEvent.kind == "updated"))]
        assert "updated from main: name 'Mug' -> 'Mug (store)'" in events


def test_the_newer_change_wins_per_field(tmp_path: Path) -> None:
    with SandboxHarness("woocommerce", tmp_path, SandboxOptions(orders=0, seed=3)) as h:
        set_flow(h.app, "main", "products", True)
        with h.app.db.session() as s:
            save_product(s, parse_input({"sku": "MUG", "name": "Mug"}))
        h.run(publish(h.app, "main"))
        with h.app.db.session() as s:  # the hub renames now...
            save_product(s, parse_input({"sku": "MUG", "name": "Hub mug"}))
        _store_edit(h, "MUG", -60, name="Store mug")  # ...the store renamed an hour ago
        pulled = h.run(pull_products(h.app, "main"))
        assert pulled.counts.counts["kept_hub_newer"] == 1 and _name(h, "MUG") == "Hub mug"
        h.run(publish(h.app, "main"))
        sandbox: Any = h.sandbox
        assert [p["name"] for p in sandbox.products.values() if p["sku"] == "MUG"] == ["Hub mug"]


def test_a_product_created_in_the_store_is_created_in_the_hub_once(tmp_path: Path) -> None:
    with SandboxHarness("woocommerce", tmp_path, SandboxOptions(orders=0, seed=3)) as h:
        set_flow(h.app, "main", "products", True)
        first = h.run(pull_products(h.app, "main"))
        assert first.counts.counts["imported"] >= 1
        with h.app.db.session() as s:
            tee = s.exec(select(Product).where(Product.sku == "TEE-BASIC")).one()
            detail = s.get(ProductDetail, tee.id)
            assert detail is not None and detail.publish is False
        h.sandbox.stats.reset()
        assert h.run(publish(h.app, "main")).counts.counts["pushed"] == 0
        assert h.sandbox.stats.requests == 0  # the store's own products are not sent back
        again = h.run(pull_products(h.app, "main"))
        assert again.counts.counts["imported"] == 0 and again.counts.counts["updated"] == 0
        with h.app.db.session() as s:
            assert len(s.exec(select(Product).where(Product.sku == "TEE-BASIC")).all()) == 1


def test_store_customers_come_in_once_and_are_not_sent_back(tmp_path: Path) -> None:
    from hub.core.storage.catalogue import ContactLink
    from hub.core.storage.models import Customer
    from hub.core.sync.contacts_out import add_contact, pull_contacts, push_contacts

    with SandboxHarness("woocommerce", tmp_path, SandboxOptions(orders=0, seed=3)) as h:
        sandbox: Any = h.sandbox
        stamp = sandbox.now().replace(microsecond=0, tzinfo=None).isoformat()
        for cid, email in ((501, "rosa@example.com"), (502, "known@example.com")):
            sandbox.customers[cid] = {"id": cid, "email": email, "first_name": "R", "last_name": "S",
                                      "billing": {"phone": ""}, "date_modified_gmt": stamp}
        add_contact(h.app, "known@example.com", None, "Kim", None)  # already in the hub
        set_flow(h.app, "main", "contacts", True)
        pulled = h.run(pull_contacts(h.app, "main"))
        assert (pulled.counts.counts["imported"], pulled.counts.counts["linked"]) == (1, 1)
        with h.app.db.session() as s:
            assert len(s.exec(select(Customer)).all()) == 2
            assert len(s.exec(select(ContactLink)).all()) == 2
        h.sandbox.stats.reset()
        pushed = h.run(push_contacts(h.app, "main"))
        assert pushed.counts.counts["pushed"] == 0 and h.sandbox.stats.requests == 0
        again = h.run(pull_contacts(h.app, "main"))
        assert again.counts.counts["imported"] == 0 and again.counts.counts["linked"] == 0
        assert len(sandbox.customers) == 2
