"""Parsing a page of platform payloads: each one alone, the newest copy of each record kept.

Shared by the order import and the ticket import: a payload the plugin cannot
parse is set aside with its key and a one-line reason (secrets redacted) while
the rest of the page goes on, and a record listed twice in one page keeps its
newest copy (by ``updated_at``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Protocol, TypeVar

from pydantic import ValidationError

from hub.core.http.redact import redact
from hub.errors import HubError


class _Record(Protocol):
    @property
    def updated_at(self) -> Any: ...


R = TypeVar("R", bound=_Record)
Bad = tuple[str, str, dict[str, Any]]  # (payload key, reason, payload)
#: what a plugin's parse hook may raise for a payload it cannot read
PARSE_ERRORS = (HubError, ValidationError, ValueError, KeyError, TypeError, AttributeError)


def error_text(exc: Exception, what: str) -> str:
    """One line saying why a payload was rejected (``invalid <what>: field: problem``)."""
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        return redact(f"invalid {what}: {where}: {first.get('msg')}")
    return redact(str(exc) or type(exc).__name__)


def parse_newest(payloads: Iterable[dict[str, Any]], parse: Callable[[dict[str, Any]], Any],
                 kind: type[R], record_id: Callable[[R], str],
                 payload_key: Callable[[dict[str, Any]], str], *, hook: str, what: str
                 ) -> tuple[list[R], list[Bad]]:
    """Parse every payload with ``parse`` (the plugin's ``hook``); keep each record's newest copy.

    :return: the records (one per ``record_id``) and the payloads set aside, with their reasons.
    """
    records: dict[str, R] = {}
    bad: list[Bad] = []
    for payload in payloads:
        try:
            record = parse(payload)
            if not isinstance(record, kind):
                raise HubError(f"{hook} returned {type(record).__name__}, not hub.{kind.__name__}")
        except PARSE_ERRORS as exc:
            bad.append((payload_key(payload), error_text(exc, what), payload))
            continue
        seen = records.get(record_id(record))
        if seen is None or record.updated_at >= seen.updated_at:
            records[record_id(record)] = record
    return list(records.values()), bad
