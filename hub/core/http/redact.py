"""Keep secrets out of messages and logs.

Two mechanisms, applied by :func:`redact`:

* a process-wide registry of secret values (:func:`register_secret`): every
  occurrence of a registered value becomes ``***``, wherever it appears;
* masking by name: the value after any query parameter, JSON-ish key or header
  whose name contains token, secret, password, signature, key, code or
  authorization (``consumer_secret=cs_1`` -> ``consumer_secret=***``).

Call :func:`install_log_redaction` after logging is configured so every log
line leaving the root logger's handlers is redacted too.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Mapping
from urllib.parse import quote, quote_plus, urlsplit, urlunsplit

MASK = "***"
MIN_SECRET_LENGTH = 6

_secrets: set[str] = set()
_ordered: tuple[str, ...] = ()  # longest first, so a secret containing another is masked whole
_registry_lock = threading.Lock()

_SENSITIVE_WORDS = ("token", "secret", "password", "signature", "key", "authorization")
# An OAuth authorization ``code`` (and PKCE verifier) is only masked as a URL or form
# parameter: a JSON ``"code"`` is usually an error code worth reading.
_OAUTH_CODE = re.compile(r"(?P<head>(?:^|[?&])(?:code|code_verifier)=)[^&\s#]+", re.IGNORECASE)
# A name containing a sensitive word (query parameter, JSON-ish key, header),
# a ``=`` or ``:``, an optional quote and auth scheme, then the value to mask.
# Names start at a word boundary and are matched possessively: the scan is linear.
_KEY_VALUE = re.compile(
    r"""(?<![\w.-])
    (?P<head>
        ["']?(?=[\w.-]*?(?:""" + "|".join(_SENSITIVE_WORDS) + r"""))[\w.-]++["']?\s*[:=]\s*["']?
        (?:(?:bearer|basic|token|oauth)\s+)?
    )
    (?!(?:null|true|false)\b)[^\s"'&,;#<>(){}\[\]]+""",
    re.IGNORECASE | re.VERBOSE,
)

_SENSITIVE_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})
_SENSITIVE_HEADER_WORDS = ("token", "key", "secret", "signature")


def register_secret(value: str) -> None:
    """Mask ``value`` (and its URL-encoded forms) in everything :func:`redact` sees from now on.

    Values shorter than 6 characters are ignored: masking them would garble ordinary text.
    """
    global _ordered
    if not isinstance(value, str) or len(value) < MIN_SECRET_LENGTH or value in _secrets:
        return
    with _registry_lock:
        _secrets.update({value, quote(value, safe=""), quote_plus(value, safe="")})
        _ordered = tuple(sorted(_secrets, key=len, reverse=True))


def redact(text: str) -> str:
    """Return ``text`` with every registered secret and every sensitive key's value as ``***``."""
    for secret in _ordered:
        text = text.replace(secret, MASK)
    lowered = text.lower()  # cheap pre-check: most text names nothing sensitive
    if any(word in lowered for word in _SENSITIVE_WORDS):
        text = _KEY_VALUE.sub(r"\g<head>***", text)
    if "code" in lowered:
        text = _OAUTH_CODE.sub(r"\g<head>***", text)
    return text


def redact_url(url: object) -> str:
    """Redact a URL (``str`` or ``httpx.URL``): its userinfo password, query secrets, known tokens."""
    text = str(url)
    try:
        parts = urlsplit(text)
    except ValueError:
        return redact(text)
    if parts.password:
        host = parts.netloc.rpartition("@")[2]
        parts = parts._replace(netloc=f"{parts.username}:{MASK}@{host}")
        text = urlunsplit(parts)
    return redact(text)


def sensitive_header(name: str) -> bool:
    """Whether a header's value is a credential: Authorization, Cookie, ``*token*``, ``*key*``..."""
    lowered = name.lower()
    return lowered in _SENSITIVE_HEADERS or any(w in lowered for w in _SENSITIVE_HEADER_WORDS)


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Copy ``headers`` with credential headers as ``***`` and the rest passed through :func:`redact`."""
    return {name: MASK if sensitive_header(name) else redact(value)
            for name, value in headers.items()}


class RedactingFilter(logging.Filter):
    """A logging filter that redacts each record's message, arguments and traceback text."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: let logging report it as usual
            return True
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


_FILTER = RedactingFilter()


def install_log_redaction(logger: logging.Logger | None = None) -> None:
    """Add a :class:`RedactingFilter` to every handler of ``logger`` (default: the root logger).

    Idempotent. Handlers added afterwards are not covered, so call it after
    logging is configured (filters sit on handlers because a logger's own
    filters never see records propagated from child loggers).
    """
    for handler in (logger or logging.getLogger()).handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(_FILTER)
