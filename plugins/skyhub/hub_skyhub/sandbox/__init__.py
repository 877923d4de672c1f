"""A local fake SkyHub account for tests, benchmarks and ``hub demo``."""

from hub_skyhub.sandbox.store import SkyhubSandbox

__all__ = ["SkyhubSandbox"]
