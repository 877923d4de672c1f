"""``hub demo``'s catalogue step: one product created in the hub, listed on every channel,
renamed, and the rename shown on every channel."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from hub.types import Capability

if TYPE_CHECKING:
    from hub.core.demo import AccountReport, Demo

SKU = "DEMO-MUG"


def _listing(demo: Demo, name: str) -> str:
    from sqlmodel import select

    from hub.core.storage.models import Product, ProductLink

    account_id = demo.app.accounts.row(name).id
    with demo.app.db.session() as s:
        link = s.exec(select(ProductLink).join(Product, Product.id == ProductLink.product_id)  # type: ignore[arg-type]
                      .where(ProductLink.account_id == account_id, Product.sku == SKU)).first()
    if link is None:
        return "-"
    return link.platform_product_id + (f"/{link.platform_variant_id}" if link.platform_variant_id else "")


def _publish(demo: Demo, name: str, report: AccountReport, step: str) -> None:
    from sqlmodel import select

    from hub.core.storage.models import RunItem
    from hub.core.sync.publish import publish

    result: Any = demo._run(publish(demo.app, name))
    if result.error:
        report.errors.append(f"products flow: {result.error}")
        return
    c = result.counts.counts
    demo.say(f"{name}: {step}: listing {_listing(demo, name)} (created {c['created']}, "
             f"updated {c['updated']}, failed {c['failed']})")
    if c["failed"]:
        with demo.app.db.session() as s:
            report.failed.setdefault("products", []).extend(
                f"{i.key}: {i.reason}" for i in s.exec(select(RunItem).where(
                    RunItem.run_id == result.run_id, RunItem.outcome == "failed")))


def publish_demo_product(demo: Demo, reports: list[AccountReport]) -> None:
    """Create ``DEMO-MUG`` in the hub, list it on every account that publishes, rename it."""
    from hub.core.sync.catalogue_edit import parse_input, save_product
    from hub.core.sync.categories import map_category
    from hub.core.sync.inventory import set_price, set_stock
    from hub.core.sync.publish import set_flow

    publishing = [r for r in reports if not r.errors and demo.app.accounts.row(r.name).enabled
                  and Capability.PUBLISH in demo.host.info(r.platform).capabilities]
    if not publishing:
        return
    with demo.app.db.session() as s:
        save_product(s, parse_input({
            "sku": SKU, "name": "Demo mug", "description": "A stoneware mug made by hub demo.",
            "brand": "Hub Demo", "barcode": "4006381333931", "weight": Decimal("0.35"),
            "length": Decimal("12"), "width": Decimal("9"), "height": Decimal("10"),
            "images": ["https://img.example/demo-mug.jpg"], "category": "Demo",
            "attributes": {"Model": "Demo 1"}}), source="hub demo")
    set_price(demo.app, SKU, Decimal("19.90"))
    set_stock(demo.app, SKU, 12, "main")
    demo.say(f"catalogue: created {SKU} 'Demo mug' in the hub")
    for report in publishing:
        category = demo.sandboxes[report.name].catalogue_category
        if category:
            map_category(demo.app, report.name, "Demo", category)
        set_flow(demo.app, report.name, "products", True)
        _publish(demo, report.name, report, "published 'Demo mug'")
    with demo.app.db.session() as s:
        save_product(s, parse_input({"sku": SKU, "name": "Demo mug, blue"}), source="hub demo")
    demo.say(f"catalogue: renamed {SKU} to 'Demo mug, blue' in the hub")
    for report in publishing:
        _publish(demo, report.name, report, "sent the new name")
