"""hub-shopify: the Shopify plugin for hub (GraphQL Admin API).

The entry point ``hub.plugins: shopify`` is :mod:`hub_shopify.plugin`.
"""

__version__ = "0.1.0"
