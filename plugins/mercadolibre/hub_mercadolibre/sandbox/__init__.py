"""A local fake of the Mercado Libre API for tests, benchmarks and ``hub demo``."""

from hub_mercadolibre.sandbox.store import MercadoLibreSandbox

__all__ = ["MercadoLibreSandbox"]
