"""The cycle collector while an import runs: set aside the heap that was there before.

:func:`settled_heap` is entered by :func:`hub.core.sync.orders.import_orders`; the
start-up side of the same concern (the collector paused while modules load) is
:mod:`hub.core.loading`.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import AsyncIterator

_freezes = 0
_froze = False  # whether the import's freeze is the one in place (see settled_heap)
_thresholds_before: tuple[int, int, int] = gc.get_threshold()
#: net new container objects between two young collections while an import runs (Python's
#: default is 700: a page of decoded payloads and parsed orders crossed it many times over)
_YOUNG_THRESHOLD = 10_000


@contextlib.asynccontextmanager
async def settled_heap() -> AsyncIterator[None]:
    """Spare an import the cyclic collector's passes over objects that are not its garbage.

    An import holds a page's worth of containers at a time (the decoded payloads,
    the parsed orders, the rows), all freed by reference counting once the page is
    written; with Python's default thresholds each page set off a dozen young
    collections, which promoted the page's objects towards the old generation, and
    the full passes that followed walked the whole heap of the process (its
    modules, SQLAlchemy's and pydantic's structures): together about a fifth of an
    import's CPU. While an import runs, the objects that existed before it are set
    aside (``gc.freeze``; ``gc.unfreeze`` hands them back to the oldest generation
    when it ends) and a young collection waits for 10,000 net new containers
    instead of 700 (a higher threshold the process set is kept). Cyclic garbage is
    still collected, a little later. Nested and concurrent imports share one
    setting; the last to end restores the thresholds. A process that froze objects
    itself (the ``hub`` executable freezes what its start-up imports loaded) keeps
    its freeze: the import neither adds to it nor releases it, as ``gc.unfreeze``
    would release everything frozen.
    """
    global _freezes, _froze, _thresholds_before
    if _freezes == 0:
        _thresholds_before = gc.get_threshold()
        _froze = gc.get_freeze_count() == 0
        if _froze:
            gc.freeze()
        young, middle, old = _thresholds_before
        if 0 < young < _YOUNG_THRESHOLD:
            gc.set_threshold(_YOUNG_THRESHOLD, middle, old)
    _freezes += 1
    try:
        yield
    finally:
        _freezes -= 1
        if _freezes == 0:
            gc.set_threshold(*_thresholds_before)
            if _froze:
                gc.unfreeze()
