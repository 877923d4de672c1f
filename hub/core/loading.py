"""Loading modules at start-up without the cycle collector walking them over and over.

A ``hub`` command spends most of a short run importing: SQLAlchemy, the table
classes, pydantic, httpx, the plugins. Those imports allocate hundreds of
thousands of objects that live as long as the process (modules, classes,
functions, compiled code), and Python's cycle collector, triggered by the
allocations, walks them again and again while they load: a fifth of the CPU of
``hub orders import`` with nothing new (issue 17). :func:`loading` pauses the
collector while a block of imports runs and turns it back on after; garbage
freed by reference counting is freed as always.

The objects are not frozen (:func:`gc.freeze`) afterwards: that would save a
little more, but would also pin every cycle then alive in a process that embeds
the hub (the test suite runs the CLI in-process), so it is left out.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def loading() -> Iterator[None]:
    """Run a block of imports with the cycle collector paused.

    Nested blocks, and blocks run while the collector is already off, change nothing.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
