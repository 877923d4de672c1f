"""Render the hook reference (docs/plugins/hooks.md) from the hook specs.

The page is generated so it cannot drift: ``python -m hub.core.hookdoc >
docs/plugins/hooks.md`` rewrites it, and a test fails when the committed page
differs from what the specs say (a hook undocumented, or a signature changed).
"""

from __future__ import annotations

import inspect

from hub.core import hookspecs

HEADER = """# Hook reference

Generated from `hub/core/hookspecs.py` by `python -m hub.core.hookdoc`; do not edit by hand.
Platform hooks are dispatched to the account's platform plugin only; broadcast hooks to every
plugin. An implementation may take fewer arguments than the spec names.
"""


def hook_names() -> list[str]:
    """Every hook spec, in the order the specs module declares them."""
    names = [name for name, fn in vars(hookspecs).items()
             if inspect.isfunction(fn) and hasattr(fn, "hub_spec")]
    source = inspect.getsource(hookspecs)
    return sorted(names, key=lambda n: source.index(f"def {n}("))


def signature(name: str) -> str:
    fn = getattr(hookspecs, name)
    prefix = "async " if inspect.iscoroutinefunction(fn) else ""
    return f"{prefix}def {name}{inspect.signature(fn, eval_str=False)}".replace("'", "")


def render() -> str:
    parts = [HEADER]
    for name in hook_names():
        kind = "platform" if name in hookspecs.PLATFORM_HOOKS else \
            "description" if name == "platform_info" else "broadcast"
        doc = inspect.cleandoc(getattr(hookspecs, name).__doc__ or "")
        parts.append(f"## `{name}`\n\n*{kind} hook*\n\n```python\n{signature(name)}\n```\n\n{doc}\n")
    return "\n".join(parts)


if __name__ == "__main__":
    print(render(), end="")
