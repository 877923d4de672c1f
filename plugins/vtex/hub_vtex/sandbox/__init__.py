"""A local fake VTEX account for tests, benchmarks and ``hub demo``."""

from hub_vtex.sandbox.store import VtexSandbox

__all__ = ["VtexSandbox"]
