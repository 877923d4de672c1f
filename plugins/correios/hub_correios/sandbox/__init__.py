"""A local Correios API (CWS): tokens per postage card and SRO Rastro with scripted parcels.

It checks what the real API checks (HTTP Basic user and access code, the postage
card, the Bearer token and its expiry, ``Accept-Language``, 1 to 50 codes per
request) and answers in its shapes: events newest first, Brasília times without a
zone, ``SRO-020`` for a code it does not know.

What a parcel has been through is scripted. By default the 8th digit of the
code's serial (``AA1234567[8]9BR``) picks the story: 0 unknown, 1 posted,
2 in transit, 3 out for delivery, 4 and 8 delivered, 5 a failed attempt,
6 returned to the sender, 7 waiting at the agency, 9 in transit. Tests script
their own with :meth:`CorreiosSandbox.script` and move a parcel on with
:meth:`CorreiosSandbox.advance`.
"""

from __future__ import annotations

import base64
from datetime import datetime, timedelta
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from hub.sandbox import Sandbox, SandboxOptions
from hub.sandbox.requests import Refused, refusing
from hub.sandbox.tokens import TokenIssuer
from hub_correios.client import BRASILIA
from hub_correios.codes import is_valid, make

USER, ACCESS_CODE, CARD = "sandbox-user", "sandbox-access-code", "0067511082"
LANGUAGES = ("pt-BR", "en", "es-ES")
MAX_CODES = 50

_SP = {"tipo": "Unidade de Distribuição", "endereco": {"cidade": "SAO PAULO", "uf": "SP"}}
STEPS: dict[str, dict[str, Any]] = {
    "posted": {"codigo": "PO", "tipo": "01", "descricao": "Objeto postado",
               "unidade": {"tipo": "Agência dos Correios",
                           "endereco": {"cidade": "CURITIBA", "uf": "PR"}}},
    "transit": {"codigo": "RO", "tipo": "01",
                "descricao": "Objeto em transferência - por favor aguarde",
                "unidade": {"tipo": "Unidade de Tratamento",
                            "endereco": {"cidade": "CURITIBA", "uf": "PR"}},
                "unidadeDestino": {"tipo": "Unidade de Tratamento",
                                   "endereco": {"cidade": "SAO PAULO", "uf": "SP"}}},
    "out": {"codigo": "OEC", "tipo": "01",
            "descricao": "Objeto saiu para entrega ao destinatário", "unidade": _SP},
    "delivered": {"codigo": "BDE", "tipo": "01",
                  "descricao": "Objeto entregue ao destinatário", "unidade": _SP},
    "away": {"codigo": "BDE", "tipo": "20", "descricao": "Carteiro não atendido",
             "detalhe": "Destinatário ausente. Será realizada nova tentativa de entrega.",
             "unidade": _SP},
    "returned": {"codigo": "BDE", "tipo": "23", "descricao": "Objeto devolvido ao remetente",
                 "unidade": _SP},
    "pickup": {"codigo": "LDI", "tipo": "01",
               "descricao": "Objeto aguardando retirada no endereço indicado",
               "unidade": {"tipo": "Agência dos Correios", "endereco": _SP["endereco"]}},
}
STORIES: dict[str, list[str]] = {
    "1": ["posted"], "2": ["posted", "transit"], "3": ["posted", "transit", "out"],
    "4": ["posted", "transit", "out", "delivered"], "8": ["posted", "transit", "out", "delivered"],
    "5": ["posted", "transit", "out", "away"],
    "6": ["posted", "transit", "out", "away", "returned"],
    "7": ["posted", "transit", "pickup"], "9": ["posted", "transit"],
}


class CorreiosRefused(Refused):
    def __init__(self, status: int, *msgs: str) -> None:
        super().__init__(JSONResponse({"msgs": list(msgs)}, status_code=status), "; ".join(msgs))


class CorreiosSandbox(Sandbox):
    platform = "correios"
    order_topic = ""

    def __init__(self, options: SandboxOptions | None = None) -> None:
        super().__init__(options)
        self.tokens = TokenIssuer(ttl=self.options.token_ttl or 24 * 3600, prefix="CWS.")
        self.parcels: dict[str, list[tuple[str, datetime]]] = {}
        self.rastro_calls = 0
        self.codes_asked = 0

    # --- scripting parcels (tests and hub demo) ----------------------------------------
    @property
    def demo_delivered_code(self) -> str:
        """The parcel ``hub demo`` ships with: posted, in transit, out, delivered."""
        return self.code("4")

    def code(self, story: str, serial: int = 1) -> str:
        """A valid object code whose default story is ``story`` (a key of :data:`STORIES`)."""
        for n in range(serial * 10, serial * 10 + 100000):
            digits = f"{n:08d}"
            if digits[7] == story:
                return make("AB", n)
        raise ValueError(f"no story {story!r}")

    # --- what the carrier kit asks (hub.testing.kit_carriers) ---------------------------
    KIT_STORIES = {"delivered": "4", "moving": "2", "unknown": "0"}

    def carrier_code(self, kind: str, serial: int = 1) -> str:
        """A code whose story is ``delivered``, ``moving`` or ``unknown``."""
        return self.code(self.KIT_STORIES[kind], serial)

    def malformed_code(self) -> str:
        """An S10-shaped code whose check digit is wrong."""
        good = self.code("2")
        return f"{good[:10]}{(int(good[10]) + 1) % 10}{good[11:]}"

    @property
    def tracking_requests(self) -> int:
        """SRO Rastro requests answered."""
        return self.rastro_calls

    def script(self, code: str, steps: list[str]) -> None:
        """Say what parcel ``code`` went through (step names of :data:`STEPS`), an hour apart."""
        start = self.now() - timedelta(hours=len(steps))
        self.parcels[code] = [(step, start + timedelta(hours=i)) for i, step in enumerate(steps)]

    def advance(self, code: str, step: str) -> None:
        """Parcel ``code`` goes through ``step`` now."""
        self.parcels.setdefault(code, list(self._story(code))).append((step, self.now()))

    def _story(self, code: str) -> list[tuple[str, datetime]]:
        if code in self.parcels:
            return self.parcels[code]
        steps = STORIES.get(code[9], []) if is_valid(code) else []
        start = self.epoch - timedelta(hours=6 * len(steps))
        return [(step, start + timedelta(hours=6 * i)) for i, step in enumerate(steps)]

    def _object(self, code: str) -> dict[str, Any]:
        story = self._story(code)
        if not story:
            return {"codObjeto": code,
                    "mensagem": "SRO-020: Objeto não encontrado na base de dados dos Correios."}
        events = [{**STEPS[step], "dtHrCriado": at.astimezone(BRASILIA).strftime("%Y-%m-%dT%H:%M:%S")}
                  for step, at in story]
        return {"codObjeto": code, "tipoPostal": {"sigla": code[:2]}, "eventos": events[::-1]}

    # --- the API --------------------------------------------------------------------------
    async def authenticate(self, request: Request) -> Response:
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        try:
            user, _, code = base64.b64decode(value).decode().partition(":")
        except ValueError:
            user = code = ""
        if scheme.lower() != "basic" or (user, code) != (USER, ACCESS_CODE):
            raise CorreiosRefused(401, "PSW-001: usuário ou código de acesso inválido")
        try:
            body = await request.json()
        except ValueError:
            body = {}
        if not isinstance(body, dict) or body.get("numero") != CARD:
            raise CorreiosRefused(400, "CAR-002: cartão de postagem não encontrado")
        token, grant = self.tokens.issue(USER, refreshable=False)
        left = self.tokens.lifetime(grant) or 0
        expires = (self.now() + timedelta(seconds=left)).astimezone(BRASILIA)
        return JSONResponse({"ambiente": "HOMOLOGACAO", "id": USER, "token": token,
                             "expiraEm": expires.strftime("%Y-%m-%dT%H:%M:%S"),
                             "cartaoPostagem": {"numero": CARD}}, status_code=201)

    def _bearer(self, request: Request) -> None:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        grant, why = self.tokens.check(token) if scheme.lower() == "bearer" else (None, "invalid")
        if grant is None:
            raise CorreiosRefused(401, f"Token {'expirado' if why == 'expired' else 'inválido'}")

    def _rastro(self, request: Request, codes: list[str]) -> Response:
        self._bearer(request)
        if request.headers.get("accept-language") not in LANGUAGES:
            raise CorreiosRefused(400, "SRO-018: Permitido apenas os valores pt-BR(Português), "
                                       "en(Inglês) e es-ES(Espanhol) para o idioma")
        if not 1 <= len(codes) <= MAX_CODES:
            raise CorreiosRefused(400, f"SRO-001: informe de 1 a {MAX_CODES} objetos")
        self.rastro_calls += 1
        self.codes_asked += len(codes)
        objects = [self._object(c.strip().upper()) for c in codes]
        return JSONResponse({"versao": "3.5.38", "quantidade": len(objects), "objetos": objects,
                             "resultado": "Todos os Eventos"})

    async def objects(self, request: Request) -> Response:
        return self._rastro(request, request.query_params.getlist("codigosObjetos"))

    async def one(self, request: Request) -> Response:
        return self._rastro(request, [request.path_params["code"]])

    def build_app(self) -> ASGIApp:
        return Starlette(routes=[
            Route("/token/v1/autentica/cartaopostagem", refusing(self.authenticate),
                  methods=["POST"]),
            Route("/srorastro/v1/objetos", refusing(self.objects), methods=["GET"]),
            Route("/srorastro/v1/objetos/{code}", refusing(self.one), methods=["GET"]),
        ])

    def account_settings(self, base_url: str) -> dict[str, str]:
        return {"usuario": USER, "codigo_acesso": ACCESS_CODE, "cartao_postagem": CARD,
                "base_url": base_url}

    def eligible_order_ids(self) -> set[str]:
        """A carrier has no orders."""
        return set()

    async def deliver_webhook(self, url: str, topic: str, resource_id: str) -> int:
        """The Correios send no webhooks: tracking is read with SRO Rastro."""
        raise RuntimeError("the Correios send no webhooks; the hub polls SRO Rastro")

    def fault_body(self, status: int) -> dict[str, Any]:
        return {"msgs": [f"Serviço indisponível ({status})"]}
