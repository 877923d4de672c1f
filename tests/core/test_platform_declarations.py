"""What used to be platform knowledge in the core is now declared by each plugin."""

from __future__ import annotations

from typing import Any

from hub.auth import Callback
from hub.core.oauth import callback_state
from hub.core.sync.orders import _payload_key
from hub.types import Capability, PlatformInfo


def test_quarantine_key_comes_from_the_plugins_order_id_keys() -> None:
    payload: dict[str, Any] = {"orderId": "v-1001", "name": "#1001"}
    assert _payload_key(payload) == "?"  # the core guesses no platform's field names
    assert _payload_key(payload, ["orderId", "id"]) == "v-1001"
    assert PlatformInfo(name="x", display_name="X", capabilities=[Capability.ORDERS]).order_id_keys == ["id"]


def test_callback_state_is_only_the_state_the_hub_sent() -> None:
    assert callback_state(Callback(params={"state": "s-1"})) == "s-1"
    assert callback_state(Callback(body={"state": "s-2"})) == "s-2"
    # WooCommerce's user_id is no longer read by the core: its plugin puts the state in the URL
    assert callback_state(Callback(body={"user_id": "s-3"})) == ""


def test_plugins_declare_their_reference_and_order_id_keys() -> None:
    from hub_mercadolibre.info import INFO as MELI
    from hub_shopify.info import INFO as SHOPIFY
    from hub_vtex.info import INFO as VTEX
    from hub_woocommerce.info import INFO as WOO

    assert VTEX.order_id_keys[0] == "orderId" and "pack_id" in MELI.order_id_keys
    assert "seller_id" in MELI.reference_keys and "shop" in SHOPIFY.reference_keys
    assert "store" in WOO.reference_keys
