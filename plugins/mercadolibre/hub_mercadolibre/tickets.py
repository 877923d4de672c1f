"""Post-sale service: pre-sale questions, post-sale messages of a pack, claims.

Three listings make one ticket scan (:func:`scan`, on :func:`hub.scan_tickets`):

* questions still waiting for the seller: ``GET /questions/search?seller_id=..
  &status=UNANSWERED&api_version=4&sort_fields=date_created&sort_types=ASC``
  (``offset``/``limit`` 50);
* message threads with messages the seller has not read:
  ``GET /messages/unread?role=seller&tag=post_sale`` names the packs, each read with
  ``GET /messages/packs/{pack_id}/sellers/{seller_id}?tag=post_sale&mark_as_read=false``;
* open claims: ``GET /post-purchase/v1/claims/search?status=opened`` (``offset``/``limit`` 30).

Ticket ids: ``question:<id>``, ``pack:<pack id>`` (the order id when the sale has
no cart) and ``claim:<id>``; a ``messages`` notification names ``message:<id>``,
which :func:`fetch` resolves to its pack. Replies: ``POST /answers`` for a question,
``POST /messages/packs/{pack_id}/sellers/{seller_id}?tag=post_sale`` for a thread;
the hub does not write to claims (read only: stage and due date).

None of the listings filters by modified time: every run lists what still waits
for the seller, and notifications (``questions``, ``messages``, ``claims``) bring
the changes (an answer given on the site, a claim closed) sooner.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from hub import (
    Cursors,
    DataError,
    ListingPage,
    Offsets,
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
    paginate,
    parse_datetime,
    platform_time,
    scan_tickets,
)
from hub_mercadolibre.client import MeliClient, error_text, json_object
from hub_mercadolibre.orders import numeric_id

QUESTIONS_LIMIT = 50
CLAIMS_LIMIT = 30
THREAD_LIMIT = 100
SECOND = timedelta(seconds=1)
PACK_RESOURCE = re.compile(r"^/packs/(\d+)(?:/|$)")
QUESTION_STATUS = {"UNANSWERED": TicketStatus.OPEN, "ANSWERED": TicketStatus.ANSWERED,
                   "UNDER_REVIEW": TicketStatus.WAITING}


def _when(value: Any, what: str) -> datetime:
    parsed = parse_datetime(value) if value else None
    if parsed is None:
        raise DataError(f"{what}: no date")
    return parsed.astimezone(UTC)


# --- reading ------------------------------------------------------------------------------
async def thread(client: MeliClient, pack_id: str) -> dict[str, Any] | None:
    """A pack's whole post-sale conversation (left unread), as a ticket payload."""
    messages: list[dict[str, Any]] = []
    status: dict[str, Any] = {}
    path = f"/messages/packs/{pack_id}/sellers/{client.seller_id}"

    async def fetch(offset: int) -> httpx.Response:
        return await client.get(path, {"tag": "post_sale", "mark_as_read": "false",
                                        "offset": offset, "limit": THREAD_LIMIT}, expect={404})

    def parse(response: httpx.Response) -> ListingPage[dict[str, Any]]:
        if response.status_code == 404:
            return ListingPage([])
        body = json_object(response, f"GET {path}")
        status.update(body.get("conversation_status") or {})
        total = (body.get("paging") or {}).get("total")
        return ListingPage(list(body.get("messages") or []),
                           total=total if isinstance(total, int) else None)

    guard = PageGuard(f"{client.account.label}: messages of pack {pack_id}")
    async for page in paginate(fetch, parse, Offsets(THREAD_LIMIT), guard=guard,
                               key=lambda m: str(m.get("id"))):
        messages.extend(page.fresh)
    if not messages and not status:
        return None
    return {"ticket_id": f"pack:{pack_id}", "kind": "message", "pack_id": pack_id,
            "seller_id": client.seller_id,
            "conversation_status": status, "messages": messages}


async def fetch(client: MeliClient, ticket_id: str) -> dict[str, Any] | None:
    """One ticket's payload by id (``question:``, ``pack:``, ``claim:``, ``message:``), or None."""
    kind, _, rest = ticket_id.partition(":")
    if kind == "question" and numeric_id(rest):
        found = await client.get_object(f"/questions/{rest}", {"api_version": 4}, missing_ok=True)
        return {"ticket_id": ticket_id, "kind": "question", "question": found} if found else None
    if kind == "pack" and numeric_id(rest):
        return await thread(client, rest)
    if kind == "claim" and numeric_id(rest):
        found = await client.get_object(f"/post-purchase/v1/claims/{rest}", missing_ok=True)
        return ({"ticket_id": ticket_id, "kind": "claim", "claim": found,
                 "seller_id": client.seller_id} if found else None)
    if kind == "message" and rest and re.fullmatch(r"[\w-]+", rest):
        found = await client.get_object(f"/messages/{rest}", {"tag": "post_sale"}, missing_ok=True)
        for message in (found or {}).get("messages") or []:
            for resource in message.get("message_resources") or []:
                if resource.get("name") in ("packs", "orders") and numeric_id(resource.get("id")):
                    return await thread(client, str(resource["id"]))
        return None
    return None


async def scan(client: MeliClient, since: datetime) -> AsyncIterator[TicketPage]:
    """Questions waiting for an answer, threads with unread messages and open claims, each once.

    The three listings share one guard; records (and payloads) carry their ticket id as
    ``ticket_id``, which also names a payload the core quarantines.
    The checkpoint (last page) is the moment the scan started on Mercado Libre's clock.
    """
    seller = client.seller_id

    def questions(guard: PageGuard, sweep: int) -> AsyncIterator[ListingPage[dict[str, Any]]]:
        async def fetch_page(offset: int) -> httpx.Response:
            return await client.get("/questions/search", {
                "seller_id": seller, "status": "UNANSWERED", "api_version": 4,
                "sort_fields": "date_created", "sort_types": "ASC", "offset": offset,
                "limit": QUESTIONS_LIMIT})

        def parse(response: httpx.Response) -> ListingPage[dict[str, Any]]:
            body = json_object(response, "GET /questions/search")
            found = [{"ticket_id": f"question:{q.get('id')}", "kind": "question", "question": q}
                     for q in body.get("questions") or [] if isinstance(q, dict)]
            total = body.get("total")
            return ListingPage(found, total=total if isinstance(total, int) else None,
                               when=platform_time(response))

        return paginate(fetch_page, parse, Offsets(QUESTIONS_LIMIT), guard=guard,
                        key=lambda r: r["ticket_id"], scope=("questions", sweep))

    def claims(guard: PageGuard, sweep: int) -> AsyncIterator[ListingPage[dict[str, Any]]]:
        async def fetch_page(offset: int) -> httpx.Response:
            return await client.get("/post-purchase/v1/claims/search", {
                "status": "opened", "offset": offset, "limit": CLAIMS_LIMIT})

        def parse(response: httpx.Response) -> ListingPage[dict[str, Any]]:
            body = json_object(response, "GET /post-purchase/v1/claims/search")
            found = [{"ticket_id": f"claim:{c.get('id')}", "kind": "claim", "claim": c,
                      "seller_id": seller} for c in body.get("data") or [] if isinstance(c, dict)]
            total = (body.get("paging") or {}).get("total")
            return ListingPage(found, total=total if isinstance(total, int) else None)

        return paginate(fetch_page, parse, Offsets(CLAIMS_LIMIT), guard=guard,
                        key=lambda r: r["ticket_id"], scope=("claims", sweep))

    def unread(guard: PageGuard, sweep: int) -> AsyncIterator[ListingPage[dict[str, Any]]]:
        async def fetch_page(_: Any) -> httpx.Response:
            return await client.get("/messages/unread", {"role": "seller", "tag": "post_sale"})

        def parse(response: httpx.Response) -> ListingPage[dict[str, Any]]:
            body = json_object(response, "GET /messages/unread")
            found = []
            for entry in body.get("results") or []:
                match = PACK_RESOURCE.match(str((entry or {}).get("resource") or ""))
                if match:
                    found.append({"ticket_id": f"pack:{match.group(1)}", "kind": "unread",
                                  "pack_id": match.group(1)})
            return ListingPage(found)  # one answer, no paging (up to 1,000 conversations)

        return paginate(fetch_page, parse, Cursors(), guard=guard, key=lambda r: r["ticket_id"],
                        scope=("unread", sweep))

    async def read(guard: PageGuard, sweep: int) -> AsyncIterator[ListingPage[dict[str, Any]]]:
        for listing in (questions, unread, claims):
            async for page in listing(guard, sweep):
                yield page

    async def payloads(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        threads = [r["pack_id"] for r in records if r["kind"] == "unread"]
        read_threads = await client.bounded(thread(client, pack_id) for pack_id in threads)
        found = [r for r in records if r["kind"] != "unread"]
        return found + [t for t in read_threads if t is not None]

    async for page in scan_tickets(read, since=since, sorted_by=SortedBy.STABLE,
                                   name=f"{client.account.label}: tickets", payloads=payloads,
                                   lag=SECOND):
        yield page


# --- mapping ------------------------------------------------------------------------------
def parse_ticket(payload: dict[str, Any]) -> Ticket:
    """A question, message thread or claim payload (as :func:`scan` and :func:`fetch` give it)."""
    kind = payload.get("kind")
    if kind == "question" and isinstance(payload.get("question"), dict):
        return _question(payload["question"], payload)
    if kind == "message" and payload.get("pack_id"):
        return _thread(payload)
    if kind == "claim" and isinstance(payload.get("claim"), dict):
        return _claim(payload["claim"], str(payload.get("seller_id") or ""), payload)
    raise DataError(f"not a Mercado Libre ticket payload (kind {kind!r})")


def _question(q: dict[str, Any], raw: dict[str, Any]) -> Ticket:
    qid = numeric_id(q.get("id"))
    if qid is None:
        raise DataError("question without a numeric id")
    created = _when(q.get("date_created"), f"question {qid}")
    asker = str((q.get("from") or {}).get("id") or "") or None
    messages = [TicketMessage(platform_message_id=f"{qid}:question", author=TicketAuthor.BUYER,
                              at=created, text=str(q.get("text") or ""))]
    answer = q.get("answer") or None
    updated = created
    if isinstance(answer, dict) and answer.get("text"):
        at = _when(answer.get("date_created"), f"answer of question {qid}")
        updated = max(updated, at)
        messages.append(TicketMessage(platform_message_id=f"{qid}:answer",
                                      author=TicketAuthor.SELLER, at=at, text=str(answer["text"]),
                                      status=str(answer.get("status") or "") or None))
    status = str(q.get("status") or "")
    return Ticket(platform_ticket_id=f"question:{qid}", kind=TicketKind.QUESTION,
                  status=QUESTION_STATUS.get(status, TicketStatus.CLOSED),
                  created_at=created, updated_at=updated, subject=str(q.get("item_id") or "") or None,
                  stage=status.lower() or None, can_reply=status == "UNANSWERED",
                  buyer=TicketBuyer(platform_id=asker) if asker else None,
                  messages=messages, raw=raw)


def _thread(payload: dict[str, Any]) -> Ticket:
    pack_id = str(payload["pack_id"])
    seller = str(payload.get("seller_id") or "")
    messages: list[TicketMessage] = []
    buyer: str | None = None
    order_id: str | None = None
    for m in payload.get("messages") or []:
        sender = str((m.get("from") or {}).get("user_id") or "")
        dates = m.get("message_date") or {}
        at = _when(dates.get("created") or dates.get("received") or m.get("date_created"),
                   f"message {m.get('id')} of pack {pack_id}")
        mine = sender == seller
        if not mine and sender:
            buyer = sender
        elif mine:
            buyer = buyer or str((m.get("to") or {}).get("user_id") or "") or None
        for resource in m.get("message_resources") or []:
            if resource.get("name") == "orders":
                order_id = order_id or str(resource.get("id"))
        moderation = (m.get("message_moderation") or {}).get("status")
        messages.append(TicketMessage(
            platform_message_id=str(m.get("id")), author=TicketAuthor.SELLER if mine else TicketAuthor.BUYER,
            at=at, text=str(m.get("text") or ""),
            attachments=[str(a.get("filename") or a.get("url")) for a in m.get("message_attachments") or []
                         if isinstance(a, dict) and (a.get("filename") or a.get("url"))],
            status=str(m.get("status") or moderation or "") or None))
    if not messages:
        raise DataError(f"pack {pack_id}: the conversation has no messages")
    messages.sort(key=lambda m: m.at)
    conversation = payload.get("conversation_status") or {}
    blocked = conversation.get("status") == "blocked"
    last = messages[-1].author
    status = (TicketStatus.CLOSED if blocked else TicketStatus.ANSWERED
              if last == TicketAuthor.SELLER else TicketStatus.OPEN)
    return Ticket(platform_ticket_id=f"pack:{pack_id}", kind=TicketKind.MESSAGE, status=status,
                  created_at=messages[0].at, updated_at=messages[-1].at,
                  order_id=order_id or f"pack:{pack_id}", stage=conversation.get("substatus"),
                  can_reply=not blocked, buyer=TicketBuyer(platform_id=buyer) if buyer else None,
                  messages=messages, raw=payload)


def _claim(c: dict[str, Any], seller: str, raw: dict[str, Any]) -> Ticket:
    cid = numeric_id(c.get("id"))
    if cid is None:
        raise DataError("claim without a numeric id")
    created = _when(c.get("date_created"), f"claim {cid}")
    updated = _when(c.get("last_updated") or c.get("date_created"), f"claim {cid}")
    players = [p for p in c.get("players") or [] if isinstance(p, dict)]
    seller_actions = [a for p in players if p.get("type") == "seller"
                      or (seller and str(p.get("user_id")) == seller)
                      for a in p.get("available_actions") or [] if isinstance(a, dict)]
    dues = [parse_datetime(a["due_date"]) for a in seller_actions if a.get("due_date")]
    deadline = min((d for d in dues if d is not None), default=None)
    buyer = next((str(p.get("user_id")) for p in players if p.get("type") == "buyer"), None)
    opened = c.get("status") == "opened"
    status = (TicketStatus.CLOSED if not opened else TicketStatus.OPEN if seller_actions
              else TicketStatus.WAITING)
    kind = TicketKind.RETURN if c.get("type") == "return" else TicketKind.CLAIM
    order = str(c.get("resource_id")) if c.get("resource") in ("order", "purchase") else None
    resolution = c.get("resolution") or {}
    text = f"claim {c.get('reason_id') or ''} ({c.get('type')}, stage {c.get('stage')})".strip()
    messages = [TicketMessage(platform_message_id=f"{cid}:opened", author=TicketAuthor.BUYER,
                              at=created, text=text)]
    if resolution.get("date_created"):
        messages.append(TicketMessage(
            platform_message_id=f"{cid}:resolution", author=TicketAuthor.PLATFORM,
            at=_when(resolution["date_created"], f"claim {cid} resolution"),
            text=f"resolved: {resolution.get('reason')}"))
    return Ticket(platform_ticket_id=f"claim:{cid}", kind=kind, status=status, created_at=created,
                  updated_at=updated, order_id=order, subject=str(c.get("reason_id") or "") or None,
                  stage=str(c.get("stage") or "") or None, deadline=deadline, can_reply=False,
                  buyer=TicketBuyer(platform_id=buyer) if buyer else None, messages=messages, raw=raw)


# --- replying -----------------------------------------------------------------------------
async def reply(client: MeliClient, ticket: Ticket, message: TicketReply) -> PushResult:
    """Answer a question or post on a pack's thread; the platform's refusal, word for word."""
    key = ticket.platform_ticket_id
    kind, _, rest = key.partition(":")
    if kind == "question" and numeric_id(rest):
        response = await client.http.post("/answers", json={"question_id": int(rest),
                                                             "text": message.text},
                                          expect={400, 403, 404})
    elif kind == "pack" and numeric_id(rest):
        buyer = ticket.buyer.platform_id if ticket.buyer else None
        if not buyer:
            return PushResult.failed(key, "the buyer of this conversation is unknown",
                                     retryable=False)
        response = await client.http.post(
            f"/messages/packs/{rest}/sellers/{client.seller_id}", params={"tag": "post_sale"},
            json={"from": {"user_id": client.seller_id}, "to": {"user_id": buyer},
                  "text": message.text}, expect={400, 403, 404})
    else:
        return PushResult.failed(key, "Mercado Libre claims are answered on the claim's page; "
                                      "the hub reads them only", retryable=False)
    if response.status_code >= 400:
        return PushResult.failed(key, error_text(response), retryable=False)
    return PushResult.ok(key)
