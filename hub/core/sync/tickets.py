"""Support tickets (SAC): download buyers' questions, messages and claims; send replies.

Import works like the order import: pages from the plugin's ``fetch_tickets``,
each one transaction (tickets, their conversation, run items, outbound events
and, when the plugin vouches for one, the ``tickets`` cursor), so a killed run
resumes from its last committed page, and a ticket listed twice, on the next
run or by a webhook converges on one row per (account, platform ticket id).

Replies follow the seed's rule: the hub writes only to tickets it first
downloaded from the channel. A reply to anything else, or to a ticket the
platform closed, is refused with the reason; a reply counts as sent only when
the ticket read back from the platform holds it.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from hub.account import Account
from hub.core import outbound
from hub.core.connections import tickets_handled_by
from hub.core.http.redact import redact
from hub.core.storage.columns import now
from hub.core.storage.models import Account as AccountRow
from hub.core.storage.tickets import Ticket as TicketRow
from hub.core.storage.tickets import TicketMessage as MessageRow
from hub.core.storage.tickets import TicketReply as ReplyRow
from hub.core.sync import runs
from hub.core.sync.orders import advance_cursor, check_flow, get_cursor
from hub.core.sync.parsing import parse_newest
from hub.core.sync.prefetch import aclose
from hub.errors import ConfigError, Fault, HubError, NotFound
from hub.tickets import Ticket, TicketAuthor, TicketPage, TicketReply, TicketStatus
from hub.types import PushOutcome, PushResult

if TYPE_CHECKING:
    from hub.core.app import HubApp

log = logging.getLogger("hub.sync.tickets")
FLOW = "tickets"
#: a ticket without a platform deadline is overdue when its buyer has waited this long
OVERDUE_AFTER = timedelta(hours=24)
SENT, REFUSED, FAILED = "sent", "refused", "failed"


def fingerprint(ticket: Ticket) -> str:
    """A digest of what the hub keeps of a ticket (not the raw payload, not the modified time)."""
    return hashlib.sha256(ticket.model_dump_json(exclude={"raw", "updated_at"}).encode()).hexdigest()


def waiting_since(ticket: Ticket) -> datetime | None:
    """When the buyer's oldest message after the seller's last one was sent (None: nobody waits)."""
    if ticket.status == TicketStatus.CLOSED:
        return None
    answered = ticket.last_from(TicketAuthor.SELLER)
    waiting = [m.at for m in ticket.messages if m.author == TicketAuthor.BUYER
               and (answered is None or m.at > answered.at)]
    if waiting:
        return min(waiting)
    return ticket.created_at if ticket.status == TicketStatus.OPEN and answered is None else None


def _payload_key(payload: dict[str, Any]) -> str:
    value = payload.get("ticket_id") or payload.get("id")
    return str(value) if value not in (None, "") else "?"


@dataclass
class PageResult:
    counts: runs.RunCounts = field(default_factory=runs.RunCounts)


class TicketWriter:
    """Writes one account's ticket payloads: parse, upsert once, conversation, events, cursor."""

    def __init__(self, app: HubApp, row: AccountRow, account: Account) -> None:
        self.app, self.row, self.account = app, row, account

    def parse(self, payloads: list[dict[str, Any]]
              ) -> tuple[list[Ticket], list[tuple[str, str, dict[str, Any]]]]:
        return parse_newest(payloads, lambda p: self.app.host.parse_ticket(self.account, p), Ticket,
                            lambda t: t.platform_ticket_id, _payload_key,
                            hook="parse_ticket", what="ticket")

    def write(self, payloads: list[dict[str, Any]], *, run_id: int,
              checkpoint: datetime | None = None) -> PageResult:
        tickets, bad = self.parse(payloads)
        try:
            return self._commit(tickets, bad, run_id, checkpoint)
        except IntegrityError:  # a webhook refresh inserted one of them meanwhile: now an update
            return self._commit(tickets, bad, run_id, checkpoint)

    def _commit(self, tickets: list[Ticket], bad: list[tuple[str, str, dict[str, Any]]],
                run_id: int, checkpoint: datetime | None) -> PageResult:
        result = PageResult()
        account_id = self.row.id or 0
        with self.app.db.session() as s:
            for key, reason, payload in bad:
                result.counts.add(runs.QUARANTINED)
                runs.record_item(s, run_id, account_id, key, runs.QUARANTINED, reason, payload)
            items: list[tuple[str, str, str | None]] = []
            for ticket in tickets:
                outcome = self.upsert(s, ticket)
                result.counts.add(outcome)
                if outcome != runs.UNCHANGED:
                    items.append((ticket.platform_ticket_id, outcome, None))
            runs.record_items(s, run_id, account_id, items)
            if checkpoint is not None:
                advance_cursor(s, account_id, FLOW, checkpoint)
        return result

    def upsert(self, s: Session, ticket: Ticket) -> str:
        """Insert or update one ticket and its conversation; queue its outbound event."""
        account_id = self.row.id or 0
        row = s.exec(select(TicketRow).where(
            TicketRow.account_id == account_id,
            TicketRow.platform_ticket_id == ticket.platform_ticket_id)).first()
        digest = fingerprint(ticket)
        created = row is None
        if row is not None and (row.fingerprint == digest
                                or ticket.updated_at < row.platform_updated_at):
            return runs.UNCHANGED  # same content, or an older copy arriving late
        if row is None:
            row = TicketRow(account_id=account_id, platform=self.row.platform,
                            platform_ticket_id=ticket.platform_ticket_id, fingerprint=digest,
                            **self._fields(ticket))
        else:
            for key, value in self._fields(ticket).items():
                setattr(row, key, value)
            row.fingerprint, row.updated_at = digest, now()
        s.add(row)
        s.flush()
        self._conversation(s, row.id or 0, ticket)
        outbound.enqueue_ticket_event(s, self.row, row.id or 0, ticket, created)
        return runs.IMPORTED if created else runs.UPDATED

    @staticmethod
    def _fields(ticket: Ticket) -> dict[str, Any]:
        return {"kind": str(ticket.kind), "status": str(ticket.status), "order_ref": ticket.order_id,
                "buyer_id": ticket.buyer.platform_id if ticket.buyer else None,
                "buyer_name": ticket.buyer.name if ticket.buyer else None,
                "subject": ticket.subject, "stage": ticket.stage, "deadline": ticket.deadline,
                "can_reply": ticket.can_reply, "platform_created_at": ticket.created_at,
                "platform_updated_at": ticket.updated_at, "waiting_since": waiting_since(ticket),
                "raw": ticket.raw or None}

    @staticmethod
    def _conversation(s: Session, ticket_id: int, ticket: Ticket) -> None:
        held = {m.platform_message_id: m for m in s.exec(
            select(MessageRow).where(MessageRow.ticket_id == ticket_id))}
        for message in ticket.messages:
            fields: dict[str, Any] = {"author": str(message.author), "at": message.at, "text": message.text,
                      "attachments": list(message.attachments) or None, "status": message.status}
            mine = held.get(message.platform_message_id)
            if mine is None:
                s.add(MessageRow(ticket_id=ticket_id,
                                 platform_message_id=message.platform_message_id, **fields))
            else:
                for key, value in fields.items():
                    setattr(mine, key, value)
                s.add(mine)


@dataclass
class ImportResult:
    run_id: int
    counts: runs.RunCounts
    status: str
    error: str | None = None


async def import_tickets(app: HubApp, name: str, *, since: datetime | None = None,
                         full: bool = False, trigger: str = "manual") -> ImportResult:
    """Download one account's tickets changed since its cursor (the backfill window the first time)."""
    row = app.accounts.row(name)
    check_flow(row, FLOW)
    account = app.accounts.open(row)
    writer = TicketWriter(app, row, account)
    async with app.accounts.lease(f"run:{FLOW}:{row.id}", ttl=120, wait=0):
        run_id, cursor = await runs.begin_reading(app.db, row.id or 0, FLOW, trigger,
                                                  lambda s: get_cursor(s, row.id or 0, FLOW))
        if since is None:
            since = (now() - timedelta(days=account.core.backfill_days) if cursor is None or full
                     else cursor - timedelta(minutes=account.core.overlap_minutes))
        counts = runs.RunCounts()
        error: str | None = None
        source = app.host.fetch_tickets(account, since)
        try:
            async for page in source:
                if not isinstance(page, TicketPage):
                    raise HubError(f"fetch_tickets yielded {type(page).__name__}, not hub.TicketPage")
                if page.total is not None and counts.available is None:
                    counts.available = page.total
                result = writer.write(page.payloads, run_id=run_id, checkpoint=page.checkpoint)
                counts.counts.update(result.counts.counts)
        except HubError as exc:
            error = redact(str(exc))
        finally:
            await aclose(source)
        run = await runs.end(app.db, run_id, counts, error)
        if error:
            app.host.sync_failed(account, FLOW, run_id, error)
        return ImportResult(run_id=run_id, counts=counts, status=run.status, error=error)


async def refresh_ticket(app: HubApp, name: str, ticket_id: str, trigger: str = "webhook"
                         ) -> ImportResult:
    """Re-fetch one ticket (a webhook announced it, or a reply was sent) and write it."""
    row = app.accounts.row(name)
    account = app.accounts.open(row)
    run_id = await runs.begin(app.db, row.id or 0, FLOW, trigger)
    counts = runs.RunCounts()
    error: str | None = None
    try:
        payload = await app.host.fetch_ticket(account, ticket_id)
        if payload is None:
            counts.add(runs.SKIPPED, "the platform no longer has this ticket")
        else:
            counts = TicketWriter(app, row, account).write([payload], run_id=run_id).counts
    except HubError as exc:
        error = redact(str(exc))
    run = await runs.end(app.db, run_id, counts, error)
    return ImportResult(run_id=run_id, counts=counts, status=run.status, error=error)


async def refresh_announced_ticket(app: HubApp, row: AccountRow, ticket_id: str) -> None:
    """A webhook announced ``ticket_id``: re-fetch it when the account's tickets flow is on
    (off: nothing is downloaded; the event is done). A failed fetch raises for a retry."""
    if not row.flow_tickets:
        return
    result = await refresh_ticket(app, row.name, ticket_id, trigger="webhook")
    if result.error:
        raise HubError(result.error)


# --- replies -------------------------------------------------------------------------

class ReplyRefused(HubError):
    """A reply the hub will not send, or the platform did not take; the message says why."""

    fault = Fault.DATA
    exit_code = 1


class NotDownloaded(ReplyRefused, NotFound):
    """The seed's rule: the hub writes only to tickets it first downloaded from the channel."""


@dataclass
class ReplyResult:
    reply_id: int | None
    ticket_id: int
    status: str
    error: str | None = None


def find_ticket(s: Session, app: HubApp, ref: str) -> TicketRow:
    """A downloaded ticket by the hub's id or ``ACCOUNT:PLATFORM_TICKET_ID``.

    :raises NotDownloaded: no such ticket was downloaded from a channel (the seed's rule).
    """
    row: TicketRow | None = None
    if ref.isdigit():
        row = s.get(TicketRow, int(ref))
    else:
        account, _, platform_id = ref.partition(":")
        try:
            account_id = app.accounts.row(account).id if platform_id else None
        except NotFound:
            account_id = None
        if account_id is not None:
            row = s.exec(select(TicketRow).where(TicketRow.account_id == account_id,
                                                 TicketRow.platform_ticket_id == platform_id)).first()
    if row is None:
        raise NotDownloaded(f"ticket {ref} was never downloaded from a channel: the hub replies only "
                           "to tickets it downloaded first",
                           hint="run: hub tickets import --account NAME, then hub tickets list")
    return row


def canonical(row: TicketRow, messages: list[MessageRow]) -> Ticket:
    """The stored ticket as the plugin sees it in ``reply_ticket``."""
    from hub.tickets import TicketBuyer, TicketMessage

    return Ticket(
        platform_ticket_id=row.platform_ticket_id, kind=row.kind, status=row.status,
        created_at=row.platform_created_at, updated_at=row.platform_updated_at,
        order_id=row.order_ref, subject=row.subject, stage=row.stage, deadline=row.deadline,
        can_reply=row.can_reply, raw=row.raw or {},
        buyer=TicketBuyer(platform_id=row.buyer_id, name=row.buyer_name)
        if row.buyer_id or row.buyer_name else None,
        messages=[TicketMessage(platform_message_id=m.platform_message_id, author=m.author,
                                at=m.at, text=m.text, attachments=m.attachments or [],
                                status=m.status) for m in messages])


def _messages(s: Session, ticket_id: int) -> list[MessageRow]:
    return list(s.exec(select(MessageRow).where(MessageRow.ticket_id == ticket_id)
                       .order_by(col(MessageRow.at), col(MessageRow.id))))


def _record(app: HubApp, row: TicketRow, text: str, status: str, error: str | None,
            source: str) -> int:
    with app.db.session() as s:
        reply = ReplyRow(ticket_id=row.id or 0, account_id=row.account_id, text=text,
                         status=status, error=error, source=source)
        s.add(reply)
        s.flush()
        return reply.id or 0


async def reply(app: HubApp, ref: str, text: str, *, source: str = "cli") -> ReplyResult:
    """Send a reply on a downloaded ticket and confirm it by reading the ticket back.

    :raises ReplyRefused: the ticket was not downloaded from the channel, is closed,
        or the platform refused the reply (its reason in the message); refusals of a
        downloaded ticket are recorded as ``refused`` replies.
    :raises ConfigError: the account's tickets flow is off (the hub writes nothing then).
    """
    text = text.strip()
    if not text:
        raise ConfigError("the reply is empty", hint="pass --message TEXT or --file PATH")
    with app.db.session() as s:
        row = find_ticket(s, app, ref)
        before = {m.platform_message_id for m in _messages(s, row.id or 0)}
        ticket = canonical(row, _messages(s, row.id or 0))
    account_row = app.accounts.row_by_id(row.account_id)
    check_flow(account_row, FLOW)
    if row.status == TicketStatus.CLOSED or not row.can_reply:
        why = "closed on the platform" if row.status == TicketStatus.CLOSED else \
            "not open to replies on the platform"
        reason = f"ticket {row.id} ({row.platform_ticket_id}) is {why}"
        _record(app, row, text, REFUSED, reason, source)
        raise ReplyRefused(reason)
    with app.db.session() as s:
        handler = tickets_handled_by(s, row.account_id, row.order_ref)
    if handler != "hub":
        reason = (f"ticket {row.id} ({row.platform_ticket_id}) is about order {row.order_ref}, "
                  f"whose terms say the {handler} answers its tickets (tickets_handled_by)")
        _record(app, row, text, REFUSED, reason, source)
        raise ReplyRefused(reason)
    account = app.accounts.open(account_row)
    try:
        result = await app.host.reply_ticket(account, ticket, TicketReply(text=text))
        if not isinstance(result, PushResult):
            raise HubError(f"reply_ticket returned {type(result).__name__}, not hub.PushResult")
    except HubError as exc:
        error = redact(str(exc))
        _record(app, row, text, FAILED, error, source)
        raise
    if result.outcome != PushOutcome.ACCEPTED:
        reason = redact(result.error or "refused by the platform")
        status = FAILED if result.retryable else REFUSED
        reply_id = _record(app, row, text, status, reason, source)
        if status == REFUSED:
            raise ReplyRefused(f"{account.label} refused the reply on ticket {row.id}: {reason}")
        return ReplyResult(reply_id, row.id or 0, status, reason)
    await refresh_ticket(app, account_row.name, row.platform_ticket_id, trigger="reply")
    with app.db.session() as s:
        confirmed = any(m.author == TicketAuthor.SELLER and m.text.strip() == text
                        and m.platform_message_id not in before for m in _messages(s, row.id or 0))
    if not confirmed:
        reason = "the platform accepted the reply but it is not in the ticket read back"
        return ReplyResult(_record(app, row, text, FAILED, reason, source), row.id or 0, FAILED, reason)
    return ReplyResult(_record(app, row, text, SENT, None, source), row.id or 0, SENT)


# --- reading -------------------------------------------------------------------------

def _overdue(row: TicketRow, at: datetime) -> bool:
    if row.status in (TicketStatus.CLOSED, TicketStatus.ANSWERED):
        return False
    if row.deadline is not None:
        return row.deadline < at
    return row.waiting_since is not None and at - row.waiting_since > OVERDUE_AFTER


def summary(row: TicketRow, account: str, at: datetime | None = None) -> dict[str, Any]:
    at = at or now()
    return {"id": row.id, "account": account, "platform": row.platform,
            "platform_ticket_id": row.platform_ticket_id, "kind": row.kind, "status": row.status,
            "order": row.order_ref, "buyer": row.buyer_name or row.buyer_id, "subject": row.subject,
            "stage": row.stage, "deadline": row.deadline, "can_reply": row.can_reply,
            "waiting_since": row.waiting_since, "overdue": _overdue(row, at),
            "updated_at": row.platform_updated_at, "downloaded_at": row.downloaded_at}


def list_tickets(app: HubApp, *, account: str | None = None, status: str | None = None,
                 overdue: bool = False, limit: int = 200) -> list[dict[str, Any]]:
    """Tickets newest first, filtered by account, status (open, answered, waiting, closed), overdue."""
    if status is not None and status not in {str(s) for s in TicketStatus}:
        raise ConfigError(f"unknown status '{status}'; statuses are: "
                          + ", ".join(str(s) for s in TicketStatus))
    names = {r.id: r.name for r in app.accounts.rows()}
    query = select(TicketRow).order_by(col(TicketRow.platform_updated_at).desc(), col(TicketRow.id))
    if account is not None:
        query = query.where(TicketRow.account_id == app.accounts.row(account).id)
    if status is not None:
        query = query.where(TicketRow.status == status)
    at = now()
    with app.db.session() as s:
        rows = list(s.exec(query))
    found = [summary(r, names.get(r.account_id, "?"), at) for r in rows]
    if overdue:
        found = [t for t in found if t["overdue"]]
    return found[:limit]


def show_ticket(app: HubApp, ref: str) -> dict[str, Any]:
    """One ticket with its conversation and the replies the hub sent or was refused."""
    with app.db.session() as s:
        try:
            row = find_ticket(s, app, ref)
        except NotDownloaded:
            raise NotFound(f"no ticket {ref}", hint="run: hub tickets list") from None
        name = app.accounts.row_by_id(row.account_id).name
        view = summary(row, name)
        view["messages"] = [{"id": m.platform_message_id, "author": m.author, "at": m.at,
                             "text": m.text, "attachments": m.attachments or [],
                             "status": m.status} for m in _messages(s, row.id or 0)]
        view["replies"] = [{"id": r.id, "status": r.status, "error": r.error, "text": r.text,
                            "source": r.source, "at": r.created_at}
                           for r in s.exec(select(ReplyRow).where(ReplyRow.ticket_id == row.id)
                                           .order_by(col(ReplyRow.id)))]
    return view

