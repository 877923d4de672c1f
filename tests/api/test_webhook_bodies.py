"""Hostile bodies on every installed platform's webhook route get a 4xx, never a 5xx.

Unauthenticated senders reach these routes, so a body nested 100,000 levels
deep, one over the size limit, or one that is not UTF-8 is refused before a
plugin parses it (verification comes first where the platform signs bodies).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.core.api.inbound import MAX_BODY
from hub.core.plugins import get_host
from hub.core.sync.webhooks import MAX_DEPTH, json_depth
from hub.sandbox import SandboxOptions
from hub.testing.harness import SandboxHarness
from tests.api.conftest import call

PLATFORMS = sorted(get_host().platforms)
BODIES = {
    "nested arrays": b"[" * 100_000 + b"]" * 100_000,
    "nested objects": b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
    "unclosed nesting": b'{"Origin":' + b"[" * 100_000,
    "invalid utf-8": b'{"OrderId": "\xff\xfe\xfd", "topic": "orders"}',
    "huge": b'{"pad": "' + b"x" * (MAX_BODY + 1) + b'"}',
    "not json": b"\x00\x01 hello",
}


def test_the_depth_scan_ignores_brackets_inside_strings() -> None:
    assert json_depth(b'{"a": "[[[[{{{{", "b": [1, {"c": "\\"]]"}]}') == 3
    assert json_depth(b"[" * (MAX_DEPTH + 1)) == MAX_DEPTH + 1
    assert json_depth(b"") == 0


@pytest.mark.parametrize("platform", PLATFORMS)
def test_hostile_bodies_get_a_4xx_on_every_platform(platform: str, tmp_path: Path) -> None:
    with SandboxHarness(platform, tmp_path, SandboxOptions(orders=3, seed=1)) as h:
        answers = {}
        for name, body in BODIES.items():
            response = call(h.app, "POST", f"/webhooks/{platform}/main", content=body,
                            headers={"content-type": "application/json"})
            answers[name] = response.status_code
        assert all(400 <= code < 500 for code in answers.values()), answers
        assert answers["huge"] == 413
        assert answers["nested arrays"] in (400, 401) and answers["invalid utf-8"] in (400, 401)
