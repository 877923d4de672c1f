"""Docs, specs and tests stay in step: every hook documented with its exact signature and tested."""

from __future__ import annotations

from pathlib import Path

import hub
from hub.core import hookdoc, hookspecs

ROOT = Path(__file__).resolve().parents[2]


def test_hook_reference_matches_the_specs() -> None:
    page = (ROOT / "docs" / "plugins" / "hooks.md").read_text()
    assert page == hookdoc.render(), (
        "docs/plugins/hooks.md is out of date: run  python -m hub.core.hookdoc > docs/plugins/hooks.md")


def test_every_hook_spec_is_documented_with_params_and_dispatch() -> None:
    for name in hookdoc.hook_names():
        doc = getattr(hookspecs, name).__doc__ or ""
        assert "Dispatch:" in doc, f"{name}: say how the hook is dispatched"
        import inspect

        for arg in inspect.signature(getattr(hookspecs, name), eval_str=False).parameters:
            assert arg in doc, f"{name}: document argument {arg!r}"


def test_hook_calls_are_recorded_for_the_whole_suite_check() -> None:
    """Every hook must be CALLED by some test (not just named): hub.testing.hookcalls records
    real calls on every PluginHost and fails a whole-suite run that leaves a hook uncalled."""
    from hub.core.plugins import PluginHost
    from hub.testing import hookcalls

    class Plugin:
        @hub.hookimpl
        def order_imported(self, account: object, order: object, created: bool) -> None:
            pass

    hookcalls.CALLED.discard("order_imported")
    host = PluginHost()
    host._loaded = True
    host.register(Plugin(), name="probe", distribution="hub-probe", version="1")
    assert "order_imported" not in hookcalls.CALLED
    host.order_imported(account=None, order=None, created=True)
    assert "order_imported" in hookcalls.CALLED
    assert hookcalls.missing_hooks(set(hookdoc.hook_names())) == []
    assert "order_imported" in hookcalls.missing_hooks(set())
