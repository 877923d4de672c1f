"""The sandbox's post-sale service: questions, post-sale messages and claims, with the platform's limits.

Routes (every one needs ``Authorization: Bearer``):

* ``GET /questions/search`` (``seller_id``, ``status``, ``offset``, ``limit`` <= 50,
  ``sort_types`` ASC|DESC by creation) -> ``{total, limit, questions}``;
  ``GET /questions/{id}``; ``POST /answers {"question_id", "text"}``: at most
  2,000 characters, no e-mail addresses or links, and only on an UNANSWERED
  question (else 400, as Mercado Libre refuses it);
* ``GET /messages/unread?role=seller&tag=post_sale`` -> ``{user_id, results:
  [{resource: "/packs/{id}/sellers/{seller}", count}]}``;
  ``GET|POST /messages/packs/{pack_id}/sellers/{seller_id}?tag=post_sale``
  (read marks the thread read unless ``mark_as_read=false``; a message is at
  most 350 characters, with no e-mail addresses or links; a blocked conversation
  answers 403); ``GET /messages/{message_id}?tag=post_sale``;
* ``GET /post-purchase/v1/claims/search`` (``status``, ``stage``, ``offset``,
  ``limit`` <= 30) -> ``{paging, data}``; ``GET /post-purchase/v1/claims/{id}``.

Tests and ``hub demo`` make buyers act with :meth:`TicketDesk.ask`,
:meth:`TicketDesk.buyer_message` and :meth:`TicketDesk.open_claim`.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hub.sandbox import IntProblem, Refused, int_param, offset_slice
from hub_mercadolibre.sandbox.forms import error, forbidden, not_found
from hub_mercadolibre.sandbox.sales import stamp

if TYPE_CHECKING:
    from hub_mercadolibre.sandbox.store import MercadoLibreSandbox

Handler = Callable[[Request], Awaitable[Response]]
ANSWER_MAX = 2000
MESSAGE_MAX = 350
QUESTIONS_MAX_LIMIT = 50
CLAIMS_MAX_LIMIT = 30
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
LINK = re.compile(r"(https?://|www\.)\S+|\b[\w-]+\.(com|net|org|ar|br|mx)(/\S*)?\b", re.I)
QUESTIONS = ["¿Tenés stock en talle M?", "¿Hacen factura A?", "¿Cuándo llega a Córdoba?",
             "¿Es original?", "¿Viene con garantía?"]
BUYER_MESSAGES = ["Hola, ¿cuándo despachan mi compra?", "El paquete llegó abierto, ¿qué hago?"]


def forbidden_content(text: str) -> str | None:
    """Why Mercado Libre's moderation refuses ``text`` (contact data), or None."""
    if EMAIL.search(text):
        return "The text contains an e-mail address, which is not allowed"
    if LINK.search(text):
        return "The text contains a link, which is not allowed"
    return None


class TicketDesk:
    """Questions, message threads and claims of the sandbox seller."""

    def __init__(self, sb: MercadoLibreSandbox) -> None:
        self.sb = sb
        self.questions: dict[int, dict[str, Any]] = {}
        self.threads: dict[int, list[dict[str, Any]]] = {}
        self.buyers: dict[int, int] = {}  # pack id -> buyer id
        self.unread: set[int] = set()
        self.blocked: set[int] = set()
        self.claims: dict[int, dict[str, Any]] = {}
        self._next = 13000000000 + sb.rng.randrange(10**6)
        items = sorted(sb.items)
        for n in range(3):
            self.ask(QUESTIONS[n], item_id=items[n % len(items)] if items else None,
                     age=timedelta(hours=5 - n))
        answered = self.ask(QUESTIONS[3], item_id=items[0] if items else None, age=timedelta(days=2))
        self.questions[answered]["status"] = "ANSWERED"
        self.questions[answered]["answer"] = {"text": "Sí, es original.", "status": "ACTIVE",
                                              "date_created": stamp(sb.now() - timedelta(days=1))}
        sales = [k for k in sb.sales() if k.startswith("pack:")] or list(sb.sales())
        for key, text in zip(sales[:2], BUYER_MESSAGES, strict=False):
            self.buyer_message(self.pack_of(key), text, age=timedelta(hours=3))
        if sales:
            self.open_claim(self.order_of(sales[0]), age=timedelta(hours=30))

    # --- ids and sales ---------------------------------------------------------------
    def next_id(self) -> int:
        self._next += 1
        return self._next

    def pack_of(self, key: str) -> int:
        """The messaging pack id of sale ``key`` (the order id when it has no cart)."""
        return int(key.removeprefix("pack:"))

    def order_of(self, key: str) -> int:
        return int(self.sb.sales()[key][0]["id"])

    def buyer_of(self, pack_id: int) -> int:
        if pack_id not in self.buyers:
            order = self.sb.orders.get(pack_id) or next(
                (o for o in self.sb.orders.values() if o.get("pack_id") == pack_id), None)
            self.buyers[pack_id] = int(((order or {}).get("buyer") or {}).get("id")
                                       or 700000000 + pack_id % 10**6)
        return self.buyers[pack_id]

    # --- buyers act --------------------------------------------------------------------
    def ask(self, text: str, *, item_id: str | None = None, age: timedelta = timedelta(0)) -> int:
        """A buyer asks a question on a listing; returns its id."""
        qid = self.next_id()
        self.questions[qid] = {
            "id": qid, "item_id": item_id or "MLA1", "seller_id": self.sb.seller_id,
            "status": "UNANSWERED", "text": text, "date_created": stamp(self.sb.now() - age),
            "hold": False, "suspected_spam": False, "deleted_from_listing": False,
            "answer": None, "from": {"id": 600000000 + qid % 10**6, "answered_questions": 0}}
        return qid

    def buyer_message(self, pack_id: int, text: str, *, age: timedelta = timedelta(0)) -> str:
        """The buyer of ``pack_id`` writes to the seller; returns the message id."""
        return self._post(pack_id, self.buyer_of(pack_id), self.sb.seller_id, text,
                          self.sb.now() - age)

    def open_claim(self, order_id: int, *, age: timedelta = timedelta(0),
                   type_: str = "mediations", stage: str = "claim") -> int:
        """The buyer opens a claim on ``order_id``; the seller must act within two days."""
        cid = self.next_id()
        at = self.sb.now() - age
        buyer = int((self.sb.orders.get(order_id, {}).get("buyer") or {}).get("id") or 700000001)
        self.claims[cid] = {
            "id": cid, "resource": "order", "resource_id": order_id, "status": "opened",
            "type": type_, "stage": stage, "parent_id": None, "reason_id": "PNR3430",
            "fulfilled": True, "quantity_type": "total", "claimed_quantity": 1,
            "players": [
                {"role": "complainant", "type": "buyer", "user_id": buyer, "available_actions": []},
                {"role": "respondent", "type": "seller", "user_id": self.sb.seller_id,
                 "available_actions": [{"action": "send_message_to_complainant",
                                        "due_date": stamp(at + timedelta(days=2)),
                                        "mandatory": True}]}],
            "resolution": None, "site_id": "MLA", "date_created": stamp(at),
            "last_updated": stamp(at)}
        return cid

    def close_claim(self, claim_id: int) -> None:
        claim = self.claims[claim_id]
        claim["status"], claim["stage"] = "closed", "none"
        claim["resolution"] = {"reason": "item_returned", "date_created": stamp(self.sb.now()),
                               "benefited": ["complainant"], "closed_by": "mediator"}
        for player in claim["players"]:
            player["available_actions"] = []
        claim["last_updated"] = stamp(self.sb.now())

    def _post(self, pack_id: int, sender: int, receiver: int, text: str, at: datetime) -> str:
        mid = f"{self.next_id():x}{pack_id % 10**4:04d}"
        created = stamp(at)
        self.threads.setdefault(pack_id, []).append({
            "id": mid, "site_id": "MLA", "client_id": int(self.sb.client_id),
            "from": {"user_id": sender}, "to": {"user_id": receiver}, "status": "available",
            "subject": None, "text": text,
            "message_date": {"received": created, "available": created, "notified": created,
                             "created": created, "read": None},
            "message_moderation": {"status": "clean", "reason": None, "source": None,
                                   "moderation_date": created},
            "message_attachments": None,
            "message_resources": [{"id": str(pack_id), "name": "packs"}]})
        if sender != self.sb.seller_id:
            self.unread.add(pack_id)
        return mid

    # --- answers -----------------------------------------------------------------------
    def thread(self, pack_id: int, offset: int, limit: int) -> dict[str, Any]:
        messages = self.threads.get(pack_id, [])
        blocked = pack_id in self.blocked
        return {"paging": {"limit": limit, "offset": offset, "total": len(messages)},
                "conversation_status": {
                    "path": f"/packs/{pack_id}/sellers/{self.sb.seller_id}",
                    "status": "blocked" if blocked else "active",
                    "substatus": "blocked_by_time" if blocked else None,
                    "status_date": messages[-1]["message_date"]["created"] if messages else None,
                    "status_update_allowed": False, "claim_ids": None, "shipping_id": None},
                "messages": offset_slice(list(reversed(messages)), offset, limit)}


def _int(request: Request, name: str, default: int, high: int | None = None) -> int:
    def refuse(name: str, value: str, problem: IntProblem) -> Refused:
        message = (f"Invalid {name}. Max value allowed is {high}" if problem is IntProblem.TOO_HIGH
                   else f"Invalid {name}: {value}")
        return Refused(error(400, "bad_request", message))
    return int_param(request.query_params.get(name), name, default, 0, high, refuse)


async def _body(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise Refused(error(400, "bad_request", "body is not valid JSON")) from None
    if not isinstance(body, dict):
        raise Refused(error(400, "bad_request", "body must be a JSON object"))
    return body


def routes(desk: TicketDesk, authed: Callable[[Handler], Handler]) -> list[Route]:
    """The post-sale routes of the sandbox (see the module docstring)."""
    sb = desk.sb

    def own(request: Request) -> bool:
        return int(request.state.user) == sb.seller_id

    async def questions_search(request: Request) -> Response:
        if request.query_params.get("seller_id") not in (str(sb.seller_id), None) or not own(request):
            return forbidden()
        status = request.query_params.get("status")
        offset = _int(request, "offset", 0)
        limit = _int(request, "limit", QUESTIONS_MAX_LIMIT, QUESTIONS_MAX_LIMIT)
        found = sorted((q for q in desk.questions.values() if status in (None, q["status"])),
                       key=lambda q: (q["date_created"], q["id"]),
                       reverse=request.query_params.get("sort_types", "ASC").upper() == "DESC")
        return JSONResponse({"total": len(found), "limit": limit,
                             "questions": offset_slice(found, offset, limit)})

    async def question(request: Request) -> Response:
        found = desk.questions.get(int(request.path_params["question_id"]))
        if found is None:
            return not_found("question")
        return JSONResponse(found) if own(request) else forbidden()

    async def answers(request: Request) -> Response:
        body = await _body(request)
        found = desk.questions.get(int(body.get("question_id") or 0))
        if found is None:
            return not_found("question")
        if not own(request):
            return forbidden()
        text = str(body.get("text") or "")
        if not text.strip():
            return error(400, "bad_request", "text is required")
        if len(text) > ANSWER_MAX:
            return error(400, "bad_request", f"The answer exceeds the {ANSWER_MAX} characters limit")
        why = forbidden_content(text)
        if why:
            return error(400, "forbidden_content", why)
        if found["status"] != "UNANSWERED":
            return error(400, "not_unanswered_question",
                         f"Question {found['id']} is not unanswered: it is {found['status']}")
        found["status"] = "ANSWERED"
        found["answer"] = {"text": text, "status": "ACTIVE", "date_created": stamp(sb.now())}
        sb.writes.append(("POST", "/answers", body))
        return JSONResponse(found)

    async def unread(request: Request) -> Response:
        if request.query_params.get("role", "seller") != "seller":
            return JSONResponse({"user_id": sb.seller_id, "results": []})
        return JSONResponse({"user_id": sb.seller_id, "results": [
            {"resource": f"/packs/{p}/sellers/{sb.seller_id}",
             "count": sum(1 for m in desk.threads.get(p, []) if m["message_date"]["read"] is None
                          and m["from"]["user_id"] != sb.seller_id)}
            for p in sorted(desk.unread)]})

    async def pack_messages(request: Request) -> Response:
        pack_id = int(request.path_params["pack_id"])
        if int(request.path_params["seller_id"]) != sb.seller_id or not own(request):
            return forbidden()
        if request.method == "GET":
            if pack_id not in desk.threads and pack_id not in sb.orders and pack_id not in sb.packs:
                return not_found("pack")
            if request.query_params.get("mark_as_read", "true") != "false":
                desk.unread.discard(pack_id)
                for message in desk.threads.get(pack_id, []):
                    message["message_date"]["read"] = message["message_date"]["read"] or stamp(sb.now())
            return JSONResponse(desk.thread(pack_id, _int(request, "offset", 0),
                                            _int(request, "limit", 10, 100)))
        body = await _body(request)
        text = str(body.get("text") or "")
        if pack_id in desk.blocked:
            return error(403, "blocked_conversation_send_message_forbidden",
                         "The conversation is blocked: blocked_by_time")
        if pack_id not in desk.threads:
            return error(403, "blocked_by_conversation_started_by_seller",
                         "The seller must pick a reason (action guide) to start a conversation")
        if not text.strip():
            return error(400, "bad_request", "text is required")
        if len(text) > MESSAGE_MAX:
            return error(400, "bad_request", f"The text exceeds the {MESSAGE_MAX} characters limit")
        why = forbidden_content(text)
        if why:
            return error(400, "forbidden_content", why)
        to = (body.get("to") or {}).get("user_id")
        if str(to) != str(desk.buyer_of(pack_id)):
            return error(400, "bad_request", "to.user_id is not the buyer of this pack")
        mid = desk._post(pack_id, sb.seller_id, desk.buyer_of(pack_id), text, sb.now())
        sb.writes.append(("POST", request.url.path, body))
        return JSONResponse({"id": mid, "status": "available", "text": text}, status_code=201)

    async def message(request: Request) -> Response:
        wanted = request.path_params["message_id"]
        for pack_id, messages in desk.threads.items():
            for found in messages:
                if found["id"] == wanted:
                    return JSONResponse({"messages": [found], "pack_id": pack_id})
        return not_found("message")

    async def claims_search(request: Request) -> Response:
        status, stage = request.query_params.get("status"), request.query_params.get("stage")
        offset = _int(request, "offset", 0)
        limit = _int(request, "limit", CLAIMS_MAX_LIMIT, CLAIMS_MAX_LIMIT)
        found = sorted((c for c in desk.claims.values()
                        if status in (None, c["status"]) and stage in (None, c["stage"])),
                       key=lambda c: (c["date_created"], c["id"]))
        return JSONResponse({"paging": {"offset": offset, "limit": limit, "total": len(found)},
                             "data": offset_slice(found, offset, limit)})

    async def claim(request: Request) -> Response:
        found = desk.claims.get(int(request.path_params["claim_id"]))
        return JSONResponse(found) if found is not None else not_found("claim")

    return [
        Route("/questions/search", authed(questions_search)),
        Route("/questions/{question_id:int}", authed(question)),
        Route("/answers", authed(answers), methods=["POST"]),
        Route("/messages/unread", authed(unread)),
        Route("/messages/packs/{pack_id:int}/sellers/{seller_id:int}", authed(pack_messages),
              methods=["GET", "POST"]),
        Route("/messages/{message_id}", authed(message)),
        Route("/post-purchase/v1/claims/search", authed(claims_search)),
        Route("/post-purchase/v1/claims/{claim_id:int}", authed(claim)),
    ]
