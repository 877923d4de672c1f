"""The interactive side of ``hub accounts authorize``: what the ``authorize`` hook gets.

A plugin's ``authorize`` hook drives the platform's flow with an
:class:`AuthSession`: for an OAuth2 code flow it builds the platform's
authorization URL with ``session.redirect_uri``, ``session.state`` (and
``session.pkce_challenge`` where the platform takes PKCE), then awaits
``session.wait_for_callback(url)``, which shows the URL to the user, waits for
the redirect on the loopback listener (or the daemon's callback route), checks
``state`` and returns the callback's parameters. Key-based platforms use
``session.prompt``.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass
class Callback:
    """What arrived on the callback: query parameters and, for a POST, the JSON or form body."""

    params: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] = field(default_factory=dict)


class AuthSession(Protocol):
    redirect_uri: str
    state: str
    pkce_verifier: str

    @property
    def pkce_challenge(self) -> str: ...

    async def wait_for_callback(self, url: str) -> Callback: ...

    def prompt(self, label: str, *, secret: bool = True) -> str: ...


def new_state() -> str:
    return secrets.token_urlsafe(24)


def new_pkce_verifier() -> str:
    return secrets.token_urlsafe(48)


def pkce_challenge(verifier: str) -> str:
    """S256 code challenge for ``verifier`` (RFC 7636)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
