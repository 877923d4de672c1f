"""The console in a real browser: Playwright driving Debian's Chromium (``/usr/bin/chromium``,
``apt-get install chromium``; never a downloaded browser) against a daemon on 127.0.0.1 with
the WooCommerce and Mercado Libre sandboxes.

One walk through what an operator does: sign in, add a WooCommerce account, connect a
Mercado Libre account through its OAuth button (the sandbox's authorization page), start an
import and watch progress reach the total, retry a failed run, switch a flow off and see the
daemon's scheduler drop it, ship an order, filter orders by store.

With ``HUB_CONSOLE_SCREENSHOTS=DIR`` (``python3 dev.py screenshots``) it also saves the main
pages as PNG files in DIR, for docs/console.md.
"""

from __future__ import annotations

import asyncio
import os
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import select

from hub.core import users
from hub.core.app import HubApp
from hub.core.config import Config
from hub.core.plugins import get_host
from hub.core.scheduler import Daemon
from hub.core.storage.models import Account, Order, Shipment, SyncRun
from hub.sandbox import SandboxOptions

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "correct-horse-battery-9"

try:
    from playwright.sync_api import Page, expect, sync_playwright
except ImportError:  # pragma: no cover - the dev extra installs it
    sync_playwright = None  # type: ignore[assignment]

pytestmark = pytest.mark.skipif(
    sync_playwright is None or not os.access(CHROMIUM, os.X_OK),
    reason=f"the browser tests need the playwright package and Debian's chromium at {CHROMIUM} "
           "(apt-get install -y chromium; .ci/run installs it)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RunningDaemon:
    """``hub daemon`` in a thread: the scheduler and the HTTP service (API and console)."""

    def __init__(self, app: HubApp) -> None:
        self.port = _free_port()
        self.daemon = Daemon(app, listen=("127.0.0.1", self.port), startup_jitter=0,
                             rescan=3600, retention_days=0)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._main, name="daemon", daemon=True)
        self.url = f"http://127.0.0.1:{self.port}"

    def _main(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self.daemon.run())

    def __enter__(self) -> RunningDaemon:
        self.thread.start()
        wait_for(lambda: _answers(self.url + "/healthz"), "the daemon to answer")
        return self

    def __exit__(self, *exc: object) -> None:
        self.loop.call_soon_threadsafe(self.daemon.stop)
        self.thread.join(30)


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def wait_for(check: Callable[[], bool], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """The two sandboxes, a hub with an admin, and its daemon on a free port."""
    host = get_host()
    woo = host.create_sandbox("woocommerce", SandboxOptions(orders=30, seed=7))
    ml = host.create_sandbox("mercadolibre", SandboxOptions(orders=10, seed=7))
    data = tmp_path / "hub-data"
    app = HubApp(Config(data_dir=data, database_url=f"sqlite:///{data / 'hub.db'}"), host=host)
    users.add_user(app, "admin1", "admin", PASSWORD)
    with woo.serve() as woo_url, ml.serve() as ml_url, RunningDaemon(app) as daemon:
        yield {"app": app, "woo": woo, "woo_url": woo_url, "ml": ml, "ml_url": ml_url,
               "daemon": daemon}
    app.close()


@pytest.fixture
def page() -> Iterator[Page]:
    with sync_playwright() as p:  # type: ignore[misc]
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                    args=["--no-sandbox", "--disable-gpu"])
        context = browser.new_context(viewport={"width": 1366, "height": 860})
        tab = context.new_page()
        tab.set_default_timeout(20_000)
        yield tab
        context.close()
        browser.close()


def shot(page: Page, name: str) -> None:
    folder = os.environ.get("HUB_CONSOLE_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=False)


def add_account(page: Page, base: str, platform: str, name: str, settings: dict[str, str]) -> None:
    page.goto(f"{base}/accounts/new?platform={platform}")
    page.fill("#name", name)
    for key, value in settings.items():
        field = page.locator(f"#set_{key}")
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    page.get_by_role("button", name="Add the account").click()
    expect(page.locator("h1")).to_have_text(f"Account {name}")
    expect(page.locator(".notice")).to_contain_text(f"added {platform} account '{name}'")


@pytest.mark.timeout(240)  # a real browser and a daemon, on a machine the suite keeps busy
def test_an_operator_day_in_the_browser(world: dict[str, Any], page: Page) -> None:
    app: HubApp = world["app"]
    woo, base = world["woo"], world["daemon"].url
    daemon: Daemon = world["daemon"].daemon
    broken = int(sorted(woo.eligible_order_ids())[0])
    woo.orders[broken]["total"] = "not-a-number"  # quarantined on import: a failed run to retry

    # sign in
    page.goto(f"{base}/orders")
    expect(page).to_have_url(f"{base}/login?next=%2Forders")
    shot(page, "login")
    page.fill("#username", "admin1")
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.locator("h1")).to_have_text("Orders")

    # a WooCommerce account against its sandbox (the daemon schedules its import at once)
    woo_settings = woo.account_settings(world["woo_url"])
    add_account(page, base, "woocommerce", "woo", woo_settings)
    expect(page.locator("dd", has_text="sk_")).to_have_count(0)
    for secret in (woo_settings["consumer_secret"], woo_settings["consumer_key"]):
        assert secret not in page.content()

    # a Mercado Libre account, connected through the OAuth button
    add_account(page, base, "mercadolibre", "ml", world["ml"].account_settings(world["ml_url"]))
    expect(page.locator("#authorized")).to_contain_text("no")
    page.locator("#connect").click()  # -> the sandbox's authorization page -> our callback
    page.wait_for_url(f"{base}/oauth/mercadolibre/callback*")
    page.goto(f"{base}/accounts/ml")
    expect(page.locator("#authorized")).to_contain_text("yes")
    with app.db.session() as s:
        ml_row = s.exec(select(Account).where(Account.name == "ml")).one()
        assert ml_row.credentials_enc  # tokens stored (encrypted)

    # an import from the console, its progress live until it reaches the total
    def scheduled_import_done() -> bool:
        with app.db.session() as s:
            return any(r.status != "running" for r in s.exec(
                select(SyncRun).join(Account).where(Account.name == "woo",
                                                    SyncRun.flow == "orders")))
    wait_for(scheduled_import_done, "the daemon's first import of woo")
    page.goto(f"{base}/imports")
    page.select_option("#account", "woo")
    page.get_by_label("Backfill the whole window again").check()
    woo.options.latency = 0.3  # slow pages: the import runs while its page follows it live
    page.get_by_role("button", name="Start the import").click()
    expect(page.locator("h1")).to_have_text("Import 1")
    expect(page.locator("#status")).to_have_text("partial")
    expect(page.locator(".progress-box")).to_have_attribute("data-finished", "1")  # SSE ended
    woo.options.latency = 0.0
    read, available = page.locator("#read").inner_text(), page.locator("#available").inner_text()
    assert read == available and int(read) > 0
    assert page.locator("#bar").evaluate("b => b.value === b.max")
    shot(page, "import")

    # retry the failed run (the quarantined order's stored payload is still bad)
    page.goto(f"{base}/runs?failed=1&account=woo")
    shot(page, "runs")
    page.locator("tbody tr td a").first.click()
    expect(page.locator("td.st-quarantined").first).to_be_visible()
    page.get_by_role("button", name="Retry the failed items").click()
    expect(page.locator(".notice")).to_contain_text("0 resolved, 1 still failing")
    with app.db.session() as s:
        assert s.exec(select(SyncRun).where(SyncRun.trigger == "retry")).first() is not None

    # switch the orders flow off: the daemon's scheduler drops the job
    page.goto(f"{base}/accounts/woo")
    expect(page.locator('#jobs li[data-flow="orders"]')).to_have_count(1)
    assert daemon.scheduler.get_job("orders:woo") is not None
    shot(page, "account")
    page.locator("#flow-orders").click()
    expect(page.locator("#flow-orders")).to_have_attribute("aria-checked", "false")
    expect(page.locator('#jobs li[data-flow="orders"]')).to_have_count(0)
    assert daemon.scheduler.get_job("orders:woo") is None
    page.goto(f"{base}/accounts")
    shot(page, "accounts")

    # ship an order with tracking and an invoice
    page.goto(f"{base}/orders?store=woo")
    page.locator("tbody tr td a").first.click()
    page.wait_for_url(re.compile(r".*/orders/\d+$"))
    order_id = int(page.url.rsplit("/", 1)[-1])
    page.fill("#carrier", "correios")
    page.fill("#tracking_number", "BR123456789")
    page.fill("#invoice_number", "NF-1001")
    page.fill("#invoice_value", "10.00")
    page.get_by_role("button", name="Record the shipment").click()
    expect(page.locator(".notice")).to_contain_text("shipment recorded")
    expect(page.locator(".tracking")).to_have_text("BR123456789")
    expect(page.locator("#order-state")).to_have_text("shipped")
    shot(page, "order")
    with app.db.session() as s:
        shipment = s.exec(select(Shipment).where(Shipment.order_id == order_id)).one()
        assert shipment.invoice_number == "NF-1001"

    # filter orders by store
    page.goto(f"{base}/orders")
    page.select_option("#f-store", "woo")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(f"{base}/orders?platform=&store=woo&status=&from=&to=")
    with app.db.session() as s:
        woo_count = len(s.exec(select(Order).join(Account).where(Account.name == "woo")).all())
    expect(page.locator("caption")).to_have_text(f"{woo_count} order(s)")
    stores = page.locator("td.store").all_inner_texts()
    assert stores and set(stores) == {"woo"}
    shot(page, "orders")
    page.goto(f"{base}/")
    expect(page.locator("svg.chart")).to_have_count(3)
    shot(page, "overview")
    page.goto(f"{base}/stock")
    shot(page, "stock")
    page.goto(f"{base}/webhooks")
    shot(page, "webhooks")

