"""The core's conformance kit (hub.testing.kit) run against the SkyHub plugin and its sandbox."""

from __future__ import annotations

import pytest

from hub.sandbox import SandboxOptions

kit = pytest.importorskip("hub.testing.kit", reason="the core's conformance kit is missing")


class TestSkyhubKit(kit.PlatformKit):
    platform = "skyhub"
    # The kit's hub runs in USD: the sandbox's account then declares USD (SkyHub sells in BRL).
    sandbox_options = SandboxOptions(orders=40, currency="USD")
