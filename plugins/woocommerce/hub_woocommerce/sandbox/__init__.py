"""A local fake WooCommerce store for tests, benchmarks and ``hub demo``."""

from hub_woocommerce.sandbox.store import WooCommerceSandbox

__all__ = ["WooCommerceSandbox"]
