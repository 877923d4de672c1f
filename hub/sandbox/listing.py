"""Slicing a sandbox's listings the way platforms page them, and the drift hook.

A platform pages by page number (WooCommerce, VTEX), offset (Mercado Libre),
cursor (Shopify) or scroll id. These helpers cut one page out of an already
filtered and sorted list. :class:`Drift` fires once after the page
:attr:`SandboxOptions.drift_page` is served, so a sandbox can change its data
mid-scan (modify an order already served, add a new one).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


def page_slice(items: Sequence[T], page: int, per_page: int) -> list[T]:
    """Page ``page`` (1-based) of ``per_page`` items."""
    start = (page - 1) * per_page
    return list(items[start:start + per_page])


def page_count(total: int, per_page: int) -> int:
    """How many pages of ``per_page`` hold ``total`` items (at least 0)."""
    return -(-total // per_page) if per_page > 0 else 0


def offset_slice(items: Sequence[T], offset: int, limit: int) -> list[T]:
    """``limit`` items from ``offset`` (0-based)."""
    return list(items[offset:offset + limit])


def cursor_slice(items: Sequence[T], key: Callable[[T], str], after: str | None, first: int
                 ) -> tuple[list[T], str | None]:
    """``first`` items after the one whose ``key`` is ``after`` (the start when None).

    :return: the items and the cursor of the next page (None on the last page). An
        unknown ``after`` starts from the beginning, as an expired cursor would not.
    """
    keys = [key(item) for item in items]
    start = keys.index(after) + 1 if after is not None and after in keys else 0
    chunk = list(items[start:start + first])
    more = start + first < len(items)
    return chunk, (key(chunk[-1]) if chunk and more else None)


@dataclass
class Scroll:
    """A scroll (a server-side cursor): :meth:`next` hands out successive chunks of a snapshot."""

    items: list[object]
    size: int
    position: int = 0

    def next(self) -> list[object]:
        chunk = self.items[self.position:self.position + self.size]
        self.position += len(chunk)
        return chunk


class Drift:
    """Decides, once, that the platform's data changes after the listing page ``drift_page``.

    :param drift_page: :attr:`SandboxOptions.drift_page` (None: never drift).
    :param change: what changes on the platform (called at most once); or act on
        :meth:`served` answering True.
    """

    def __init__(self, drift_page: int | None, change: Callable[[], None] | None = None) -> None:
        self.drift_page = drift_page
        self.change = change
        self.drifted = False

    def served(self, page: int, *, nonempty: bool = True) -> bool:
        """Tell the hook page ``page`` was served; True when it drifted now."""
        if self.drifted or self.drift_page is None or page != self.drift_page or not nonempty:
            return False
        self.drifted = True
        if self.change is not None:
            self.change()
        return True
