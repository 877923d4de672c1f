"""A local fake Shopify shop for tests, benchmarks and ``hub demo`` (GraphQL Admin API)."""

from hub_shopify.sandbox.shop import ShopifySandbox

__all__ = ["ShopifySandbox"]
