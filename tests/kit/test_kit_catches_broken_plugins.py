"""The conformance kit fails a plugin broken in each way that once slipped through it.

Each case renders the plugin template (``hub plugins new``) under its own
platform name, applies a small source patch that breaks one thing, and makes it
loadable through a ``hub.plugins`` entry point (a ``.dist-info`` on
``PYTHONPATH``, no pip). One pytest subprocess then runs, per case, only the
kit tests that case concerns, against every case and the unmodified template;
its JUnit report says which failed. Every broken case must fail; the
unmodified template must pass the same tests.
"""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest

from hub.core.template import render


@dataclass(frozen=True)
class Case:
    """One way to break the template: (old, new) source patches to plugin.py and the kit tests to run."""

    patches: tuple[tuple[str, str], ...]
    tests: tuple[str, ...]


PAGING = "test_an_import_spanning_several_pages_brings_every_order"
RESUME = "test_an_interrupted_scan_resumes_without_losing_orders"
WEBHOOKS = "test_webhooks_are_verified_before_they_are_trusted"
DUPLICATE = "test_a_duplicate_delivery_gives_one_order"
TRACKING = "test_tracking_push_is_confirmed"
STOCK = "test_a_stock_push_the_platform_did_not_apply_is_not_reported_done"
MAPPING = "test_parse_order_gives_the_sandbox_expected_values"
PEEK = "test_peek_order_agrees_with_parse_order"

PEEK_WRONG = '''

@hub.hookimpl
def peek_order(account: hub.Account, payload: dict[str, Any]) -> hub.OrderPeek | None:
    return hub.OrderPeek(platform_order_id=str(payload["id"]), status="paid")
'''

SCAN = """    read = hub.paged_listing(fetch, parse, lambda: hub.Cursors(first=1))
    async for page in hub.scan_orders("""

HAND_WRITTEN_SCAN = """    number: int | None = 1
    while number is not None:
        data = (await fetch(number)).json()
        # broken on purpose: vouches for the platform's time on every page of a listing sorted by id
        yield OrderPage(payloads=data["orders"], checkpoint=hub.parse_datetime(data["server_time"]))
        number = data["next_page"]
    return
    async for page in hub.scan_orders("""

VERIFY = 'return bool(secret) and hub.verify_hmac(secret, body, headers.get("x-signature"))'

CASES: dict[str, Case] = {
    "only_first_page": Case(((
        'data["orders"], next=data["next_page"]', 'data["orders"], next=None'),), (PAGING,)),
    "checkpoint_every_page": Case(((SCAN, HAND_WRITTEN_SCAN),), (RESUME,)),
    "webhook_always_yes": Case(((VERIFY, "return True"),), (WEBHOOKS,)),
    "webhook_unsigned_accepted": Case(((
        VERIFY, 'return "x-signature" not in headers or ' + VERIFY.removeprefix("return ")),),
        (WEBHOOKS,)),
    "webhook_duplicate_refused": Case(((
        VERIFY, "if body in _DELIVERED:  # broken on purpose: a redelivery refused as a replay\n"
        "        return False\n    _DELIVERED.add(body)\n    " + VERIFY),
        ("PAGE_SIZE = 50", "PAGE_SIZE = 50\n_DELIVERED: set[bytes] = set()")), (DUPLICATE,)),
    "tracking_once_only": Case(((
        "    await _client(account).put(f\"/api/orders/{shipment.platform_order_id}/shipments/\"",
        "    if shipment.platform_order_id in _PUSHED:\n"
        "        return PushResult.failed(shipment.platform_order_id, 'tracking already exists')\n"
        "    _PUSHED.add(shipment.platform_order_id)\n"
        "    await _client(account).put(f\"/api/orders/{shipment.platform_order_id}/shipments/\""),
        ("PAGE_SIZE = 50", "PAGE_SIZE = 50\n_PUSHED: set[str] = set()")), (TRACKING,)),
    "stock_unconfirmed": Case(((
        "    return [PushResult.ok(u.sku) if saved.get(u.platform_product_id, {}).get(\"quantity\") "
        "== u.quantity\n            else PushResult.failed(u.sku, \"the platform did not confirm the "
        "quantity\") for u in updates]",
        "    return [PushResult.ok(u.sku) for u in updates]"),), (STOCK,)),
    "quantity_one": Case(((
        'quantity=hub.parse_decimal(line["quantity"])', 'quantity=hub.parse_decimal("1")'),), (MAPPING,)),
    "discount_dropped": Case(((
        'discount_total=money(payload.get("discount", "0")),', ""),), (MAPPING,)),
    "email_dropped": Case(((
        'email=buyer.get("email")', "email=None"),), (MAPPING,)),
    "excluded_status_accepted": Case(((
        'status=payload["status"]',
        'status="paid" if payload["status"] == "pending" else payload["status"]'),), (MAPPING,)),
    "peek_disagrees": Case((("@hub.hookimpl\ndef create_sandbox", PEEK_WRONG.lstrip() + "\n\n"
                             "@hub.hookimpl\ndef create_sandbox"),), (PEEK,)),
}
BASELINE = "unbroken"


def make_plugin(root: Path, site: Path, name: str, patches: tuple[tuple[str, str], ...]) -> Path:
    """Render the template as platform ``name``, patch plugin.py, register its entry point."""
    target = root / name
    render(name, target)
    source = target / f"hub_{name}" / "plugin.py"
    text = source.read_text()
    for old, new in patches:
        assert old in text, f"{name}: the template no longer contains {old!r}; update this case"
        text = text.replace(old, new)
    source.write_text(text)
    info = site / f"hub_{name}-0.1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: hub-{name}\nVersion: 0.1.0\n")
    (info / "entry_points.txt").write_text(f"[hub.plugins]\n{name} = hub_{name}.plugin\n")
    return target


def kit_module(names: list[str]) -> str:
    lines = ["from hub.sandbox import SandboxOptions", "from hub.testing.kit import PlatformKit", ""]
    for name in names:
        lines += ["", f"class Test_{name}(PlatformKit):", f"    platform = {name!r}",
                  "    sandbox_options = SandboxOptions(orders=40)", ""]
    return "\n".join(lines)


def selection(names: list[str]) -> str:
    parts = []
    for name in names:
        tests = sorted({t for c in CASES.values() for t in c.tests}) if name == BASELINE \
            else CASES[name].tests
        parts.append(f"(Test_{name} and ({' or '.join(tests)}))")
    return " or ".join(parts)


def outcomes(report: Path) -> dict[tuple[str, str], tuple[str, str]]:
    """(class, test) -> (passed|failed|skipped, message) from a JUnit XML report."""
    found: dict[tuple[str, str], tuple[str, str]] = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        cls = case.get("classname", "").rpartition(".")[2]
        status, message = "passed", ""
        for tag in ("failure", "error", "skipped"):
            element = case.find(tag)
            if element is not None:
                status = "skipped" if tag == "skipped" else "failed"
                message = element.get("message", "")
        found[(cls, case.get("name", ""))] = (status, message)
    return found


@pytest.mark.timeout(600)
def test_the_kit_fails_each_broken_plugin_and_passes_the_template(tmp_path: Path) -> None:
    site, root = tmp_path / "site", tmp_path / "src"
    names = [BASELINE, *CASES]
    paths = [make_plugin(root, site, n, () if n == BASELINE else CASES[n].patches) for n in names]
    tests = tmp_path / "kit_cases"
    tests.mkdir()
    (tests / "test_cases.py").write_text(kit_module(names))
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env["PYTHONPATH"] = os.pathsep.join([str(site), *map(str, paths)])
    report = tmp_path / "report.xml"
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:randomly", "-q",
         "-o", "addopts=", "--rootdir", str(tests), f"--junitxml={report}", "-k", selection(names),
         str(tests / "test_cases.py")],
        capture_output=True, text=True, env=env, cwd=tests, timeout=580)
    assert report.exists(), run.stdout[-3000:] + run.stderr[-3000:]
    results = outcomes(report)
    baseline = {t: results.get((f"Test_{BASELINE}", t)) for c in CASES.values() for t in c.tests}
    broken_baseline = {t: r for t, r in baseline.items() if r is None or r[0] == "failed"}
    assert not broken_baseline, f"the unmodified template fails the kit: {broken_baseline}"
    assert baseline[PEEK] is not None and baseline[PEEK][0] == "skipped" \
        and "peek_order" in baseline[PEEK][1], baseline[PEEK]
    slipped = {name: [(t, results.get((f"Test_{name}", t))) for t in case.tests]
               for name, case in CASES.items()
               if not any((results.get((f"Test_{name}", t)) or ("missing",))[0] == "failed"
                          for t in case.tests)}
    assert not slipped, f"broken plugins the kit let through: {slipped}"
