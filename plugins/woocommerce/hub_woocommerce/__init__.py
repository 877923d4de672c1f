"""WooCommerce for hub: orders in; stock, prices and tracking out; webhooks; a local sandbox.

The plugin object registered under the ``hub.plugins`` entry point is the
module :mod:`hub_woocommerce.plugin`.
"""

__version__ = "0.1.0"
