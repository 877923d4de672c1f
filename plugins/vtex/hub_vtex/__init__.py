"""VTEX for hub: orders in (Feed v3 or the order list); stock, prices, invoices and tracking out.

The plugin object registered under the ``hub.plugins`` entry point is the
module :mod:`hub_vtex.plugin`.
"""

__version__ = "0.1.0"
