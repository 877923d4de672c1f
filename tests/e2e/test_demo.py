"""The README's main command: ``hub demo`` as a user runs it, in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HUB = Path(sys.executable).parent / "hub"


@pytest.mark.timeout(600)  # every platform's sandbox at its documented rate limits: about a minute
def test_demo_runs_the_whole_cycle_and_exits_0(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    data = tmp_path / "demo"
    done = subprocess.run([str(HUB), "demo", "--data-dir", str(data), "--orders", "40"],
                          capture_output=True, text=True, timeout=240, env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    table = done.stdout
    assert "account" in table and "imported" in table and f"data: {data}" in table
    # one store re-imports an order by reference, then is disconnected (seeds 000 and 004)
    assert "imported again as a new order (1)" in done.stderr
    assert "woocommerce-outlet: disconnected: released" in done.stderr
    lines = table.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("---")) + 1
    rows = [line.split() for line in lines[start:] if line.strip() and not line.startswith(" ")]
    names = [r[0] for r in rows if r[0].endswith(("-main", "-outlet"))]
    rows = [r for r in rows if r[0] in names]
    # two stores of the first platform (WooCommerce when installed), one of each other platform
    assert names[:2] == ["woocommerce-main", "woocommerce-outlet"]
    assert len({n.rsplit("-", 1)[0] for n in names}) == len(names) - 1
    # what each platform declares it does (`hub plugins list --json`) decides what its row shows
    listed_plugins = subprocess.run([str(HUB), "plugins", "list", "--json"], capture_output=True,
                                    text=True, timeout=60, env=env)
    capabilities = {p["platform"]: set(p["capabilities"])
                    for p in json.loads(listed_plugins.stdout)["plugins"]}

    def can(name: str, capability: str) -> bool:
        return capability in capabilities[name.rsplit("-", 1)[0]]

    for row in rows:
        imported, again, failed, webhook = int(row[1]), int(row[4]), int(row[8]), row[9]
        assert imported > 0 and again == 0, row
        assert webhook in (("202", "200") if can(row[0], "webhooks") else ("-",)), row
        assert all(int(n) >= 1 for n in row[5:8]), row  # stock, price and tracking pushes made
        assert failed == 0, row  # no push refused (Shopify's gift card is not given a level)
    # the data is explorable with the CLI afterwards, and the two stores stay apart
    listed = subprocess.run([str(HUB), "orders", "list", "--json", "--limit", "1000"],
                            capture_output=True, text=True, timeout=60,
                            env={**env, "HUB_DATA_DIR": str(data)})
    orders = json.loads(listed.stdout)
    assert {o["account"] for o in orders} == set(names)
    assert len(orders) == sum(int(r[1]) for r in rows)
    # one product created in the hub is listed on every channel, and its new name sent to each
    shown = subprocess.run([str(HUB), "products", "show", "DEMO-MUG", "--json"], capture_output=True,
                           text=True, timeout=60, env={**env, "HUB_DATA_DIR": str(data)})
    product = json.loads(shown.stdout)
    # the outlet store was disconnected by the demo's connections step, so it is not published to
    connected = [n for n in names if not n.endswith("-outlet") and can(n, "publish")]
    assert product["name"] == "Demo mug, blue" and len(product["links"]) == len(connected)
    assert f"{names[1]}: published" not in done.stderr
    for name in connected:
        assert f"{name}: published 'Demo mug': listing " in done.stderr
        assert f"{name}: sent the new name" in done.stderr and "(created 0, updated 1, failed 0)" \
            in done.stderr.split(f"{name}: sent the new name", 1)[1].splitlines()[0]
    # a second demo clears its own directory and never a foreign one
    again = subprocess.run([str(HUB), "demo", "--data-dir", str(tmp_path)], capture_output=True,
                           text=True, timeout=60, env=env)
    assert again.returncode == 2 and "was not made by hub demo" in again.stderr


def test_a_refused_push_shows_in_the_table_and_exits_3(tmp_path: Path) -> None:
    from hub.core.demo import AccountReport, DemoResult, render

    report = AccountReport(name="shopify-main", platform="shopify", imported=3,
                           pushes={"stock": 12}, failed={"stock": ["GIFT-50: not tracked"]})
    result = DemoResult(tmp_path, "hub.db", [report])
    lines: list[str] = []
    render(result, lines.append)
    header = next(line for line in lines if line.startswith("account"))
    row = next(line for line in lines if line.startswith("shopify-main"))
    assert "failed" in header.split() and row.split()[header.split().index("failed")] == "1"
    assert any("stock push failed 1: GIFT-50: not tracked" in line for line in lines)
    assert result.ok and result.exit_code == 3
    assert DemoResult(tmp_path, "hub.db", [AccountReport("a", "p")]).exit_code == 0


def test_the_demo_gives_no_level_to_a_listing_the_store_does_not_track(tmp_path: Path) -> None:
    from hub.core.demo import Demo
    from hub.core.plugins import get_host
    from hub.sandbox import SandboxOptions

    host = get_host()
    if "shopify" not in host.platforms:
        import pytest

        pytest.skip("hub-shopify is not installed")
    sandbox = host.create_sandbox("shopify", SandboxOptions(orders=1))
    assert sandbox.read_stock("8000000008", "44000000012") is None  # GIFT-50: untracked
    demo = Demo(host, tmp_path, platforms=["shopify"], say=lambda m: None)
    demo.app.accounts.add("shopify", "s", sandbox.account_settings("http://127.0.0.1:1"))
    from hub.core.storage.models import Product, ProductLink

    with demo.app.db.session() as s:
        for sku, pid, vid in (("GIFT-50", "8000000008", "44000000012"),
                              ("TEE", "8000000001", "44000000001")):
            product = Product(sku=sku, name=sku)
            s.add(product)
            s.flush()
            s.add(ProductLink(account_id=1, product_id=product.id or 0, platform_product_id=pid,
                              platform_variant_id=vid, sku=sku))
    skus = demo._linked_skus("s", sandbox)
    demo.app.close()
    assert "GIFT-50" not in skus and "TEE" in skus
