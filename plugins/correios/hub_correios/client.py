"""Requests to the Correios API (CWS): tokens for the postage card, then SRO Rastro.

A token comes from ``POST /token/v1/autentica/cartaopostagem`` (HTTP Basic with
the user and access code, the postage card in the body) and lives until its
``expiraEm``. The core's token refresher keeps it (``refresh_credentials``) and
asks for a new one before it expires or when a request answers 401.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx

from hub import Account, AuthError, HttpClient, json_object, register_secret
from hub_correios.info import BASE_URL

BRASILIA = timezone(timedelta(hours=-3), "BRT")
"""The Correios' clock: Brasília time, without daylight saving since 2019."""
USER_AGENT = "hub-correios/0.1 (+commerce-hub)"


def base_url(account: Account) -> str:
    return (account.setting("base_url") or BASE_URL).rstrip("/")


def parse_time(value: str) -> datetime:
    """A Correios timestamp (``2026-10-05T14:32:00``, Brasília, no zone) as an aware datetime."""
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=BRASILIA)


async def new_token(account: Account) -> dict[str, Any]:
    """Get a token for the account's postage card: the credentials the core stores."""
    user, code = account.require("usuario"), account.require("codigo_acesso")
    register_secret(code)
    http = account.client(f"{base_url(account)}/", api="token",
                          auth=httpx.BasicAuth(user, code),
                          headers={"User-Agent": USER_AGENT, "Accept": "application/json"})
    response = await http.post("token/v1/autentica/cartaopostagem",
                               json={"numero": account.require("cartao_postagem")},
                               expect={400}, idempotent=True)
    body = json_object(response, "POST token/v1/autentica/cartaopostagem")
    if response.status_code == 400 or not body.get("token"):
        msgs = "; ".join(str(m) for m in body.get("msgs") or []) or "no token in the answer"
        raise AuthError(f"{account.label}: the Correios refused the postage card: {msgs}",
                        hint=f"check cartao_postagem: hub accounts set {account.name} ...")
    token = str(body["token"])
    register_secret(token)
    expires = body.get("expiraEm")
    return {"access_token": token,
            "expires_at": parse_time(str(expires)).astimezone(UTC).isoformat() if expires else None}


def rastro(account: Account) -> HttpClient:
    """The SRO Rastro client: the stored token in ``Authorization: Bearer``, refreshed by the core."""
    return account.client(f"{base_url(account)}/", api="rastro", token_header="Authorization",
                          headers={"User-Agent": USER_AGENT, "Accept": "application/json",
                                   "Accept-Language": "pt-BR"},
                          rate=account.core.requests_per_second)
