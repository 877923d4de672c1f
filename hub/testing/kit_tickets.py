"""Kit suite: support tickets (questions, post-sale messages, claims) and replies.

Runs for a plugin declaring ``Capability.TICKETS``; any other plugin's tests skip
with that reason. The plugin's sandbox serves the tickets and tells the kit what
it holds through three methods:

* ``ticket_ids() -> set[str]``: the ``platform_ticket_id`` of every ticket a
  ``fetch_tickets`` from the start should list;
* ``new_ticket() -> str``: a buyer opens a ticket the seller can answer (its id);
* ``read_reply(ticket_id) -> str | None``: the seller's last reply the platform holds.

A sandbox without them skips the suite with that reason.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest

from hub.core.storage.columns import now
from hub.testing.harness import SandboxHarness
from hub.testing.kitbase import KitBase, kit_test
from hub.tickets import TicketPage
from hub.types import Capability

SANDBOX_METHODS = ("ticket_ids", "new_ticket", "read_reply")


class TicketSuite(KitBase):
    def _tickets(self, name: str, harness: SandboxHarness) -> Any:
        self._check(name, Capability.TICKETS)
        missing = [m for m in SANDBOX_METHODS if not callable(getattr(harness.sandbox, m, None))]
        if missing:
            pytest.skip(f"the sandbox does not offer {', '.join(missing)} (see hub.testing.kit_tickets)")
        harness.app.accounts.set_flags(harness.account, flow_tickets=True)
        return harness.sandbox

    def _import(self, harness: SandboxHarness) -> Any:
        from hub.core.sync.tickets import import_tickets

        return harness.run(import_tickets(harness.app, harness.account))

    def _held(self, harness: SandboxHarness) -> set[str]:
        from hub.core.sync.tickets import list_tickets

        return {t["platform_ticket_id"] for t in list_tickets(harness.app, limit=10_000)}

    @kit_test
    def test_tickets_are_downloaded_exactly_once(self, harness: SandboxHarness) -> None:
        """Every ticket the sandbox holds is downloaded once; a second run creates nothing.

        Fix: give tickets ids unique across kinds (``question:1``, ``pack:2``) and let
        ``fetch_tickets`` list each once (build it on ``hub.scan_tickets``)."""
        sandbox = self._tickets("test_tickets_are_downloaded_exactly_once", harness)
        first = self._import(harness)
        assert first.error is None, first.error
        assert self._held(harness) == set(sandbox.ticket_ids())
        again = self._import(harness)
        assert again.counts.counts["imported"] == 0, again.counts.as_dict()
        assert self._held(harness) == set(sandbox.ticket_ids())

    @kit_test
    def test_ticket_listing_pages_and_checkpoints(self, harness: SandboxHarness) -> None:
        """Past one page, every ticket arrives once and the last page vouches for the scan.

        Fix: page with a :mod:`hub.core.http.listing` paginator; end ``fetch_tickets`` with a
        page whose ``checkpoint`` is the scan's start on the platform's clock."""
        from hub.core.sync.orders import get_cursor

        sandbox = self._tickets("test_ticket_listing_pages_and_checkpoints", harness)
        for _ in range(60):
            sandbox.new_ticket()
        account = harness.app.accounts.open_named(harness.account)

        async def pages() -> list[TicketPage]:
            try:
                return [p async for p in harness.app.host.fetch_tickets(account, now() - timedelta(days=30))]
            finally:
                await harness.app.accounts.aclose()

        got = asyncio.run(pages())
        assert all(isinstance(p, TicketPage) for p in got)
        assert len([p for p in got if p.payloads]) > 1, "60 new tickets should take several pages"
        ids = [harness.app.host.parse_ticket(account, payload).platform_ticket_id
               for p in got for payload in p.payloads]
        assert len(ids) == len(set(ids)) and set(ids) == set(sandbox.ticket_ids())
        assert got[-1].checkpoint is not None
        self._import(harness)
        with harness.app.db.session() as s:
            cursor = get_cursor(s, harness.app.accounts.row(harness.account).id or 0, "tickets")
        assert cursor is not None and cursor <= now() + timedelta(minutes=5)

    @kit_test
    def test_reply_is_accepted_and_read_back(self, harness: SandboxHarness) -> None:
        """A reply to a downloaded ticket is sent, and the platform's copy holds it.

        Fix: ``reply_ticket`` answers ``PushResult.ok`` only when the platform accepted the
        reply, and ``fetch_ticket`` returns the conversation with it."""
        from hub.core.sync.tickets import reply

        sandbox = self._tickets("test_reply_is_accepted_and_read_back", harness)
        ticket_id = sandbox.new_ticket()
        self._import(harness)
        result = harness.run(reply(harness.app, f"{harness.account}:{ticket_id}", "Thanks, on its way."))
        assert result.status == "sent", result.error
        assert sandbox.read_reply(ticket_id) == "Thanks, on its way."

    @kit_test
    def test_only_downloaded_tickets_get_replies(self, harness: SandboxHarness) -> None:
        """The seed's rule: a ticket the hub never downloaded gets no reply, with the reason.

        Fix: nothing to do in the plugin: the core refuses before calling ``reply_ticket``;
        a failure means the plugin or a wrapper wrote outside that hook."""
        from hub.core.sync.tickets import NotDownloaded, reply

        sandbox = self._tickets("test_only_downloaded_tickets_get_replies", harness)
        self._import(harness)
        ticket_id = sandbox.new_ticket()
        with pytest.raises(NotDownloaded, match="never downloaded"):
            harness.run(reply(harness.app, f"{harness.account}:{ticket_id}", "Hello"))
        assert sandbox.read_reply(ticket_id) is None
