"""How the sandbox store checks REST API keys, as ``WC_REST_Authentication`` does.

Over plain http WooCommerce accepts only OAuth 1.0a one-legged signatures
(HMAC-SHA1 or HMAC-SHA256, key = ``consumer_secret + "&"``, timestamp within
15 minutes, each nonce once). The sandbox follows that, and also accepts
HTTP Basic and ``consumer_key``/``consumer_secret`` query parameters over
http, which a real store only accepts over https: the sandbox only ever
serves the loopback interface, where there is no wire to protect.

The signature is recomputed the way WooCommerce's PHP does (normalise each
key and value, sort, join with ``%3D``/``%26``), independently of the
plugin's client, so the two cannot share a mistake unnoticed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass, field
from urllib.parse import quote, unquote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hub.sandbox import Refused as SandboxRefused

WINDOW = 15 * 60


@dataclass
class ApiKey:
    consumer_key: str
    consumer_secret: str
    permissions: str = "read_write"
    user_id: int = 1
    key_id: int = 1


def error(status: int, code: str, message: str, **data: object) -> JSONResponse:
    """A WordPress REST error response."""
    return JSONResponse({"code": code, "message": message, "data": {"status": status, **data}},
                        status_code=status)


class Refused(SandboxRefused):
    """A request the store turns away: status, WooCommerce error code, message."""

    def __init__(self, status: int, code: str, message: str,
                 params: dict[str, str] | None = None) -> None:
        super().__init__(message=message)
        self.status = status
        self.code = code
        self.message = message
        self.params = params or {}

    def answer(self) -> Response:
        extra = {"params": self.params} if self.params else {}
        return error(self.status, self.code, self.message, **extra)


def _auth_error(message: str) -> Refused:
    return Refused(401, "woocommerce_rest_authentication_error", message)


def _php_encode(value: str) -> str:
    """``str_replace('%', '%25', rawurlencode(rawurldecode($value)))``."""
    return quote(unquote(value), safe="-_.~").replace("%", "%25")


@dataclass
class KeyStore:
    """The store's API keys and the nonces each key has used."""

    keys: dict[str, ApiKey] = field(default_factory=dict)
    nonces: dict[str, dict[str, int]] = field(default_factory=dict)

    def add(self, key: ApiKey) -> None:
        self.keys[key.consumer_key] = key

    def authenticate(self, request: Request, now: float) -> ApiKey:
        """The key that signed ``request``; :class:`Refused` (401) otherwise."""
        query = request.query_params
        header = request.headers.get("authorization", "")
        if header.lower().startswith("oauth "):  # WC_REST_Authentication::parse_header
            key = self._oauth(request, now, {**dict(query), **_oauth_header(header)})
        elif "oauth_signature" in query:
            key = self._oauth(request, now, dict(query))
        elif header.lower().startswith("basic "):
            try:
                user, _, password = base64.b64decode(header[6:]).decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                raise _auth_error("Consumer key is invalid.") from None
            key = self._secret(user, password)
        elif "consumer_key" in query:
            key = self._secret(query["consumer_key"], query.get("consumer_secret", ""))
        elif request.method == "GET":
            raise Refused(401, "woocommerce_rest_cannot_view", "Sorry, you cannot list resources.")
        else:
            raise Refused(401, "woocommerce_rest_cannot_edit",
                          "Sorry, you are not allowed to edit this resource.")
        self._permissions(key, request.method)
        return key

    def _secret(self, consumer_key: str, consumer_secret: str) -> ApiKey:
        key = self.keys.get(consumer_key)
        if key is None:
            raise _auth_error("Consumer key is invalid.")
        if not hmac.compare_digest(key.consumer_secret.encode(), consumer_secret.encode()):
            raise _auth_error("Consumer secret is invalid.")
        return key

    def _oauth(self, request: Request, now: float, params: dict[str, str]) -> ApiKey:
        # params: PHP's $_GET (the last value of a name wins), or the Authorization header
        missing = [name for name in ("oauth_consumer_key", "oauth_timestamp", "oauth_nonce",
                                     "oauth_signature", "oauth_signature_method")
                   if not params.get(name)]
        if missing:
            raise _auth_error(f"Missing OAuth parameter(s): {', '.join(missing)}.")
        key = self.keys.get(params["oauth_consumer_key"])
        if key is None:
            raise _auth_error("Consumer key is invalid.")
        method = params["oauth_signature_method"]
        if method not in ("HMAC-SHA1", "HMAC-SHA256"):
            raise _auth_error("Invalid signature - signature method is invalid.")
        offered = unquote(params.pop("oauth_signature").replace(" ", "+"))
        url = f"{request.url.scheme}://{request.headers.get('host', request.url.netloc)}" \
              f"{request.url.path}"
        normalized = {_php_encode(k): _php_encode(v) for k, v in params.items()}
        joined = "%26".join(f"{k}%3D{normalized[k]}" for k in sorted(normalized))
        base = f"{request.method.upper()}&{quote(url, safe='-_.~')}&{joined}"
        digest = hashlib.sha1 if method == "HMAC-SHA1" else hashlib.sha256
        expected = base64.b64encode(hmac.new(f"{key.consumer_secret}&".encode(), base.encode(),
                                             digest).digest()).decode()
        if not hmac.compare_digest(expected.encode(), offered.encode()):
            raise _auth_error("Invalid signature - provided signature does not match.")
        self._nonce(key, params["oauth_timestamp"], params["oauth_nonce"], now)
        return key

    def _nonce(self, key: ApiKey, timestamp: str, nonce: str, now: float) -> None:
        try:
            stamp = int(timestamp)
        except ValueError:
            raise _auth_error("Invalid timestamp.") from None
        if not now - WINDOW <= stamp <= now + WINDOW:
            raise _auth_error("Invalid timestamp.")
        used = self.nonces.setdefault(key.consumer_key, {})
        for old in [n for n, t in used.items() if t < now - WINDOW]:
            del used[old]
        if nonce in used:
            raise _auth_error("Invalid nonce - nonce has already been used.")
        used[nonce] = stamp

    @staticmethod
    def _permissions(key: ApiKey, method: str) -> None:
        if method in ("GET", "HEAD") and key.permissions not in ("read", "read_write"):
            raise _auth_error("The API key provided does not have read permissions.")
        if method not in ("GET", "HEAD") and key.permissions not in ("write", "read_write"):
            raise _auth_error("The API key provided does not have write permissions.")


def _oauth_header(header: str) -> dict[str, str]:
    """``OAuth k="v", k2="v2"`` -> ``{k: v}`` with the values percent-decoded."""
    params = {}
    for part in header[6:].split(","):
        name, _, value = part.strip().partition("=")
        if name.startswith("oauth_"):
            params[name] = unquote(value.strip().strip('"'))
    return params
