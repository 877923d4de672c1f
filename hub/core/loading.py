"""Loading modules at start-up without the cycle collector walking them over and over.

A ``hub`` command spends most of a short run importing: SQLAlchemy, the table
classes, pydantic, httpx, the plugins. Those imports allocate hundreds of
thousands of objects that live as long as the process (modules, classes,
functions, compiled code), and Python's cycle collector, triggered by the
allocations, walks them again and again while they load: a fifth of the CPU of
``hub orders import`` with nothing new (issue 17). :func:`loading` pauses the
collector while a block of imports runs and turns it back on after; garbage
freed by reference counting is freed as always.

In the ``hub`` executable (:func:`hub.cli.console` calls :func:`keep_what_loads`)
what exists after each block is also frozen (:func:`gc.freeze`): moved where later
collections never walk it again, instead of being walked by the first few after
the collector is back on. Only there: in a process that embeds the hub (the
tests run the CLI in-process) freezing would pin every cycle alive at the time.
The collector while an import runs is set in :mod:`hub.core.heap`.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_freeze = False


def keep_what_loads() -> None:
    """Freeze what exists after each :func:`loading` block (the ``hub`` executable only)."""
    global _freeze
    _freeze = True


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
        if _freeze:
            gc.freeze()
        gc.enable()
