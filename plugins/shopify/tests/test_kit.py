"""The conformance kit, run against the Shopify plugin and its sandbox."""

from hub.sandbox import SandboxOptions
from hub.testing.kit import PlatformKit


class TestShopifyKit(PlatformKit):
    platform = "shopify"
    sandbox_options = SandboxOptions(orders=40, seed=3)
