"""Post-sale service (SAC): SkyHub's ``/sac`` tickets and their chats, and the seller's replies.

One ticket per SAC (``sac:<code>``, SkyHub's code such as ``"Lojas Americanas-201000000004001"``):

* the scan reads ``GET /sac`` (every ticket with messages; SkyHub pages it forward only, with
  the ``cursor`` its ``next_page`` URL carries) and, for each ticket changed since ``since``
  (its ``updated_at``) or still ``UNREAD`` by the seller, the conversation with
  ``GET /sac/{code}/chats``;
* :func:`fetch` reads one ticket: ``GET /sac/{code}`` (not shown in SkyHub's pages: when it
  answers 404 the record is looked up in the ``GET /sac`` listing) and its chats (None when
  SkyHub has no such ticket);
* :func:`reply` posts the seller's message on the buyer's chat (``CUSTOMER_SELLER``) with
  ``POST /sac/{code}/chats``.

The ``/sac`` listing cannot filter by modified time and its order is not documented: every
run lists the account's tickets (cheap: one request a page) and reads the chats of those
changed since the cursor only. The checkpoint is the moment the scan started on SkyHub's
clock. Chats' message times carry no offset in SkyHub's samples: they are Brazilian time.

Pre-sale questions are not read: SkyHub discontinued its ``/questions`` API for Americanas
(its "Perguntas e Respostas: Americanas" page), and the questions of Americanas now reach an
integration only as webhook calls of the Rehub ``/qna`` service (see docs/platforms/skyhub.md).
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from hub import (
    Cursors,
    DataError,
    ListingPage,
    PageGuard,
    PushResult,
    SortedBy,
    Ticket,
    TicketAuthor,
    TicketBuyer,
    TicketKind,
    TicketMessage,
    TicketPage,
    TicketReply,
    TicketStatus,
    bounded,
    json_object,
    paginate,
    parse_datetime,
    platform_time,
    scan_tickets,
)
from hub_skyhub.client import SkyhubClient, error_text, segment

PREFIX = "sac:"
BRT = timezone(timedelta(hours=-3))
SECOND = timedelta(seconds=1)
#: chats read at once during a scan (SkyHub: 9 requests a second per SAC method)
CHAT_READS = 4
#: the chat between the buyer and the seller: the one the seller's replies go to
BUYER_CHAT = "CUSTOMER_SELLER"
CLOSED_STATUSES = {"ARCHIVED", "CLOSED", "FINISHED"}
UNREAD = "UNREAD"
ROLES = {"CUSTOMER": TicketAuthor.BUYER, "SELLER": TicketAuthor.SELLER,
         "EMPLOYEE": TicketAuthor.PLATFORM}


def code_of(ticket_id: str) -> str | None:
    """SkyHub's SAC code of a ``sac:<code>`` ticket id (None for anything else)."""
    if not ticket_id.startswith(PREFIX):
        return None
    code = ticket_id[len(PREFIX):]
    return code if code and "/" not in code and code not in (".", "..") else None


def _when(value: Any, what: str) -> datetime:
    """A SkyHub time: with its offset (``/sac``) or without one (chats: Brazilian time)."""
    if isinstance(value, str) and value.strip():
        try:
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise DataError(f"{what}: '{value}' is not an ISO 8601 time") from None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=BRT)
        return parse_datetime(parsed)
    raise DataError(f"{what}: no time")


# --- reading ------------------------------------------------------------------------------
async def chats(client: SkyhubClient, code: str) -> list[dict[str, Any]] | None:
    """``GET /sac/{code}/chats``: the ticket's chats (None when SkyHub has no such ticket)."""
    response = await client.api("skyhub-sac-get").get(f"sac/{segment(code)}/chats", expect={404})
    if response.status_code == 404:
        return None
    body = json_object(response, f"{client.label}: chats of SAC {code}")
    found = body.get("chats")
    if found is None and isinstance(body.get("messages"), list):
        found = [body]  # SkyHub's older sample: one chat as the body itself
    return [c for c in found or [] if isinstance(c, dict)]


async def fetch(client: SkyhubClient, ticket_id: str) -> dict[str, Any] | None:
    """One ticket's payload by id (``sac:<code>``), or None when SkyHub has no such ticket."""
    code = code_of(ticket_id)
    if code is None:
        return None
    response = await client.api("skyhub-sac-get").get(f"sac/{segment(code)}", expect={404})
    if response.status_code == 404:  # no such ticket, or no such route (it is not documented)
        found = await _listed(client, code)
        if found is None:
            return None
        record = found
    else:
        body = json_object(response, f"{client.label}: SAC {code}")
        inner = body.get("sac")
        record = inner if isinstance(inner, dict) else body
    conversation = await chats(client, code)
    if conversation is None:
        return None
    return {"ticket_id": ticket_id, "sac": record, "chats": conversation}


async def _listed(client: SkyhubClient, code: str) -> dict[str, Any] | None:
    """The ticket's record as ``GET /sac`` lists it (read page by page until it is found)."""
    async for page in _listing(client, PageGuard(f"{client.label}: SAC {code}"), 1):
        for record in page.items:
            if str(record["sac"]["code"]) == code:
                return dict(record["sac"])
    return None


def _listing(client: SkyhubClient, guard: PageGuard, sweep: int
             ) -> AsyncIterator[ListingPage[dict[str, Any]]]:
    """``GET /sac`` page by page (the ``cursor`` of each page's ``next_page``)."""
    api = client.api("skyhub-sac-get")

    async def get(token: str | None) -> httpx.Response:
        return await api.get("sac", params={"cursor": token} if token else None)

    def parse(response: httpx.Response) -> ListingPage[dict[str, Any]]:
        body = json_object(response, f"{client.label}: SAC")
        records = [r for r in body.get("sacs") or [] if isinstance(r, dict) and r.get("code")]
        return ListingPage([{"ticket_id": f"{PREFIX}{r['code']}", "sac": r} for r in records],
                           next=_cursor(body.get("next_page")), when=platform_time(response))

    return paginate(get, parse, Cursors(), guard=guard, key=lambda r: r["ticket_id"],
                    scope=("sac", sweep))


def _cursor(next_page: Any) -> str | None:
    """The ``cursor`` of SkyHub's ``next_page`` URL (the URL itself is not followed: the
    account's keys go only to the configured base address)."""
    if not isinstance(next_page, str) or not next_page.strip():
        return None
    values = parse_qs(urlsplit(next_page.strip()).query).get("cursor") or []
    return values[0] if values and values[0] else None


async def scan(client: SkyhubClient, since: datetime) -> AsyncIterator[TicketPage]:
    """Every SAC of the account listed once; the chats of those changed since ``since``."""

    def read(guard: PageGuard, sweep: int) -> AsyncIterator[ListingPage[dict[str, Any]]]:
        return _listing(client, guard, sweep)

    def changed(record: dict[str, Any]) -> bool:
        sac = record["sac"]
        if str(sac.get("status") or "").upper() == UNREAD:
            return True  # the seller has something unread (whether or not updated_at moved)
        try:
            return _when(sac.get("updated_at") or sac.get("created_at"), "updated_at") >= since
        except DataError:
            return True  # read it: parse_ticket quarantines what it cannot understand

    async def with_chats(record: dict[str, Any]) -> dict[str, Any] | None:
        conversation = await chats(client, str(record["sac"]["code"]))
        return None if conversation is None else {**record, "chats": conversation}

    async def payloads(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        found = await bounded(CHAT_READS, (with_chats(r) for r in records if changed(r)))
        return [p for p in found if p is not None]

    async for page in scan_tickets(read, since=since, sorted_by=SortedBy.STABLE,
                                   name=f"{client.label}: SAC", payloads=payloads, lag=SECOND):
        yield page


# --- mapping ------------------------------------------------------------------------------
def _message_id(parts: str, role: str, at: str, content: str, seen: dict[str, int]) -> str:
    """A stable id for a chat message (SkyHub's messages carry none): its chat, time and a
    digest of author and text, numbered when the same message appears twice."""
    digest = hashlib.sha256(f"{role}\0{content}".encode()).hexdigest()[:12]
    base = f"{parts}:{at}:{digest}"
    seen[base] = seen.get(base, 0) + 1
    return base if seen[base] == 1 else f"{base}:{seen[base]}"


def parse_ticket(payload: dict[str, Any]) -> Ticket:
    """A SAC and its chats (as :func:`scan` and :func:`fetch` give them) as a canonical ticket."""
    sac = payload.get("sac")
    conversation = payload.get("chats")
    if not isinstance(sac, dict) or not sac.get("code") or not isinstance(conversation, list):
        raise DataError("not a SkyHub SAC payload (needs 'sac' with a code and 'chats')")
    code = str(sac["code"])
    messages: list[TicketMessage] = []
    buyer: TicketBuyer | None = None
    seen: dict[str, int] = {}
    for chat in conversation:
        parts = str(chat.get("parts") or "?")
        for m in chat.get("messages") or []:
            if not isinstance(m, dict):
                continue
            raw_part = m.get("part")
            part: dict[str, Any] = raw_part if isinstance(raw_part, dict) else {}
            role = str(part.get("role") or "").upper()
            author = ROLES.get(role, TicketAuthor.PLATFORM)
            raw_at = m.get("created_at")
            at = _when(raw_at, f"SAC {code}: message time")
            text = str(m.get("content") or "")
            if author == TicketAuthor.BUYER and buyer is None and (part.get("code") or part.get("name")):
                buyer = TicketBuyer(platform_id=str(part.get("code") or "") or None,
                                    name=str(part.get("name") or "") or None)
            messages.append(TicketMessage(
                platform_message_id=_message_id(parts, role, str(raw_at), text, seen),
                author=author, at=at, text=text, status=parts))
    messages.sort(key=lambda m: m.at)
    created = _when(sac.get("created_at"), f"SAC {code}: created_at") if sac.get("created_at") \
        else (messages[0].at if messages else None)
    if created is None:
        raise DataError(f"SAC {code}: no created_at and no messages")
    updated = max([created, *(m.at for m in messages),
                   *([_when(sac["updated_at"], f"SAC {code}: updated_at")]
                     if sac.get("updated_at") else [])])
    platform_status = str(sac.get("status") or "").upper()
    talk = [m for m in messages if m.author in (TicketAuthor.BUYER, TicketAuthor.SELLER)]
    closed = platform_status in CLOSED_STATUSES
    status = (TicketStatus.CLOSED if closed else
              TicketStatus.ANSWERED if talk and talk[-1].author == TicketAuthor.SELLER
              else TicketStatus.OPEN)
    mediation = sac.get("mediation") is True
    return Ticket(platform_ticket_id=f"{PREFIX}{code}",
                  kind=TicketKind.CLAIM if mediation else TicketKind.MESSAGE, status=status,
                  created_at=created, updated_at=updated,
                  order_id=code, subject=f"order {sac['order_code']}" if sac.get("order_code")
                  else None, stage="mediation" if mediation else
                  (platform_status.lower() or None),
                  can_reply=not closed, buyer=buyer, messages=messages, raw=payload)


# --- replying -----------------------------------------------------------------------------
async def reply(client: SkyhubClient, ticket: Ticket, message: TicketReply) -> PushResult:
    """Post the seller's message on the buyer's chat; SkyHub's refusal in its own words.

    Only a ticket downloaded from SkyHub is answered (the seed's rule, also held here): its id
    is ``sac:<code>`` and its ``raw`` is the SAC payload SkyHub served."""
    key = ticket.platform_ticket_id
    code = code_of(key)
    raw_sac = ticket.raw.get("sac") if isinstance(ticket.raw, dict) else None
    if code is None or not isinstance(raw_sac, dict) or str(raw_sac.get("code")) != code:
        return PushResult.failed(key, "this ticket was not downloaded from SkyHub: the hub "
                                      "replies only to SAC tickets it downloaded first",
                                 retryable=False)
    if message.attachments:
        return PushResult.failed(key, "SkyHub's SAC chats take text only; send the attachment "
                                      "as a link in the text", retryable=False)
    response = await client.send_json("skyhub-sac-post", "POST", f"sac/{segment(code)}/chats",
                                      {"parts": BUYER_CHAT, "content": message.text},
                                      expect={400, 404, 422})
    if response.status_code >= 400:
        reason = error_text(response) or f"HTTP {response.status_code}"
        return PushResult.failed(key, reason, retryable=False)
    return PushResult.ok(key)

