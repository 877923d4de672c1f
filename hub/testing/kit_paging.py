"""Kit suite: listings that span several pages, and checkpoints that are safe to resume from.

A sandbox's default data often fits one page per backfill slice, so a plugin
that reads only the first page, or vouches for a checkpoint too early, passes
every other test. These tests switch backfill slicing off, grow the sandbox
until the backfill window spans at least two pages of the plugin's listing,
and run with no overlap window (``overlap_minutes=0``), so a lost order stays lost.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import ClassVar

import pytest

from hub.testing.harness import SandboxHarness
from hub.testing.kitbase import KitBase, kit_test
from hub.types import Capability

PAGING_SETTINGS = {"backfill_slice_days": "0", "overlap_minutes": "0"}
"""One backfill window and no overlap: nothing hides a page the plugin did not read."""


class PagingSuite(KitBase):
    _paging_orders: ClassVar[dict[str, int | None]] = {}

    def _backfill_start(self, harness: SandboxHarness) -> datetime:
        days = int(self.all_settings(harness).get("backfill_days", "60"))
        return datetime.now(UTC) - timedelta(days=days)

    def _paged_harness(self, tmp_path: Path, **option_changes: object) -> SandboxHarness:
        """A harness whose backfill window spans several pages (skips when none can be made)."""
        orders = self._paging_orders.get(self.platform)
        if orders is None:
            if self.platform in self._paging_orders:
                pytest.skip(f"the listing never spanned two pages, even with {self.max_paging_orders} "
                            "sandbox orders (raise max_paging_orders)")
            orders = self._find_paging_orders(tmp_path / "sizing")
        return self.open_harness(tmp_path, settings=PAGING_SETTINGS, orders=orders, **option_changes)

    def _find_paging_orders(self, tmp_path: Path) -> int:
        """Grow the sandbox until the backfill listing has two pages; check the import each time.

        The import is checked at every size, so a plugin that stops after one page fails as
        soon as the data outgrows its page, whatever its page size.
        """
        orders = max(self.sandbox_options.orders, 1)
        while True:
            with self.open_harness(tmp_path / str(orders), settings=PAGING_SETTINGS, orders=orders) as h:
                pages = [p for p in self._pages(h, self._backfill_start(h)) if p.payloads]
                if len(pages) >= 2 or orders >= self.max_paging_orders:
                    self._assert_imports_everything(h, len(pages))
                    if len(pages) < 2:
                        self._paging_orders[self.platform] = None
                        pytest.skip(f"the listing never spanned two pages, even with {orders} sandbox "
                                    "orders (raise max_paging_orders)")
                    self._paging_orders[self.platform] = orders
                    return orders
            orders = min(orders * 3, self.max_paging_orders)

    @staticmethod
    def _assert_imports_everything(h: SandboxHarness, pages: int) -> None:
        result = h.import_orders()
        assert result.error is None, result.error
        missing = h.sandbox.eligible_order_ids() - h.order_ids()
        assert not missing, (f"{len(missing)} eligible orders missing after a backfill whose listing "
                             f"had {pages} page(s) of data, e.g. {sorted(missing)[:5]}")

    @kit_test
    def test_an_import_spanning_several_pages_brings_every_order(self, tmp_path: Path) -> None:
        """With one backfill window holding several pages, the import brings every eligible order.

        Fix: keep asking for the next page until the platform says there is none (its
        ``next`` link, cursor or page count), guarded by ``hub.PageGuard``; do not stop after
        the first page, nor when a page is shorter than you asked for if the platform may cap it.
        """
        self._check("test_an_import_spanning_several_pages_brings_every_order", Capability.ORDERS)
        if self.platform not in self._paging_orders:
            self._find_paging_orders(tmp_path / "sizing")  # imports and checks at every size
            return
        with self._paged_harness(tmp_path / "paged") as h:
            pages = [p for p in self._pages(h, self._backfill_start(h)) if p.payloads]
            assert len(pages) >= 2, "the listing should span several pages at this size"
            self._assert_imports_everything(h, len(pages))

    @kit_test
    def test_an_interrupted_scan_resumes_without_losing_orders(self, tmp_path: Path) -> None:
        """A scan stopped after its first page, while the data changes, resumes and loses nothing.

        The kit runs with ``overlap_minutes=0``: the checkpoint alone says where the next run
        starts. The first run is stopped after one page (the sandbox changes an order after
        that page, ``drift_page=1``); the next run must still bring every eligible order.

        Fix: set ``OrderPage.checkpoint`` only on a page after which everything modified before
        that time has been yielded: on the last page of a listing not sorted by modified time
        (the time of the scan's first response), or on any page of a listing sorted by
        modified time ascending (the last modified time seen). Never on every page of an
        id- or creation-ordered listing.
        """
        self._check("test_an_interrupted_scan_resumes_without_losing_orders", Capability.ORDERS)
        with self._paged_harness(tmp_path / "resume", drift_page=1) as h:
            stop = asyncio.Event()
            stop.set()  # the core stops after writing the first page
            first = h.import_orders(stop=stop)
            assert first.error is None, first.error
            second = h.import_orders()
            assert second.error is None, second.error
            missing = h.sandbox.eligible_order_ids() - h.order_ids()
            assert not missing, (
                f"{len(missing)} eligible orders lost after resuming a scan stopped after its first "
                f"page (checkpoint set too early?), e.g. {sorted(missing)[:5]}")
            assert len(h.orders()) == len(h.order_ids())
