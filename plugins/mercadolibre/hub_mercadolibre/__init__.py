"""Mercado Libre for hub: sales in; stock, prices, promotions, tracking and invoices out.

The plugin object registered under the ``hub.plugins`` entry point is the
module :mod:`hub_mercadolibre.plugin`.
"""

__version__ = "0.1.0"
