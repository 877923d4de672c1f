"""Bounded concurrency for the requests VTEX needs one per order, SKU or price.

The core's :func:`hub.gather` and :func:`hub.bounded` do the work (the first
failure cancels the rest and is raised as itself); jobs here are callables.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from hub import bounded as run_bounded
from hub import gather

T = TypeVar("T")

__all__ = ["bounded", "gather"]


async def bounded(limit: int, jobs: list[Callable[[], Awaitable[T]]]) -> list[T]:
    """Run ``jobs`` with at most ``limit`` in flight; results in order."""
    return await run_bounded(limit, (job() for job in jobs))
