"""The conformance kit, run against the Tiendanube/Nuvemshop plugin and its sandbox."""

from hub.sandbox import SandboxOptions
from hub.testing.kit import PlatformKit


class TestNuvemshopKit(PlatformKit):
    platform = "nuvemshop"
    sandbox_options = SandboxOptions(orders=40, seed=5, currency="BRL")
    skips = {
        "test_expired_token_is_refreshed_and_the_import_goes_on":
            "Tiendanube access tokens do not expire; there is no token to refresh",
    }
