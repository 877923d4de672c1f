"""The plugin as the core loads it: entry point, hook names, platform info."""

from __future__ import annotations

from importlib.metadata import entry_points

import pluggy

import hub
from hub.core import hookspecs
from hub_woocommerce import plugin


def test_the_entry_point_names_the_plugin_module() -> None:
    (point,) = [ep for ep in entry_points(group="hub.plugins") if ep.name == "woocommerce"]
    assert point.value == "hub_woocommerce.plugin"
    assert point.load() is plugin


def test_every_hook_matches_a_spec() -> None:
    manager = pluggy.PluginManager(hookspecs.PROJECT)
    manager.add_hookspecs(hookspecs)
    manager.register(plugin, name="woocommerce")
    manager.check_pending()  # raises for a misspelled hook or argument
    implemented = {caller.name for caller in manager.get_hookcallers(plugin) or []}
    # no refresh (keys do not expire); no revoke (WooCommerce offers no API to delete REST keys);
    # no tickets (WooCommerce has no buyer question or messaging API)
    assert implemented == ({"platform_info", *hookspecs.PLATFORM_HOOKS}
                           - {"refresh_credentials", "revoke_authorization"}
                           - hookspecs.CARRIER_HOOKS - hookspecs.TICKET_HOOKS)


def test_platform_info() -> None:
    info = plugin.platform_info()
    assert (info.name, info.display_name) == ("woocommerce", "WooCommerce")
    assert set(info.capabilities) == {hub.Capability.ORDERS, hub.Capability.PRODUCTS,
                                      hub.Capability.STOCK, hub.Capability.PRICE,
                                      hub.Capability.TRACKING, hub.Capability.WEBHOOKS,
                                      hub.Capability.PUBLISH, hub.Capability.CONTACTS}
    assert info.eligible_statuses == ["processing"]
    assert {"completed", "cancelled", "refunded", "failed", "trash"} <= set(info.excluded_statuses)
    assert info.secret_settings == {"consumer_key", "consumer_secret", "webhook_secret"}
    assert info.setting("base_url") is not None and info.setting("base_url").required
    auth_mode = info.setting("auth_mode")
    assert auth_mode is not None and auth_mode.choices == ["auto", "basic", "query", "oauth1"]
    assert all(spec.description for spec in info.settings)
    assert (info.stock_batch_size, info.price_batch_size) == (100, 100)
