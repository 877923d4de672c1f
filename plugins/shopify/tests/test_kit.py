"""The conformance kit, run against the Shopify plugin and its sandbox."""

from hub.sandbox import SandboxOptions
from hub.testing.kit import PlatformKit


class TestShopifyKit(PlatformKit):
    platform = "shopify"
    # the cost bucket is exercised by the plugin's own tests; here it would only add waiting
    sandbox_options = SandboxOptions(orders=40, seed=3, enforce_rate_limit=False)
