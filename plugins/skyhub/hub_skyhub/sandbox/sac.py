"""The sandbox's SAC desk: SkyHub's post-sale tickets (``/sac``) and their chats.

Shapes as SkyHub documents them (desenvolvedores.skyhub.com.br, "SAC"): the list
``{"next_page": ".../sac?cursor=...", "sacs": [{"code", "created_at", "mediation", "order_code",
"platform", "status", "updated_at", "warehouse"}]}``, paged forward only by an opaque ``cursor``
(``page``/``per_page`` are not used; a cursor makes the other filters ignored); the chats
``{"chats": [{"parts", "status", "last_message", "messages": [{"content", "created_at",
"part": {"role", "name", "code"}}]}]}`` with message times without an offset (Brazilian time);
errors ``{"errors": {"detail": "..."}}``.

Not documented, modelled here (see docs/platforms/skyhub.md): ``GET /sac/{code}`` answers one
list record; ``POST /sac/{code}/chats`` takes ``{"parts": "CUSTOMER_SELLER", "content": ...}``
and answers 201; an archived ticket refuses replies with 422; the list serves ``page_size``
records a page, oldest first.
"""

from __future__ import annotations

import base64
import json
import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hub.sandbox import Refused
from hub_skyhub.sandbox.data import BRT, skyhub_time

PAGE_SIZE = 25
MAX_CONTENT = 3000
SELLER = {"role": "SELLER", "name": "Loja Exemplo", "code": 1}
QUESTIONS = ("Olá! Produto ainda não foi entregue.", "Posso trocar o tamanho?",
             "O produto chegou com defeito, como devolvo?", "Qual o prazo de entrega?")


def sac_refuse(status_code: int, detail: str) -> Refused:
    """The SAC endpoints' error answer: ``{"errors": {"detail": ...}}``."""
    return Refused(JSONResponse({"errors": {"detail": detail}}, status_code=status_code), detail,
                   status_code)


async def read_object(request: Request, refusal: Callable[[int, str], Refused]) -> dict[str, Any]:
    """The request's JSON object body, or ``refusal(400, ...)`` (each endpoint's error shape)."""
    try:
        body = json.loads(await request.body() or b"null")
    except ValueError:
        raise refusal(400, "Malformed request: the body is not JSON") from None
    if not isinstance(body, dict):
        raise refusal(400, "Malformed request: a JSON object is required")
    return body


def chat_time(value: datetime) -> str:
    """A chat message time as SkyHub's samples write it: Brazilian time, no offset."""
    return value.astimezone(BRT).replace(tzinfo=None, microsecond=0).isoformat()


class SacDesk:
    """Tickets by SAC code, each with its list record and its chats (``parts`` -> chat)."""

    def __init__(self, rng: random.Random, now: Any) -> None:
        self.rng = rng
        self.now = now  # the sandbox's clock
        self.records: dict[str, dict[str, Any]] = {}
        self.chats: dict[str, dict[str, dict[str, Any]]] = {}
        self.page_size = PAGE_SIZE
        self.serves_one = True  # False: GET /sac/{code} answers 404, as if SkyHub had no such route

    # --- the marketplace ---------------------------------------------------------------
    def open(self, order: str, text: str, *, at: datetime | None = None,
             mediation: bool = False) -> str:
        """A buyer writes to the seller about an order (SkyHub's full order code, which is the
        ticket's code: one SAC per order); the ticket's code."""
        if order in self.records:
            raise ValueError(f"order {order} already has a SAC ticket")
        at = at or self.now()
        digits = "".join(ch for ch in order if ch.isdigit())
        self.records[order] = {"code": order, "created_at": skyhub_time(at), "mediation": mediation,
                               "order_code": f"02-{digits[:10]}", "platform": "B2w",
                               "status": "UNREAD", "updated_at": skyhub_time(at),
                               "warehouse": "98"}
        self.chats[order] = {}
        self.write(order, "CUSTOMER", text, at=at)
        return order

    def write(self, code: str, role: str, text: str, *, parts: str = "CUSTOMER_SELLER",
              at: datetime | None = None) -> None:
        """A message on one of the ticket's chats (the buyer, the seller or Americanas)."""
        at = at or self.now()
        part = SELLER if role == "SELLER" else (
            {"role": "EMPLOYEE", "name": "Ajuda Americanas", "code": 0} if role == "EMPLOYEE"
            else {"role": "CUSTOMER", "name": "Ana Silva", "code": 123456})
        chat = self.chats[code].setdefault(parts, {"parts": parts, "status": "ACTIVE",
                                                   "messages": []})
        chat["messages"].append({"content": text, "created_at": chat_time(at), "part": dict(part)})
        chat["last_message"] = chat_time(at)
        record = self.records[code]
        record["updated_at"] = skyhub_time(at)
        record["status"] = "READ" if role == "SELLER" else "UNREAD"

    def archive(self, code: str) -> None:
        """Americanas archives the ticket: no more replies."""
        self.records[code]["status"] = "ARCHIVED"
        self.records[code]["updated_at"] = skyhub_time(self.now())

    def seed(self, count: int, orders: list[str]) -> list[str]:
        """One ticket on each of ``orders``, opened over the last ten days."""
        made = []
        for n, order in enumerate(orders[:count]):
            at = self.now() - timedelta(days=self.rng.uniform(0.5, 10))
            code = self.open(order, self.rng.choice(QUESTIONS), at=at, mediation=n % 7 == 6)
            if n % 3 == 1:
                self.write(code, "SELLER", "Olá! Já verificamos, segue em trânsito.",
                           at=at + timedelta(hours=2))
            made.append(code)
        return made

    def last_seller_message(self, code: str) -> str | None:
        chat = (self.chats.get(code) or {}).get("CUSTOMER_SELLER") or {}
        mine = [m for m in chat.get("messages") or [] if m["part"]["role"] == "SELLER"]
        return str(mine[-1]["content"]) if mine else None

    # --- routes ----------------------------------------------------------------------------
    async def listing(self, request: Request) -> Response:
        cursor = request.query_params.get("cursor")
        codes = sorted(self.records, key=lambda c: (self.records[c]["created_at"], c))
        if cursor:
            try:
                state = json.loads(base64.urlsafe_b64decode(cursor.encode()))
                offset, wanted = int(state["offset"]), state.get("status")
            except (ValueError, KeyError, TypeError):
                raise sac_refuse(400, "invalid cursor") from None
        else:
            offset, wanted = 0, request.query_params.get("status")
        if wanted:
            codes = [c for c in codes if self.records[c]["status"] == wanted]
        chunk = codes[offset:offset + self.page_size]
        body: dict[str, Any] = {"sacs": [dict(self.records[c]) for c in chunk]}
        if offset + self.page_size < len(codes):
            token = base64.urlsafe_b64encode(json.dumps(
                {"offset": offset + self.page_size, "status": wanted}).encode()).decode()
            body["next_page"] = f"{str(request.base_url).rstrip('/')}/sac?cursor={token}"
        return JSONResponse(body)

    def _record(self, request: Request) -> dict[str, Any]:
        code = request.path_params["code"]
        record = self.records.get(code)
        if record is None:
            raise sac_refuse(404, f"SAC {code} not found")
        return record

    async def one(self, request: Request) -> Response:
        if not self.serves_one:
            raise sac_refuse(404, "Not Found")
        return JSONResponse(dict(self._record(request)))

    async def chats_of(self, request: Request) -> Response:
        record = self._record(request)
        if request.method == "GET":
            return JSONResponse({"chats": list(self.chats[record["code"]].values())})
        body = await read_object(request, sac_refuse)
        content = body.get("content")
        if not isinstance(content, str) or not content.strip():
            raise sac_refuse(422, "content is required")
        if len(content) > MAX_CONTENT:
            raise sac_refuse(422, f"content must have at most {MAX_CONTENT} characters")
        parts = body.get("parts") or "CUSTOMER_SELLER"
        if parts not in ("CUSTOMER_SELLER", "B2W_SELLER"):
            raise sac_refuse(422, f"parts must be CUSTOMER_SELLER or B2W_SELLER, got {parts}")
        if record["status"] == "ARCHIVED":
            raise sac_refuse(422, f"SAC {record['code']} is archived and takes no new messages")
        self.write(record["code"], "SELLER", content, parts=parts)
        return Response(status_code=201)
