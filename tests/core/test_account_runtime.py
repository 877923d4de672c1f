"""What plugins read once per account lives in the account's runtime, not in module globals."""

from __future__ import annotations

import hub


def test_memo_is_per_account_runtime() -> None:
    one, two = hub.Account(name="one", platform="p"), hub.Account(name="two", platform="p")
    one.runtime.memo("plugin")["currency"] = "USD"
    assert one.runtime.memo("plugin") == {"currency": "USD"}
    assert two.runtime.memo("plugin") == {}


def test_no_plugin_module_keeps_a_client_keyed_cache_in_shopify_or_woocommerce() -> None:
    import hub_shopify.client
    import hub_woocommerce.client

    for module in (hub_shopify.client, hub_woocommerce.client):
        assert not hasattr(module, "_memo")
