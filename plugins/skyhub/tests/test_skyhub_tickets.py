"""SkyHub SAC tickets through the plugin's hooks and the real core, against the sandbox: the
listing paged by cursor, only changed tickets' chats read, the mapping, replies to downloaded
tickets only (the seed's rule), SkyHub's error bodies shown in its words, and the ``hub
tickets`` CLI end to end."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import hub
from hub import Ticket, TicketAuthor, TicketKind, TicketReply, TicketStatus
from hub.sandbox import SandboxOptions
from hub.testing.harness import SandboxHarness
from hub_skyhub import plugin
from hub_skyhub.sandbox import SkyhubSandbox

HUB = Path(sys.executable).parent / "hub"
LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


@contextmanager
def running() -> Iterator[tuple[SkyhubSandbox, hub.Account]]:
    sandbox = SkyhubSandbox(SandboxOptions(orders=6))
    with sandbox.serve() as url:
        yield sandbox, hub.Account(name="sk", platform="skyhub",
                                   settings=sandbox.account_settings(url))


def scan(account: hub.Account, since: datetime) -> list[hub.TicketPage]:
    async def main() -> list[hub.TicketPage]:
        try:
            return [page async for page in plugin.fetch_tickets(account, since)]
        finally:
            await account.aclose()
    return asyncio.run(main())


def ids(pages: list[hub.TicketPage]) -> list[str]:
    return [str(p["ticket_id"]) for page in pages for p in page.payloads]


@contextmanager
def core(tmp_path: Path) -> Iterator[tuple[SandboxHarness, SkyhubSandbox]]:
    with SandboxHarness("skyhub", tmp_path, SandboxOptions(orders=6, currency="USD"),
                        flows=("orders", "tickets")) as h:
        yield h, h.sandbox  # type: ignore[misc]


def import_tickets(h: SandboxHarness) -> Any:
    from hub.core.sync.tickets import import_tickets as run_import

    return h.run(run_import(h.app, h.account))


def test_the_listing_is_read_by_cursor_and_each_ticket_comes_once_with_its_chats() -> None:
    with running() as (sandbox, account):
        sandbox.sac.page_size = 4
        sandbox.seed_tickets(7)  # 13 tickets: 4 pages
        pages = scan(account, LONG_AGO)
        held = {f"sac:{code}" for code in sandbox.orders}
    got = ids(pages)
    assert set(got) <= held  # one SAC per order, named by the order's code
    assert sorted(got) == sorted(sandbox.ticket_ids()) and len(got) == len(set(got)) == 13
    assert sandbox.stats.routes["GET /sac"] == 4
    assert sandbox.stats.routes["GET /sac/{code}/chats"] == 13
    assert pages[-1].checkpoint is not None and all(p.checkpoint is None for p in pages[:-1])
    assert all(p["chats"] for page in pages for p in page.payloads)


def test_an_incremental_scan_reads_only_the_chats_of_tickets_changed_since_or_unread() -> None:
    with running() as (sandbox, account):
        answered = sorted(f"sac:{c}" for c, r in sandbox.sac.records.items() if r["status"] == "READ")
        unread = {f"sac:{c}" for c, r in sandbox.sac.records.items() if r["status"] == "UNREAD"}
        assert len(answered) >= 2 and unread  # the seeded desk holds both
        since = sandbox.now() - timedelta(minutes=1)
        fresh = sandbox.new_ticket()
        sandbox.sac.write(answered[0].removeprefix("sac:"), "SELLER", "Mais alguma dúvida?")
        pages = scan(account, since)
    # changed since (the new one, the one the seller wrote on) or unread; not the answered rest
    assert sorted(ids(pages)) == sorted({fresh, answered[0]} | unread)
    assert answered[1] not in ids(pages)
    assert sandbox.stats.routes["GET /sac/{code}/chats"] == len(ids(pages))
    assert sandbox.stats.routes["GET /sac"] == 1  # all seven tickets listed on one page


def test_a_sac_maps_to_a_ticket_with_its_conversation() -> None:
    payload: dict[str, Any] = {"ticket_id": "sac:Lojas Americanas-201000000004001",
               "sac": {"code": "Lojas Americanas-201000000004001",
                       "created_at": "2023-06-06T21:41:57-03:00", "mediation": False,
                       "order_code": "02-1000000004", "platform": "B2w", "status": "UNREAD",
                       "updated_at": "2023-06-06T21:41:57-03:00", "warehouse": "98"},
               "chats": [{"parts": "CUSTOMER_SELLER", "last_message": "2023-06-06T21:44:44",
                          "messages": [
                              {"content": "Olá! Produto ainda não foi entregue.",
                               "created_at": "2023-06-06T21:41:57",
                               "part": {"role": "CUSTOMER", "name": "John John", "code": 123456}},
                              {"content": "Já verificamos.", "created_at": "2023-06-06T21:44:44",
                               "part": {"role": "SELLER", "name": "Loja", "code": 1}}]},
                         {"parts": "B2W_SELLER", "messages": [
                             {"content": "Favor responder ao cliente.",
                              "created_at": "2023-06-06T21:43:00",
                              "part": {"role": "EMPLOYEE", "name": "Ajuda Americanas"}}]}]}
    ticket = plugin.parse_ticket(None, payload)  # type: ignore[arg-type]
    assert ticket.platform_ticket_id == "sac:Lojas Americanas-201000000004001"
    assert (ticket.kind, ticket.status, ticket.can_reply) == (TicketKind.MESSAGE,
                                                              TicketStatus.ANSWERED, True)
    # the SAC's code is the order's full code (the chats page): the ticket names that order
    assert ticket.order_id == "Lojas Americanas-201000000004001"
    assert ticket.subject == "order 02-1000000004" and ticket.buyer is not None
    assert (ticket.buyer.platform_id, ticket.buyer.name) == ("123456", "John John")
    # chat times carry no offset: Brazilian time (UTC-3)
    assert ticket.created_at == datetime(2023, 6, 7, 0, 41, 57, tzinfo=UTC)
    assert ticket.updated_at == datetime(2023, 6, 7, 0, 44, 44, tzinfo=UTC)
    assert [m.author for m in ticket.messages] == [TicketAuthor.BUYER, TicketAuthor.PLATFORM,
                                                   TicketAuthor.SELLER]
    assert len({m.platform_message_id for m in ticket.messages}) == 3
    archived = plugin.parse_ticket(None, {**payload, "sac": {  # type: ignore[arg-type]
        **payload["sac"], "status": "ARCHIVED", "mediation": True}})
    assert (archived.status, archived.can_reply, archived.kind, archived.stage) == (
        TicketStatus.CLOSED, False, TicketKind.CLAIM, "mediation")
    with pytest.raises(hub.DataError, match="not a SkyHub SAC payload"):
        plugin.parse_ticket(None, {"ticket_id": "sac:x", "sac": {}})  # type: ignore[arg-type]


def test_a_reply_to_a_downloaded_ticket_is_posted_and_read_back(tmp_path: Path) -> None:
    from hub.core.sync.tickets import list_tickets, reply

    with core(tmp_path) as (h, sandbox):
        ticket_id = sandbox.new_ticket()
        first = import_tickets(h)
        assert first.error is None, first.error
        held = {t["platform_ticket_id"]: t for t in list_tickets(h.app)}
        assert set(held) == sandbox.ticket_ids() and held[ticket_id]["status"] == "open"
        result = h.run(reply(h.app, f"{h.account}:{ticket_id}", "Seu pedido sai hoje."))
        assert result.status == "sent", result.error
        assert sandbox.read_reply(ticket_id) == "Seu pedido sai hoje."
        after = {t["platform_ticket_id"]: t for t in list_tickets(h.app)}
        assert after[ticket_id]["status"] == "answered"


def test_without_a_one_ticket_route_a_reply_is_still_read_back_through_the_listing(
        tmp_path: Path) -> None:
    """``GET /sac/{code}`` is not shown in SkyHub's pages: when it answers 404, the ticket's
    record is found in the ``GET /sac`` listing, so a reply is still confirmed."""
    from hub.core.sync.tickets import reply

    with core(tmp_path) as (h, sandbox):
        sandbox.sac.page_size = 3
        ticket_id = sandbox.new_ticket()  # the newest: on the last page
        import_tickets(h)
        sandbox.sac.serves_one = False
        listed_before = sandbox.stats.routes["GET /sac"]
        result = h.run(reply(h.app, f"{h.account}:{ticket_id}", "Enviado hoje."))
        assert result.status == "sent", result.error
        assert sandbox.stats.routes["GET /sac"] - listed_before == 3  # 7 tickets, 3 a page
        account = h.app.accounts.open_named(h.account)
        assert h.run(plugin.fetch_ticket(account, "sac:Lojas Americanas-999")) is None


def test_a_ticket_the_hub_did_not_download_gets_no_reply(tmp_path: Path) -> None:
    """The seed's rule: the core refuses a ticket it never downloaded, and the plugin itself
    refuses a ticket that did not come from SkyHub (one made in the hub), before any request."""
    from hub.core.sync.tickets import NotDownloaded, reply

    with core(tmp_path) as (h, sandbox):
        import_tickets(h)
        later = sandbox.new_ticket()  # exists on SkyHub, never downloaded
        with pytest.raises(NotDownloaded, match="never downloaded"):
            h.run(reply(h.app, f"{h.account}:{later}", "Olá"))
        made_here = Ticket(platform_ticket_id=later, kind=TicketKind.MESSAGE,
                           status=TicketStatus.OPEN, created_at=datetime.now(UTC),
                           updated_at=datetime.now(UTC))
        account = h.app.accounts.open_named(h.account)
        result = h.run(plugin.reply_ticket(account, made_here, TicketReply(text="Olá")))
        assert result.outcome == "failed" and not result.retryable
        assert "not downloaded from SkyHub" in (result.error or "")
        assert sandbox.read_reply(later) is None
        assert sandbox.stats.routes.get("POST /sac/{code}/chats", 0) == 0


def test_skyhubs_error_body_is_shown_in_its_words(tmp_path: Path) -> None:
    """SkyHub archives a ticket after the hub downloaded it: its 422 ``{"errors": {"detail"}}``
    is the reason the user sees; a 404 of the listing's chats is not an error (ticket gone)."""
    from hub.core.sync.tickets import ReplyRefused, reply

    with core(tmp_path) as (h, sandbox):
        ticket_id = sandbox.new_ticket()
        import_tickets(h)
        sandbox.sac.archive(ticket_id.removeprefix("sac:"))
        with pytest.raises(ReplyRefused, match="is archived and takes no new messages"):
            h.run(reply(h.app, f"{h.account}:{ticket_id}", "Olá"))
        account = h.app.accounts.open_named(h.account)
        assert h.run(plugin.fetch_ticket(account, "sac:Lojas Americanas-999")) is None


def test_a_rate_limited_listing_is_retried_and_the_scan_completes(tmp_path: Path) -> None:
    with SandboxHarness("skyhub", tmp_path, SandboxOptions(orders=4, currency="USD", burst_429=2,
                                                           burst_at=1),
                        flows=("orders", "tickets")) as h:
        from hub.core.sync.tickets import list_tickets

        sandbox: SkyhubSandbox = h.sandbox  # type: ignore[assignment]
        result = import_tickets(h)
        assert result.error is None, result.error
        assert {t["platform_ticket_id"] for t in list_tickets(h.app)} == sandbox.ticket_ids()
        # the two requests answered 429 never reached SkyHub's routes and were sent again
        assert sandbox.stats.requests == sum(sandbox.stats.routes.values()) + 2


def _hub(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env.update(HUB_DATA_DIR=str(data), HUB_CURRENCY="USD")
    return subprocess.run([str(HUB), *args], capture_output=True, text=True, timeout=120, env=env)


def test_hub_tickets_import_list_and_reply_on_the_command_line(tmp_path: Path) -> None:
    sandbox = SkyhubSandbox(SandboxOptions(orders=4, currency="USD"))
    data = tmp_path / "hub"
    with sandbox.serve() as url:
        args = [a for k, v in sandbox.account_settings(url).items() for a in ("--set", f"{k}={v}")]
        assert _hub(data, "accounts", "add", "skyhub", "--name", "sk", *args).returncode == 0
        flows = _hub(data, "accounts", "flows", "sk", "--tickets", "on")
        assert flows.returncode == 0, flows.stderr
        ticket_id = sandbox.new_ticket()
        imported = _hub(data, "tickets", "import", "--account", "sk", "--json")
        assert imported.returncode == 0, imported.stderr
        assert json.loads(imported.stdout)["counts"]["imported"] == len(sandbox.ticket_ids())
        listed = json.loads(_hub(data, "tickets", "list", "--account", "sk", "--json").stdout)
        assert {t["platform_ticket_id"] for t in listed} == sandbox.ticket_ids()
        sent = _hub(data, "tickets", "reply", f"sk:{ticket_id}", "--message", "Chega amanhã.")
        assert sent.returncode == 0, sent.stderr
        assert sandbox.read_reply(ticket_id) == "Chega amanhã."
        refused = _hub(data, "tickets", "reply", f"sk:{sandbox.new_ticket()}", "--message", "Oi")
        assert refused.returncode != 0 and "never downloaded" in refused.stderr
