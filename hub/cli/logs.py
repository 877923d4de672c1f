"""Logging: human lines or JSON (``--log-format json``), always passed through secret redaction."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

from hub.core.http.redact import RedactingFilter, redact


class JsonFormatter(logging.Formatter):
    """One JSON object a line, with the account and run id when the record carries them."""

    def format(self, record: logging.LogRecord) -> str:
        data = {"time": datetime.fromtimestamp(record.created, UTC).isoformat(),
                "level": record.levelname.lower(), "logger": record.name,
                "message": redact(record.getMessage())}
        for key in ("account", "flow", "run_id", "job", "principal"):
            if hasattr(record, key):
                data[key] = getattr(record, key)
        if record.exc_info:
            data["error"] = redact(self.formatException(record.exc_info))
        return json.dumps(data)


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is at the time of each record (it may be replaced)."""

    @property
    def stream(self):  # type: ignore[no-untyped-def]
        return sys.stderr

    @stream.setter
    def stream(self, _value):  # type: ignore[no-untyped-def]
        pass


def configure_logging(*, debug: bool = False, fmt: str = "text") -> None:
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_hub", False):
            root.removeHandler(handler)
    handler = _StderrHandler()
    handler._hub = True  # type: ignore[attr-defined]
    handler.addFilter(RedactingFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else
                         logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if debug else logging.WARNING)
    logging.getLogger("hub").setLevel(logging.DEBUG if debug else logging.INFO
                                      if fmt == "json" else logging.WARNING)
    for noisy in ("httpx", "httpcore", "apscheduler", "alembic", "uvicorn"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if debug else logging.WARNING)
