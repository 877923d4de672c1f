"""Tiendanube / Nuvemshop for hub: orders in; stock, prices and fulfilments out; webhooks; a sandbox.

The plugin object registered under the ``hub.plugins`` entry point is the
module :mod:`hub_nuvemshop.plugin`.
"""

__version__ = "0.1.0"
