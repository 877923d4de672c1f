"""The core's conformance kit (hub.testing.kit) run against the VTEX plugin and its sandbox."""

from __future__ import annotations

import pytest

from hub.sandbox import SandboxOptions

kit = pytest.importorskip("hub.testing.kit", reason="the core's conformance kit is missing")


class TestVtexKit(kit.PlatformKit):
    platform = "vtex"
    # The kit's hub runs in USD: make the sandbox a USD store (its other trade policy is BRL).
    sandbox_options = SandboxOptions(orders=30, currency="USD")
