"""Americanas Marketplace (SkyHub API) for hub: orders in through the order queue; stock,
prices, invoices, tracking, delivery and cancellation out.

The plugin object registered under the ``hub.plugins`` entry point is the module
:mod:`hub_skyhub.plugin`.
"""

__version__ = "0.1.0"
