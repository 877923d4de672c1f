"""Start-up imports run with the cycle collector paused, and only while they load (issue 17)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from hub.core.loading import loading


@pytest.fixture
def collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


@pytest.mark.usefixtures("collector_on")
def test_the_collector_is_paused_inside_and_back_on_after() -> None:
    with loading():
        assert not gc.isenabled()
        with loading():  # a nested block changes nothing
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


@pytest.mark.usefixtures("collector_on")
def test_the_collector_is_back_on_after_a_failed_import() -> None:
    with pytest.raises(ModuleNotFoundError), loading():
        import hub_no_such_module  # type: ignore[import-not-found]  # noqa: F401
    assert gc.isenabled()


def test_a_collector_switched_off_by_the_process_stays_off() -> None:
    was = gc.isenabled()
    gc.disable()
    try:
        with loading():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        if was:
            gc.enable()


@pytest.mark.usefixtures("collector_on")
def test_only_the_executable_freezes_what_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    from hub.core import loading as module

    gc.unfreeze()
    with loading():
        pass
    assert gc.get_freeze_count() == 0  # a process embedding the hub: nothing pinned
    monkeypatch.setattr(module, "_freeze", False)
    module.keep_what_loads()  # what hub.cli.console does
    try:
        with loading():
            pass
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
