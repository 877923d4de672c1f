"""HMAC signatures for webhooks: sign a raw body, verify one in constant time."""

from __future__ import annotations

import base64
import hmac
from typing import Literal

Encoding = Literal["base64", "hex"]


def sign_hmac(secret: str | bytes, body: bytes, *, digest: str = "sha256",
              encoding: Encoding = "base64") -> str:
    """HMAC of the raw ``body`` with ``secret``, as base64 or lowercase hex."""
    if not secret:
        raise ValueError("an HMAC secret must not be empty")
    key = secret.encode() if isinstance(secret, str) else secret
    mac = hmac.new(key, body, digest).digest()
    if encoding == "base64":
        return base64.b64encode(mac).decode("ascii")
    if encoding == "hex":
        return mac.hex()
    raise ValueError(f"unknown signature encoding {encoding!r}")


def verify_hmac(secret: str | bytes, body: bytes, signature: str | None, *,
                digest: str = "sha256", encoding: Encoding = "base64") -> bool:
    """Whether ``signature`` is the HMAC of ``body``; compared in constant time.

    A missing or empty signature, or an empty (unconfigured) secret, never verifies.
    Surrounding whitespace is ignored; hex compares case-insensitively.
    """
    if not secret or not signature or not (received := signature.strip()):
        return False
    if encoding == "hex":
        received = received.lower()
    expected = sign_hmac(secret, body, digest=digest, encoding=encoding)
    return hmac.compare_digest(expected.encode("ascii"), received.encode("utf-8", "replace"))
