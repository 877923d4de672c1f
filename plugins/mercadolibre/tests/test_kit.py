"""The conformance kit, run against the Mercado Libre plugin and its sandbox."""

from hub.sandbox import SandboxOptions
from hub.testing.kit import PlatformKit


class TestMercadoLibreKit(PlatformKit):
    platform = "mercadolibre"
    sandbox_options = SandboxOptions(orders=40, seed=3, currency="USD")
