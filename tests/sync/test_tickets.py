"""Support tickets end to end against the Mercado Libre sandbox, through the real core.

Import exactly once, replies confirmed by reading the platform back, the seed's rule
(replies only to tickets first downloaded from the channel), the platform's refusals
shown with their reason, and a webhook that makes the hub re-fetch a ticket.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from hub.core.storage.connections import OrderTerms
from hub.core.storage.models import Order
from hub.core.storage.tickets import Ticket, TicketMessage, TicketReply
from hub.core.sync import tickets as service
from hub.core.sync import webhooks
from hub.errors import ConfigError
from hub.sandbox import SandboxOptions
from hub.testing.harness import SandboxHarness

pytest.importorskip("hub_mercadolibre")


@pytest.fixture
def h(tmp_path: Path) -> Iterator[SandboxHarness]:
    with SandboxHarness("mercadolibre", tmp_path, SandboxOptions(orders=8),
                        flows=("orders", "tickets")) as harness:
        yield harness


def rows(h: SandboxHarness) -> list[Ticket]:
    with h.app.db.session() as s:
        return list(s.exec(select(Ticket)))


def by_channel_id(h: SandboxHarness, platform_id: str) -> Ticket:
    return next(t for t in rows(h) if t.platform_ticket_id == platform_id)


def replies(h: SandboxHarness) -> list[TicketReply]:
    with h.app.db.session() as s:
        return list(s.exec(select(TicketReply)))


def test_import_downloads_each_ticket_exactly_once(h: SandboxHarness) -> None:
    desk = h.sandbox.desk  # type: ignore[attr-defined]
    first = h.run(service.import_tickets(h.app, "main"))
    unanswered = {f"question:{q}" for q, v in desk.questions.items() if v["status"] == "UNANSWERED"}
    threads = {f"pack:{p}" for p in desk.threads}
    claims = {f"claim:{c}" for c in desk.claims}
    expected = unanswered | threads | claims
    assert first.status == "ok" and first.counts.counts["imported"] == len(expected) == 6
    assert {t.platform_ticket_id for t in rows(h)} == expected
    again = h.run(service.import_tickets(h.app, "main"))
    assert again.counts.counts["imported"] == 0 and again.counts.counts["unchanged"] == 6
    assert len(rows(h)) == 6  # no duplicate rows: one per (account, channel id)
    # a new question on the platform arrives on the next run, once
    desk.ask("¿Tienen en rojo?")
    third = h.run(service.import_tickets(h.app, "main"))
    assert third.counts.counts["imported"] == 1 and len(rows(h)) == 7
    claim = by_channel_id(h, next(iter(claims)))
    assert claim.kind == "claim" and claim.stage == "claim" and claim.deadline is not None
    assert claim.order_ref and not claim.can_reply
    thread = by_channel_id(h, next(iter(threads)))
    assert thread.kind == "message" and thread.status == "open" and thread.waiting_since is not None


def test_reply_is_confirmed_by_reading_the_platform_back(h: SandboxHarness) -> None:
    desk = h.sandbox.desk  # type: ignore[attr-defined]
    h.run(service.import_tickets(h.app, "main"))
    question = next(t for t in rows(h) if t.kind == "question")
    result = h.run(service.reply(h.app, str(question.id), "Sí, hay stock en talle M."))
    assert result.status == "sent"
    qid = int(question.platform_ticket_id.split(":")[1])
    assert desk.questions[qid]["status"] == "ANSWERED"
    assert desk.questions[qid]["answer"]["text"] == "Sí, hay stock en talle M."
    stored = by_channel_id(h, question.platform_ticket_id)
    assert stored.status == "answered" and stored.waiting_since is None
    thread = next(t for t in rows(h) if t.kind == "message")
    sent = h.run(service.reply(h.app, f"main:{thread.platform_ticket_id}", "Despachamos hoy."))
    assert sent.status == "sent"
    pack = int(thread.platform_ticket_id.split(":")[1])
    assert desk.threads[pack][-1]["text"] == "Despachamos hoy."
    assert desk.threads[pack][-1]["from"]["user_id"] == h.sandbox.seller_id  # type: ignore[attr-defined]
    view = service.show_ticket(h.app, str(thread.id))
    assert [m["author"] for m in view["messages"]][-1] == "seller"
    assert view["status"] == "answered" and view["replies"][0]["status"] == "sent"


def test_seed_rule_replies_only_to_tickets_downloaded_from_the_channel(h: SandboxHarness) -> None:
    desk = h.sandbox.desk  # type: ignore[attr-defined]
    h.run(service.import_tickets(h.app, "main"))
    fresh = desk.ask("¿Hacen envíos a Salta?")  # on the platform, never downloaded
    writes = len(h.sandbox.writes)  # type: ignore[attr-defined]
    for ref in (f"main:question:{fresh}", "999999", "nosuchaccount:question:1"):
        with pytest.raises(service.NotDownloaded, match="never downloaded from a channel"):
            h.run(service.reply(h.app, ref, "Sí."))
    assert len(h.sandbox.writes) == writes  # type: ignore[attr-defined]
    assert desk.questions[fresh]["status"] == "UNANSWERED"
    claim = next(t for t in rows(h) if t.kind == "claim")  # downloaded, but closed to replies
    with pytest.raises(service.ReplyRefused, match="not open to replies"):
        h.run(service.reply(h.app, str(claim.id), "Hola"))
    h.app.accounts.set_flags("main", flow_tickets=False)  # the flow off: nothing is written
    question = next(t for t in rows(h) if t.kind == "question")
    with pytest.raises(ConfigError, match="tickets flow is off"):
        h.run(service.reply(h.app, str(question.id), "Sí."))
    assert len(h.sandbox.writes) == writes  # type: ignore[attr-defined]


def test_no_reply_where_the_orders_terms_give_tickets_to_the_store(h: SandboxHarness) -> None:
    h.import_orders()
    h.run(service.import_tickets(h.app, "main"))
    thread = next(t for t in rows(h) if t.kind == "message")
    with h.app.db.session() as s:
        order = s.exec(select(Order)).first()
        assert order is not None and order.id is not None
        ticket = s.get(Ticket, thread.id)
        assert ticket is not None
        ticket.order_ref = order.platform_order_id  # the thread is about this order
        terms = s.get(OrderTerms, order.id)
        assert terms is not None and terms.tickets_handled_by == "hub"
        terms.tickets_handled_by = "store"  # the connection's store answers its buyers
        s.add_all([ticket, terms])
        s.commit()
    writes = len(h.sandbox.writes)  # type: ignore[attr-defined]
    with pytest.raises(service.ReplyRefused, match="the store answers its tickets"):
        h.run(service.reply(h.app, str(thread.id), "Despachamos hoy."))
    assert len(h.sandbox.writes) == writes  # type: ignore[attr-defined]
    assert [r.status for r in replies(h)] == ["refused"]


def test_platform_refusals_are_shown_with_their_reason(h: SandboxHarness) -> None:
    desk = h.sandbox.desk  # type: ignore[attr-defined]
    h.run(service.import_tickets(h.app, "main"))
    thread = next(t for t in rows(h) if t.kind == "message")
    with pytest.raises(service.ReplyRefused, match="e-mail address"):
        h.run(service.reply(h.app, str(thread.id), "Escribime a ventas@tienda.com"))
    with pytest.raises(service.ReplyRefused, match="link"):
        h.run(service.reply(h.app, str(thread.id), "Mirá https://tienda.example/seguimiento"))
    with pytest.raises(service.ReplyRefused, match="350 characters"):
        h.run(service.reply(h.app, str(thread.id), "x" * 351))
    question = next(t for t in rows(h) if t.kind == "question")
    qid = int(question.platform_ticket_id.split(":")[1])
    desk.questions[qid]["status"] = "ANSWERED"  # the seller answered on the site meanwhile
    desk.questions[qid]["answer"] = {"text": "Sí", "status": "ACTIVE",
                                     "date_created": desk.questions[qid]["date_created"]}
    with pytest.raises(service.ReplyRefused, match="not unanswered"):
        h.run(service.reply(h.app, str(question.id), "Sí, hay stock."))
    refused = [r for r in replies(h) if r.status == "refused"]
    assert len(refused) == 4 and all(r.error for r in refused)
    assert "e-mail" in (refused[0].error or "")
    pack = int(thread.platform_ticket_id.split(":")[1])
    assert all(m["from"]["user_id"] != h.sandbox.seller_id  # type: ignore[attr-defined]
               for m in desk.threads[pack])


def test_a_webhook_makes_the_hub_refetch_the_ticket(h: SandboxHarness) -> None:
    desk = h.sandbox.desk  # type: ignore[attr-defined]
    h.run(service.import_tickets(h.app, "main"))

    def deliver(topic: str, resource_id: str) -> str:
        body = h.sandbox.notification(topic, resource_id)  # type: ignore[attr-defined]
        if topic == "messages":
            body["resource"] = resource_id
        received = webhooks.receive(h.app, "mercadolibre", "main", {}, json.dumps(body).encode())
        assert received.status == 202, received.message
        return h.run(webhooks.process(h.app, received.event_id or 0))

    fresh = desk.ask("¿Tiene factura?")
    assert deliver("questions", str(fresh)) == "done"
    assert by_channel_id(h, f"question:{fresh}").status == "open"
    thread = next(t for t in rows(h) if t.kind == "message")
    pack = int(thread.platform_ticket_id.split(":")[1])
    message_id = desk.buyer_message(pack, "¿Me confirmás el número de seguimiento?")
    assert deliver("messages", message_id) == "done"
    with h.app.db.session() as s:
        texts = [m.text for m in s.exec(select(TicketMessage).where(TicketMessage.ticket_id == thread.id))]
    assert "¿Me confirmás el número de seguimiento?" in texts
    claim = next(t for t in rows(h) if t.kind == "claim")
    desk.close_claim(int(claim.platform_ticket_id.split(":")[1]))
    assert deliver("claims", claim.platform_ticket_id.split(":")[1]) == "done"
    assert by_channel_id(h, claim.platform_ticket_id).status == "closed"


def test_cli_list_show_reply_and_refusal(h: SandboxHarness, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from hub.cli import main

    monkeypatch.setenv("HUB_DATA_DIR", str(h.app.config.data_dir))

    def hub(*args: str) -> tuple[int, str, str]:
        monkeypatch.setattr("sys.argv", ["hub", *args])
        capsys.readouterr()
        try:
            main()
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        out, err = capsys.readouterr()
        return code, out, err

    code, out, _ = hub("tickets", "import", "--account", "main", "--json")
    assert code == 0 and json.loads(out)["counts"]["imported"] == 6
    code, out, _ = hub("runs", "list", "--json")
    assert code == 0 and '"tickets"' in out
    code, out, _ = hub("tickets", "list", "--status", "open", "--json")
    listed: list[dict[str, Any]] = json.loads(out)
    assert code == 0 and {t["kind"] for t in listed} == {"question", "message", "claim"}
    question = next(t for t in listed if t["kind"] == "question")
    reply_file = tmp_path / "reply.txt"
    reply_file.write_text("Sí, es original.\n", encoding="utf-8")
    code, _, err = hub("tickets", "reply", str(question["id"]), "--file", str(reply_file))
    assert code == 0 and "confirmed" in err
    code, out, _ = hub("tickets", "show", str(question["id"]))
    assert code == 0 and "seller: Sí, es original." in out
    code, _, err = hub("tickets", "reply", str(question["id"]), "--message", "otra vez")
    assert code == 1 and "not open to replies" in err and "Traceback" not in err
    code, _, err = hub("tickets", "reply", "424242", "--message", "hola")
    assert code == 1 and "never downloaded" in err
    code, _, err = hub("tickets", "reply", str(question["id"]))
    assert code == 2


def test_api_reply_and_metrics(h: SandboxHarness) -> None:
    import httpx

    from hub.core import apikeys, metrics
    from hub.core.server import create_server

    h.run(service.import_tickets(h.app, "main"))
    text = metrics.render(metrics.collect(h.app))
    assert 'hub_tickets_open{account="main",kind="question"} 3' in text
    assert 'hub_tickets_oldest_unanswered_seconds{account="main"}' in text
    key = apikeys.create(h.app, "bo")[1]

    async def go() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=create_server(h.app))
        async with httpx.AsyncClient(transport=transport, base_url="http://hub",
                                     headers={"authorization": f"Bearer {key}"}) as c:
            listed = await c.get("/api/tickets", params={"status": "open", "account": "main"})
            first = next(t for t in listed.json() if t["kind"] == "message")
            ok = await c.post(f"/api/tickets/{first['id']}/reply", json={"text": "Sale mañana."})
            bad = await c.post(f"/api/tickets/{first['id']}/reply", json={"text": "a@b.com"})
            missing = await c.post("/api/tickets/987654/reply", json={"text": "hola"})
            shown = await c.get(f"/api/tickets/{first['id']}")
            await h.app.accounts.aclose()
            return [listed, ok, bad, missing, shown]

    listed, ok, bad, missing, shown = asyncio.run(go())
    assert listed.status_code == 200 and len(listed.json()) == 6
    assert ok.status_code == 200 and ok.json()["status"] == "sent"
    assert bad.status_code == 422 and "e-mail" in bad.json()["detail"]
    assert missing.status_code == 404 and "never downloaded" in missing.json()["detail"]
    assert shown.json()["messages"][-1]["text"] == "Sale mañana."


def test_a_bad_payload_is_quarantined_and_the_rest_goes_on(h: SandboxHarness) -> None:
    desk = h.sandbox.desk  # type: ignore[attr-defined]
    broken = desk.ask("¿Color?")
    desk.questions[broken]["date_created"] = "yesterday"  # a question the plugin cannot read
    result = h.run(service.import_tickets(h.app, "main"))
    assert result.status == "partial"
    assert result.counts.counts["quarantined"] == 1 and result.counts.counts["imported"] == 6
    assert f"question:{broken}" not in {t.platform_ticket_id for t in rows(h)}
    with h.app.db.session() as s:
        from hub.core.storage.models import RunItem
        item = s.exec(select(RunItem).where(RunItem.outcome == "quarantined")).one()
    assert item.key == f"question:{broken}" and item.reason and "date" in item.reason


def test_ticket_events_go_to_outbound_subscribers(h: SandboxHarness) -> None:
    from hub.core import outbound
    from hub.core.storage.models import WebhookDelivery

    outbound.add_subscription(h.app, "main", "https://erp.example.com/hook",
                              events=["ticket.created", "ticket.updated"])
    h.run(service.import_tickets(h.app, "main"))
    question = next(t for t in rows(h) if t.kind == "question")
    h.run(service.reply(h.app, str(question.id), "Sí."))
    with h.app.db.session() as s:
        deliveries = list(s.exec(select(WebhookDelivery)))
    created = [d for d in deliveries if d.event == "ticket.created"]
    updated = [json.loads(d.body) for d in deliveries if d.event == "ticket.updated"]
    assert len(created) == 6 and not any(d.event.startswith("order.") for d in deliveries)
    assert [u["ticket_id"] for u in updated] == [question.id]
    assert updated[0]["ticket"]["status"] == "answered" and "raw" not in updated[0]["ticket"]


def test_flow_off_downloads_nothing_and_the_daemon_schedules_only_when_on(h: SandboxHarness) -> None:
    from hub.core.scheduler import Daemon

    h.app.accounts.set_flags("main", flow_tickets=False)
    with pytest.raises(ConfigError, match="tickets flow is off"):
        h.run(service.import_tickets(h.app, "main"))
    body = h.sandbox.notification("questions", str(h.sandbox.desk.ask("¿Hay?")))  # type: ignore[attr-defined]
    received = webhooks.receive(h.app, "mercadolibre", "main", {}, json.dumps(body).encode())
    assert h.run(webhooks.process(h.app, received.event_id or 0)) == "done"
    assert rows(h) == []

    async def jobs() -> tuple[set[str], set[str]]:
        daemon = Daemon(h.app)
        daemon.scheduler.start(paused=True)
        daemon.sync_jobs()
        off = {job.id for job in daemon.scheduler.get_jobs()}
        h.app.accounts.set_flags("main", flow_tickets=True)
        daemon.sync_jobs()
        on = {job.id for job in daemon.scheduler.get_jobs()}
        daemon.scheduler.shutdown(wait=False)
        return off, on

    off, on = asyncio.run(jobs())
    assert "tickets:main" not in off and "tickets:main" in on


def test_a_webhook_racing_an_import_still_gives_one_ticket(h: SandboxHarness) -> None:
    from hub.core.sync import runs

    desk = h.sandbox.desk  # type: ignore[attr-defined]
    qid = desk.ask("¿Envían hoy?")
    row = h.app.accounts.row("main")
    account = h.app.accounts.open(row)
    payload = h.run(h.app.host.fetch_ticket(account, f"question:{qid}"))
    with h.app.db.session() as s:
        run_id = runs.start_run(s, row.id or 0, "tickets", "manual").id or 0
    writer = service.TicketWriter(h.app, row, account)
    fields = writer._fields
    raced: list[int] = []

    def racing(ticket: Any) -> Any:  # after the writer looked the ticket up and found none
        if not raced:  # the webhook's refresh commits the same ticket first
            raced.append(1)
            service.TicketWriter(h.app, row, account).write([payload], run_id=run_id)
        return fields(ticket)

    writer._fields = racing  # type: ignore[method-assign]
    result = writer.write([payload], run_id=run_id)
    assert raced and result.counts.counts["unchanged"] == 1
    assert [t.platform_ticket_id for t in rows(h)] == [f"question:{qid}"]
