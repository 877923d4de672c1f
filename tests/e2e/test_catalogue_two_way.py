"""The products flow both ways on every publishing sandbox: edits on the hub and on the platform,
several cycles, converge; the newer change wins per field; an update that came from the platform
is never echoed back to it (a cycle with nothing changed writes nothing, counted at the sandbox).

The platform's edits are made through its API (the plugin's own ``push_product`` on the
listing, as an admin or another app would), not through the hub's outbox.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from hub.core.storage.catalogue import CatalogueEvent
from hub.core.storage.models import OutboxItem, Product
from hub.core.sync.catalogue_edit import parse_input, save_product
from hub.core.sync.catalogue_in import pull_products
from hub.core.sync.publish import KIND, draft, publish
from hub.sandbox import SandboxOptions
from hub.testing.harness import SandboxHarness
from tests.e2e.test_catalogue_publish import CURRENCY, _catalogue, _holding, mug_and_tee

PLATFORMS = ["woocommerce", "shopify", "vtex", "mercadolibre"]
# platforms whose listings carry the time of their last change; VTEX's catalogue does not, so
# a VTEX change is dated when the hub reads it (see docs/operator.md)
DATED = {"woocommerce", "shopify", "mercadolibre"}


def _add(h: SandboxHarness, **values: Any) -> None:
    with h.app.db.session() as s:
        save_product(s, parse_input(values))


def _hub_name(h: SandboxHarness, sku: str) -> str:
    with h.app.db.session() as s:
        return str(s.exec(select(Product.name).where(Product.sku == sku)).one())


def _platform_name(h: SandboxHarness, sku: str) -> str:
    [listing] = _holding(_catalogue(h), sku)
    return listing.name


def _platform_rename(h: SandboxHarness, sku: str, name: str) -> None:
    """Rename the listing of hub product ``sku`` on the platform, through its API."""
    with h.app.db.session() as s:
        product_id = s.exec(select(Product.id).where(Product.sku == sku)).one()
        item = s.exec(select(OutboxItem).where(OutboxItem.kind == KIND,
                                               OutboxItem.key == str(product_id))).one()
        listing = draft(s, h.app.accounts.row("main").id or 0, item)
    edit = listing.model_copy(update={"name": name, "changed": ["name"], "variants": [
        v.model_copy(update={"changed": []}) for v in listing.variants]})

    async def write() -> None:
        account = h.app.accounts.open(h.app.accounts.row("main"))
        result = await h.app.host.push_product(account, edit)
        assert result.outcome == "accepted", result
        await h.app.accounts.aclose()

    asyncio.run(write())


def _writes(h: SandboxHarness) -> int:
    """Writes the sandbox received: requests other than GET (Shopify: GraphQL mutations)."""
    if h.platform == "shopify":
        return int(h.sandbox.mutations)  # type: ignore[attr-defined]
    return sum(n for route, n in h.sandbox.stats.routes.items()
               if not route.startswith(("GET ", "HEAD ")))


def _quiet_cycle(h: SandboxHarness) -> None:
    """Pull then publish with nothing changed anywhere: no update either way, no write."""
    h.sandbox.stats.reset()
    before = _writes(h)
    pulled = h.run(pull_products(h.app, "main"))
    assert pulled.error is None and pulled.counts.counts["updated"] == 0, pulled.counts.as_dict()
    pushed = h.run(publish(h.app, "main"))
    assert pushed.error is None and pushed.counts.counts["updated"] == 0, pushed.counts.as_dict()
    assert _writes(h) - before == 0, dict(h.sandbox.stats.routes)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_edits_on_both_sides_converge_without_ping_pong(platform: str, tmp_path: Path) -> None:
    options = SandboxOptions(orders=0, seed=7, currency=CURRENCY.get(platform))
    with SandboxHarness(platform, tmp_path, options, flows=()) as h:
        mug_and_tee(h, "TW")
        first = h.run(publish(h.app, "main"))
        assert first.counts.counts["created"] == 2, first.counts.as_dict()
        _quiet_cycle(h)

        for cycle in range(1, 4):  # the hub renames the mug, the platform renames the tee
            _add(h, sku="TW-MUG", name=f"Mug hub {cycle}")
            _platform_rename(h, "TW-TEE", f"Tee store {cycle}")
            pulled = h.run(pull_products(h.app, "main"))
            assert pulled.counts.counts["updated"] == 1, pulled.counts.as_dict()
            h.sandbox.stats.reset()
            pushed = h.run(publish(h.app, "main"))  # the mug goes out; the tee is not echoed
            assert pushed.counts.counts["updated"] == 1, pushed.counts.as_dict()
            assert _hub_name(h, "TW-TEE") == _platform_name(h, "TW-TEE-S") == f"Tee store {cycle}"
            assert _hub_name(h, "TW-MUG") == _platform_name(h, "TW-MUG") == f"Mug hub {cycle}"
            _quiet_cycle(h)
            _quiet_cycle(h)

        with h.app.db.session() as s:
            events = [e.message for e in s.exec(select(CatalogueEvent).where(
                CatalogueEvent.kind == "updated"))]
        assert "updated from main: name 'Tee store 2' -> 'Tee store 3'" in events


@pytest.mark.parametrize("platform", sorted(DATED))
def test_the_newer_change_wins_per_field(platform: str, tmp_path: Path) -> None:
    options = SandboxOptions(orders=0, seed=7, currency=CURRENCY.get(platform))
    with SandboxHarness(platform, tmp_path, options, flows=()) as h:
        mug_and_tee(h, "TW", description="Stoneware")
        h.run(publish(h.app, "main"))
        _platform_rename(h, "TW-MUG", "Store mug")  # the platform renames first...
        _add(h, sku="TW-MUG", name="Hub mug")  # ...the hub renames later: the hub's is newer
        pulled = h.run(pull_products(h.app, "main"))
        assert pulled.counts.counts["kept_hub_newer"] == 1, pulled.counts.as_dict()
        assert _hub_name(h, "TW-MUG") == "Hub mug"
        h.run(publish(h.app, "main"))
        assert _platform_name(h, "TW-MUG") == "Hub mug"
        _quiet_cycle(h)

        _add(h, sku="TW-MUG", description="Glazed")  # a hub change of another field...
        _platform_rename(h, "TW-MUG", "Store mug 2")  # ...and a newer platform rename: both kept
        h.run(pull_products(h.app, "main"))
        h.run(publish(h.app, "main"))
        assert _hub_name(h, "TW-MUG") == _platform_name(h, "TW-MUG") == "Store mug 2"
        with h.app.db.session() as s:
            description = s.exec(select(Product.description).where(Product.sku == "TW-MUG")).one()
        assert description == "Glazed"
        _quiet_cycle(h)
