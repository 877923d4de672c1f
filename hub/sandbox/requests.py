"""Reading a request in a sandbox: refusals, integer and date-time parameters, form and JSON bodies.

Only the ``testing`` extra's packages are needed (Starlette's ``request.form()``
wants python-multipart, which the extra does not carry: :func:`read_form`
parses URL-encoded bodies itself).
"""

from __future__ import annotations

import enum
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, tzinfo
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

Handler = Callable[[Request], Awaitable[Response]]


class Refused(Exception):
    """A request the platform turns away.

    :param response: the platform's error answer; a subclass may instead override
        :meth:`answer` (VTEX builds its OMS error body from a status and a code).
    :param message: what was wrong; without a response the answer is a plain
        ``400`` carrying it.
    :param status: the status of that plain answer.
    """

    def __init__(self, response: Response | None = None, message: str = "",
                 status: int = 400) -> None:
        super().__init__(message)
        self.response, self.status = response, status

    def answer(self) -> Response:
        """The response to send for this refusal: the one given, else ``status`` with the message."""
        if self.response is not None:
            return self.response
        return PlainTextResponse(str(self) or "refused", status_code=self.status)


def refusing(handler: Handler) -> Handler:
    """Wrap ``handler`` so a :class:`Refused` it raises becomes its answer."""
    async def endpoint(request: Request) -> Response:
        try:
            return await handler(request)
        except Refused as refused:
            return refused.answer()
    return endpoint


class IntProblem(enum.Enum):
    """Why an integer parameter was refused."""

    NOT_INTEGER = "not an integer"
    TOO_LOW = "below the minimum"
    TOO_HIGH = "above the maximum"


IntRefusal = Callable[[str, str, IntProblem], BaseException]
"""Builds the platform's error for parameter ``name`` with raw ``value`` and its problem."""


def int_param(value: str | None, name: str, default: int, low: int, high: int | None,
              refuse: IntRefusal) -> int:
    """An integer parameter: ``default`` when absent or empty, else within ``low..high``.

    :raises: what ``refuse(name, value, problem)`` returns, when the value is no integer or out of range.
    """
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise refuse(name, value, IntProblem.NOT_INTEGER) from None
    if number < low:
        raise refuse(name, value, IntProblem.TOO_LOW)
    if high is not None and number > high:
        raise refuse(name, value, IntProblem.TOO_HIGH)
    return number


class TimeProblem(enum.Enum):
    """Why a date-time parameter was refused."""

    NOT_A_TIME = "not an ISO 8601 date-time"
    NO_ZONE = "no time zone"


TimeRefusal = Callable[[str, str, TimeProblem], BaseException]
"""Builds the platform's error for parameter ``name`` with raw ``value`` and its problem."""


def time_param(value: str, name: str, refuse: TimeRefusal, *, naive: tzinfo | None = UTC
               ) -> datetime:
    """An ISO 8601 date-time parameter (``Z`` accepted), in UTC.

    :param naive: the zone a value without one is read in; None refuses such a value.
    :raises: what ``refuse(name, value, problem)`` returns.
    """
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise refuse(name, value, TimeProblem.NOT_A_TIME) from None
    if when.tzinfo is None:
        if naive is None:
            raise refuse(name, value, TimeProblem.NO_ZONE)
        when = when.replace(tzinfo=naive)
    return when.astimezone(UTC)


def is_form(request: Request) -> bool:
    """Whether the request's body is declared ``application/x-www-form-urlencoded``."""
    return "application/x-www-form-urlencoded" in request.headers.get("content-type", "").lower()


def parse_form(body: bytes) -> dict[str, str]:
    """A URL-encoded body as a dict: the last value of a repeated name wins, names with an
    empty value are left out, bad UTF-8 is replaced."""
    return dict(parse_qsl(body.decode("utf-8", "replace")))


async def read_form(request: Request) -> dict[str, str]:
    """The request's URL-encoded form body (no python-multipart needed)."""
    return parse_form(await request.body())


def parse_json(body: bytes) -> Any:
    """A JSON body; ``ValueError`` when it is not JSON."""
    return json.loads(body)


async def read_json(request: Request, refuse: Callable[[], BaseException], *,
                    empty_ok: bool = False) -> Any:
    """The request's JSON body; an empty body is None when ``empty_ok``.

    :raises: what ``refuse()`` returns, when the body is not JSON.
    """
    body = await request.body()
    if empty_ok and not body.strip():
        return None
    try:
        return parse_json(body)
    except ValueError:
        raise refuse() from None
