"""How requests prove who they are: WooCommerce REST API keys, three ways.

* **Basic** (``auth_mode=basic``; what ``auto`` picks over https): the
  consumer key and secret as HTTP Basic credentials.
* **Query** (``auth_mode=query``): ``consumer_key``/``consumer_secret`` as query
  parameters, for servers that strip the ``Authorization`` header. https only
  in practice: the secret travels in the URL (the hub redacts it from logs).
* **OAuth 1.0a one-legged** (``auth_mode=oauth1``; what ``auto`` picks over
  plain http, where WooCommerce refuses Basic): every request carries
  ``oauth_consumer_key``, ``oauth_nonce``, ``oauth_signature_method``,
  ``oauth_timestamp`` and ``oauth_signature`` in an ``Authorization: OAuth`` header. The
  signature is base64 HMAC-SHA256 over ``METHOD&enc(url)&enc(sorted params)``
  with the key ``consumer_secret + "&"``; params include the request's own
  query parameters, never the body.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable, Generator, Iterable
from urllib.parse import quote

import httpx

from hub import ConfigError

AUTH_MODES = ("auto", "basic", "query", "oauth1")
SIGNATURE_METHODS = {"HMAC-SHA256": hashlib.sha256, "HMAC-SHA1": hashlib.sha1}


def encode(value: str) -> str:
    """RFC 3986 percent-encoding, as OAuth 1.0a requires (only ``A-Za-z0-9-._~`` stay)."""
    return quote(value, safe="-._~")


def base_url(url: httpx.URL) -> str:
    """The signed URL: scheme, lower-case host, port unless default, path; no query."""
    port = f":{url.port}" if url.port is not None else ""
    return f"{url.scheme}://{url.host.lower()}{port}{url.path}"


def signature_base(method: str, url: str, params: Iterable[tuple[str, str]]) -> str:
    """``METHOD&enc(url)&enc(k1=v1&k2=v2...)`` with the pairs encoded, then sorted."""
    pairs = sorted((encode(k), encode(v)) for k, v in params)
    normalized = "&".join(f"{k}={v}" for k, v in pairs)
    return "&".join((method.upper(), encode(url), encode(normalized)))


def sign(base: str, consumer_secret: str, method: str = "HMAC-SHA256") -> str:
    """Base64 HMAC of ``base`` keyed by ``consumer_secret + "&"`` (no token secret)."""
    digest = SIGNATURE_METHODS[method]
    mac = hmac.new(f"{consumer_secret}&".encode(), base.encode(), digest).digest()
    return base64.b64encode(mac).decode("ascii")


class OAuth1Auth(httpx.Auth):
    """One-legged OAuth 1.0a signatures in the Authorization header, fresh for every attempt.

    :param clock: seconds since the epoch (tests pin it).
    :param nonce: a new nonce per call (tests pin it).
    """

    def __init__(self, consumer_key: str, consumer_secret: str, *,
                 method: str = "HMAC-SHA256", clock: Callable[[], float] = time.time,
                 nonce: Callable[[], str] = lambda: secrets.token_hex(16)) -> None:
        if method not in SIGNATURE_METHODS:
            raise ValueError(f"unsupported OAuth signature method {method!r}")
        self.consumer_key = consumer_key
        self.consumer_secret = consumer_secret
        self.method = method
        self.clock = clock
        self.nonce = nonce

    def oauth_params(self, method: str, url: httpx.URL) -> list[tuple[str, str]]:
        """The ``oauth_*`` parameters (signature last) for ``method`` on ``url``."""
        oauth = [
            ("oauth_consumer_key", self.consumer_key),
            ("oauth_nonce", self.nonce()),
            ("oauth_signature_method", self.method),
            ("oauth_timestamp", str(int(self.clock()))),
        ]
        query = [(k, v) for k, v in url.params.multi_items() if k != "oauth_signature"]
        base = signature_base(method, base_url(url), [*query, *oauth])
        return [*oauth, ("oauth_signature", sign(base, self.consumer_secret, self.method))]

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        # In the Authorization header, not the query string, so the consumer key never
        # lands in URL logs (WooCommerce reads ``Authorization: OAuth ...`` as well).
        params = self.oauth_params(request.method, request.url)
        request.headers["Authorization"] = "OAuth " + ", ".join(
            f'{k}="{encode(v)}"' for k, v in params)
        yield request


class QueryAuth(httpx.Auth):
    """``consumer_key``/``consumer_secret`` as query parameters."""

    def __init__(self, consumer_key: str, consumer_secret: str) -> None:
        self.consumer_key = consumer_key
        self.consumer_secret = consumer_secret

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.url = request.url.copy_merge_params(
            {"consumer_key": self.consumer_key, "consumer_secret": self.consumer_secret})
        yield request


def resolve_mode(mode: str | None, store_url: str) -> str:
    """``auto`` -> ``basic`` over https, ``oauth1`` over http; other modes as given."""
    mode = (mode or "auto").strip().lower()
    if mode not in AUTH_MODES:
        raise ConfigError(f"auth_mode must be one of {', '.join(AUTH_MODES)}, got '{mode}'")
    if mode != "auto":
        return mode
    return "basic" if httpx.URL(store_url).scheme == "https" else "oauth1"


def build_auth(mode: str, consumer_key: str, consumer_secret: str) -> httpx.Auth:
    """The :class:`httpx.Auth` for a resolved mode (``basic``, ``query`` or ``oauth1``)."""
    if mode == "basic":
        return httpx.BasicAuth(consumer_key, consumer_secret)
    if mode == "query":
        return QueryAuth(consumer_key, consumer_secret)
    if mode == "oauth1":
        return OAuth1Auth(consumer_key, consumer_secret)
    raise ConfigError(f"unknown auth_mode '{mode}'")
