"""Docs, specs and tests stay in step: every hook documented with its exact signature and tested."""

from __future__ import annotations

import re
from pathlib import Path

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


def test_every_hook_is_exercised_by_a_test() -> None:
    """A hook no test calls is a hook nobody knows works."""
    tests = "\n".join(p.read_text() for p in (ROOT / "tests").rglob("*.py"))
    tests += "\n".join(p.read_text() for p in (ROOT / "hub" / "testing").rglob("*.py"))
    for name in hookdoc.hook_names():
        assert re.search(rf"\b{name}\b", tests), f"no test mentions hook {name}"
