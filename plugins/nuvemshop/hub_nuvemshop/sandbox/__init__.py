"""A local fake Tiendanube/Nuvemshop store for tests, benchmarks and ``hub demo``."""

from hub_nuvemshop.sandbox.store import NuvemshopSandbox

__all__ = ["NuvemshopSandbox"]
