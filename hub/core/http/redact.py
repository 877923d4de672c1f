"""Keep secrets out of messages and logs.

Two mechanisms, applied by :func:`redact`:

* a registry of secret values: every occurrence of a registered value becomes
  ``***``, wherever it appears. Values belong to an *owner* (an account's
  credentials, an account's secret settings): :func:`replace_secrets` swaps an
  owner's whole set, so a rotated token stops being tracked the moment its
  successor is stored. Values registered without an owner
  (:func:`register_secret`) are kept in a bounded most-recently-registered set
  (:data:`LOOSE_LIMIT` values); a loose value that an owner later takes is
  moved to that owner. Redaction scans the text once through an index of
  6-character prefixes, so its cost follows the text's length, not the number
  of secrets;
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
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from urllib.parse import quote, quote_plus, urlsplit, urlunsplit

MASK = "***"
MIN_SECRET_LENGTH = 6
LOOSE_LIMIT = 1024
"""Values registered without an owner that are remembered (the most recent ones)."""
_REPLACE_LIMIT = 24  # up to this many values, str.replace (in C) beats the Python scan


def _forms(value: str) -> frozenset[str]:
    """``value`` and its URL-encoded forms, as they may appear in a URL or a form body."""
    return frozenset({value, quote(value, safe=""), quote_plus(value, safe="")})


class SecretRegistry:
    """Secret values by owner, indexed for a single left-to-right scan of the text."""

    def __init__(self) -> None:
        self._owned: dict[str, frozenset[str]] = {}
        self._loose: OrderedDict[str, frozenset[str]] = OrderedDict()
        self._counts: dict[str, int] = {}
        self._index: dict[str, list[str]] = {}  # first 6 characters -> values, longest first
        self._ordered: tuple[str, ...] | None = ()  # every value, longest first (small sets only)
        self._lock = threading.Lock()

    def __len__(self) -> int:
        """How many distinct strings are masked (a value and its encoded forms count apart)."""
        return len(self._counts)

    def __contains__(self, value: object) -> bool:
        return value in self._counts

    def owned(self, owner: str) -> frozenset[str]:
        """The strings masked on behalf of ``owner``."""
        return self._owned.get(owner, frozenset())

    def add(self, value: str, owner: str | None = None) -> None:
        """Mask ``value`` from now on: for ``owner`` when given, else as a loose value."""
        if not isinstance(value, str) or len(value) < MIN_SECRET_LENGTH:
            return
        with self._lock:
            if owner is not None:
                current = self._owned.get(owner, frozenset())
                if value not in current:
                    self._set_owned(owner, current | _forms(value))
                return
            if value in self._loose:
                self._loose.move_to_end(value)
                return
            if value in self._counts:  # an owner already masks it
                return
            forms = _forms(value)
            self._loose[value] = forms
            self._count(forms, +1)
            while len(self._loose) > LOOSE_LIMIT:
                _, old = self._loose.popitem(last=False)
                self._count(old, -1)

    def replace(self, owner: str, values: Iterable[object]) -> None:
        """Make ``values`` (strings of 6+ characters; others ignored) the whole set of ``owner``."""
        forms: frozenset[str] = frozenset()
        for value in values:
            if isinstance(value, str) and len(value) >= MIN_SECRET_LENGTH:
                forms |= _forms(value)
        with self._lock:
            self._set_owned(owner, forms)

    def forget(self, owner: str) -> None:
        """Stop masking ``owner``'s values (unless another owner holds them too)."""
        with self._lock:
            self._set_owned(owner, frozenset())

    def _set_owned(self, owner: str, forms: frozenset[str]) -> None:
        old = self._owned.get(owner, frozenset())
        for value in forms - old:  # taken by an owner: no longer loose
            loose = self._loose.pop(value, None)
            if loose is not None:
                self._count(loose, -1)
        self._count(forms - old, +1)
        self._count(old - forms, -1)
        if forms:
            self._owned[owner] = forms
        else:
            self._owned.pop(owner, None)

    def _count(self, values: Iterable[str], delta: int) -> None:
        for value in values:
            count = self._counts.get(value, 0) + delta
            if count > 0:
                if count == 1 and delta > 0:
                    bucket = self._index.setdefault(value[:MIN_SECRET_LENGTH], [])
                    bucket.append(value)
                    bucket.sort(key=len, reverse=True)
                self._counts[value] = count
            elif value in self._counts:
                del self._counts[value]
                bucket = self._index[value[:MIN_SECRET_LENGTH]]
                bucket.remove(value)
                if not bucket:
                    del self._index[value[:MIN_SECRET_LENGTH]]
            self._ordered = None

    def mask(self, text: str) -> str:
        """``text`` with every registered value replaced by ``***`` (longest match first)."""
        if not self._counts or len(text) < MIN_SECRET_LENGTH:
            return text
        if len(self._counts) <= _REPLACE_LIMIT:
            ordered = self._ordered
            if ordered is None:
                ordered = self._ordered = tuple(sorted(self._counts, key=len, reverse=True))
            for secret in ordered:
                if secret in text:
                    text = text.replace(secret, MASK)
            return text
        return self._scan(text)

    def _scan(self, text: str) -> str:
        index = self._index
        parts: list[str] = []
        start = i = 0
        end = len(text) - MIN_SECRET_LENGTH
        while i <= end:
            bucket = index.get(text[i:i + MIN_SECRET_LENGTH])
            if bucket:
                for secret in bucket:
                    if text.startswith(secret, i):
                        parts += (text[start:i], MASK)
                        i = start = i + len(secret)
                        break
                else:
                    i += 1
            else:
                i += 1
        if not parts:
            return text
        parts.append(text[start:])
        return "".join(parts)


secrets_registry = SecretRegistry()
"""The process's registry; :func:`redact` masks what it holds."""

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


def register_secret(value: str, *, owner: str | None = None) -> None:
    """Mask ``value`` (and its URL-encoded forms) in everything :func:`redact` sees from now on.

    Values shorter than 6 characters are ignored: masking them would garble ordinary text.
    Without ``owner`` the value is a loose one (the most recent :data:`LOOSE_LIMIT` are kept);
    with it, the value joins that owner's set until :func:`replace_secrets` swaps the set.
    """
    secrets_registry.add(value, owner)


def replace_secrets(owner: str, values: Iterable[object]) -> None:
    """Make ``values`` the whole set of secrets masked for ``owner`` (e.g. after a token rotation)."""
    secrets_registry.replace(owner, values)


def redact(text: str) -> str:
    """Return ``text`` with every registered secret and every sensitive key's value as ``***``."""
    text = secrets_registry.mask(text)
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
