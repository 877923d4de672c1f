"""Concurrency helpers every plugin needs: run requests together, bounded, failing cleanly.

``asyncio.TaskGroup`` cancels the other calls when one fails, and its
``ExceptionGroup`` is unwrapped so callers (and the core) see the first error
itself, a :class:`hub.HubError` with its message, not a group.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Iterable
from typing import Any, TypeVar

T = TypeVar("T")


def _first(error: BaseException) -> BaseException:
    while isinstance(error, BaseExceptionGroup) and error.exceptions:
        error = error.exceptions[0]
    return error


async def gather(calls: Iterable[Awaitable[T]]) -> list[T]:
    """Await ``calls`` concurrently; results in order; the first failure cancels the rest."""
    pending = list(calls)
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(_awaited(call)) for call in pending]
    except BaseExceptionGroup as failed:
        raise _first(failed) from None
    finally:
        _close_unstarted(pending)
    return [task.result() for task in tasks]


async def bounded(limit: int, calls: Iterable[Awaitable[T]]) -> list[T]:
    """:func:`gather` with at most ``limit`` calls in flight (the account's limiter still paces them)."""
    semaphore = asyncio.Semaphore(max(1, limit))
    pending = list(calls)

    async def one(call: Awaitable[T]) -> T:
        async with semaphore:
            return await call

    try:
        return await gather(one(call) for call in pending)
    finally:
        _close_unstarted(pending)


async def _awaited(call: Awaitable[T]) -> T:
    return await call


def _close_unstarted(calls: list[Awaitable[Any]]) -> None:
    """Close the coroutines a failure cancelled before they ran (no "never awaited" warning)."""
    for call in calls:
        if inspect.iscoroutine(call) and inspect.getcoroutinestate(call) == inspect.CORO_CREATED:
            call.close()
