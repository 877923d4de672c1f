"""The conformance kit, run against the WooCommerce plugin and its sandbox."""

from hub.sandbox import SandboxOptions
from hub.testing.kit import PlatformKit


class TestWooCommerceKit(PlatformKit):
    platform = "woocommerce"
    sandbox_options = SandboxOptions(orders=40, seed=3)
    skips = {
        "test_expired_token_is_refreshed_and_the_import_goes_on":
            "WooCommerce keys do not expire; there is no token to refresh",
    }
