"""A pytest plugin that records which hooks the test session really called.

Every :class:`hub.core.plugins.PluginHost` created during the session gets a
pluggy hook-call monitor (``add_hookcall_monitoring``); broadcast hooks,
``platform_info`` and platform hooks with one implementation, which the host
calls on the implementation directly, are recorded where the host calls them.
At the end of a run of the whole suite (pytest started with no paths, ``-k`` or
``-m``), every hook the specs declare must have been called by at least one
test, or the session fails and names the
hooks no test exercised. Under pytest-xdist each worker writes what it saw to a
directory the controller hands out, and the controller checks the union.

Enable with ``-p hub.testing.hookcalls`` (the repository's root conftest does).
"""

from __future__ import annotations

import functools
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest

CALLED: set[str] = set()
_DIR_KEY = "hub_hookcalls_dir"


def install() -> None:
    """Record hook calls of every PluginHost created from now on (idempotent)."""
    from hub.core.plugins import PluginHost

    if getattr(PluginHost, "_hookcalls_installed", False):
        return
    original_init, original_broadcast = PluginHost.__init__, PluginHost._broadcast
    original_info = PluginHost._platform_info_of
    original_call_one = PluginHost._call_one

    @functools.wraps(original_init)
    def init(self: PluginHost, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        self.pm.add_hookcall_monitoring(lambda name, _impls, _kwargs: CALLED.add(name),
                                        lambda *_: None)

    @functools.wraps(original_broadcast)
    def broadcast(self: PluginHost, hook: str, **kwargs: Any) -> None:
        CALLED.add(hook)
        original_broadcast(self, hook, **kwargs)

    @functools.wraps(original_info)
    def platform_info_of(self: PluginHost, plugin: object) -> Any:
        CALLED.add("platform_info")
        return original_info(self, plugin)

    def call_one(hook: str, function: Any, args: list[Any]) -> Any:  # called directly
        CALLED.add(hook)
        return original_call_one(hook, function, args)

    PluginHost.__init__ = init  # type: ignore[method-assign]
    PluginHost._broadcast = broadcast  # type: ignore[method-assign]
    PluginHost._platform_info_of = platform_info_of  # type: ignore[method-assign]
    PluginHost._call_one = staticmethod(call_one)  # type: ignore[method-assign]
    PluginHost._hookcalls_installed = True  # type: ignore[attr-defined]


def whole_suite(config: pytest.Config) -> bool:
    """Whether this run is the whole suite (so a hook nobody called is a real gap)."""
    option = config.option
    return (config.args_source == pytest.Config.ArgsSource.TESTPATHS
            and not getattr(option, "keyword", "") and not getattr(option, "markexpr", "")
            and not getattr(option, "deselect", None) and not getattr(option, "lf", False))


def missing_hooks(called: set[str]) -> list[str]:
    from hub.core import hookdoc

    return [name for name in hookdoc.hook_names() if name not in called]


def pytest_configure(config: pytest.Config) -> None:
    install()
    workerinput = getattr(config, "workerinput", None)
    if workerinput is None and not hasattr(config, "_hub_hookcalls_dir"):
        config._hub_hookcalls_dir = tempfile.mkdtemp(prefix="hub-hookcalls-")  # type: ignore[attr-defined]


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    node.workerinput[_DIR_KEY] = node.config._hub_hookcalls_dir


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None:  # an xdist worker: hand what it saw to the controller
        folder = Path(workerinput[_DIR_KEY])
        (folder / f"{workerinput.get('workerid', 'w')}.json").write_text(json.dumps(sorted(CALLED)))
        return
    called = set(CALLED)
    folder = Path(config._hub_hookcalls_dir)  # type: ignore[attr-defined]
    for path in folder.glob("*.json"):
        called |= set(json.loads(path.read_text()))
    shutil.rmtree(folder, ignore_errors=True)
    if not whole_suite(config) or session.testsfailed or exitstatus != 0:
        return
    missing = missing_hooks(called)
    if missing:
        config._hub_hooks_missing = missing  # type: ignore[attr-defined]
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    missing = getattr(config, "_hub_hooks_missing", None)
    if missing:
        terminalreporter.write_sep("=", "hooks no test called", red=True)
        terminalreporter.write_line("every hook spec must be exercised by at least one test; "
                                    f"never called: {', '.join(missing)}")
