"""What the WooCommerce plugin tells the core about itself: capabilities and settings."""

from __future__ import annotations

from hub import Capability, PlatformInfo, SettingSpec
from hub_woocommerce.states import ORDER_STATES, WRITES_STATES

NAME = "woocommerce"

ELIGIBLE_STATUSES = ["processing"]
EXCLUDED_STATUSES = ["completed", "cancelled", "refunded", "failed", "trash", "pending",
                     "on-hold", "checkout-draft"]

DEFAULT_CONCURRENCY = 4  # pages of an order listing requested at once

SETTINGS = [
    SettingSpec(name="base_url", kind="url", required=True,
                description="The store's URL, e.g. https://shop.example.com (the REST API "
                            "lives under /wp-json/wc/v3)."),
    # Not `required`: left empty, `hub accounts authorize` gets keys from the store
    # (app-authorization flow) and stores them as credentials.
    SettingSpec(name="consumer_key", secret=True, store_key=True,
                description="REST API consumer key (ck_...) with Read/Write permission, from "
                            "WooCommerce > Settings > Advanced > REST API; leave empty to get "
                            "keys with `hub accounts authorize`."),
    SettingSpec(name="consumer_secret", secret=True, store_key=True,
                description="REST API consumer secret (cs_...), paired with consumer_key."),
    SettingSpec(name="webhook_secret", secret=True,
                description="The secret set on the store's webhooks; incoming deliveries "
                            "whose X-WC-Webhook-Signature does not match are rejected."),
    SettingSpec(name="auth_mode", default="auto", choices=["auto", "basic", "query", "oauth1"],
                description="How requests authenticate: auto = HTTP Basic over https and "
                            "OAuth 1.0a signatures over plain http (as WooCommerce requires); "
                            "query = keys as query parameters, for servers that drop the "
                            "Authorization header."),
    SettingSpec(name="shipment_tracking", kind="bool", default="false",
                description="Also add tracking numbers through the Shipment Tracking "
                            "extension (/wp-json/wc-shipment-tracking/v3)."),
    SettingSpec(name="currency",
                description="The store's currency (ISO 4217). Empty: read from the store "
                            "(/wp-json/wc/v3/data/currencies/current)."),
    SettingSpec(name="concurrency", kind="int", default=str(DEFAULT_CONCURRENCY),
                description="Pages of an order listing requested at once during an import "
                            "(1: one after the other, for a host that cannot take more)."),
    SettingSpec(name="requests_per_second", kind="str",
                description="Cap on requests per second to the store (WooCommerce has no API "
                            "limit of its own; hosts and firewalls may). Empty: no cap."),
]

INFO = PlatformInfo(
    name=NAME,
    display_name="WooCommerce",
    capabilities=[Capability.ORDERS, Capability.PRODUCTS, Capability.STOCK, Capability.PRICE,
                  Capability.TRACKING, Capability.WEBHOOKS, Capability.PUBLISH,
                  Capability.CONTACTS],
    settings=SETTINGS,
    eligible_statuses=ELIGIBLE_STATUSES,
    excluded_statuses=EXCLUDED_STATUSES,
    customer_match="contact",
    stock_batch_size=100,
    price_batch_size=100,
    product_batch_size=100,  # products/batch takes 100 creates and updates together
    read_ahead=4,  # the scan acknowledges nothing after a yield
    order_id_keys=["id", "number"],
    reference_keys=["store", "user_id"],
    order_states=ORDER_STATES,
    writes_states=WRITES_STATES,
)
