"""What the Tiendanube/Nuvemshop plugin tells the core about itself: capabilities and settings."""

from __future__ import annotations

from hub import Capability, PlatformInfo, SettingSpec
from hub_nuvemshop.states import ORDER_STATES, WRITES_STATES

NAME = "nuvemshop"

API_URL = "https://api.tiendanube.com/v1"
AUTH_URL = "https://www.tiendanube.com"

#: the hub's status of an order (see :func:`hub_nuvemshop.mapping.hub_status`)
ELIGIBLE_STATUSES = ["paid"]
EXCLUDED_STATUSES = ["pending", "authorized", "abandoned", "voided", "refunded", "cancelled",
                     "packed", "fulfilled", "closed"]

RATE = 2.0     # requests a second the bucket leaks (the documented default)
BUCKET = 40.0  # the bucket's size

SETTINGS = [
    SettingSpec(name="user_agent", required=True,
                description="Your app's name and a contact, e.g. 'Acme ERP (ops@acme.example)': "
                            "Tiendanube refuses a request without a User-Agent naming the app "
                            "and a way to reach its makers."),
    SettingSpec(name="store_id",
                description="The store's id (the `user_id` of the token answer). Set by "
                            "`hub accounts authorize`; set it yourself with a direct access_token."),
    SettingSpec(name="access_token", secret=True, store_key=True,
                description="A direct access token for the store (from the app's admin); leave "
                            "empty to authorize through the app with `hub accounts authorize`."),
    SettingSpec(name="client_id",
                description="The app's id (the number in https://www.tiendanube.com/apps/ID/authorize)."),
    SettingSpec(name="client_secret", secret=True,
                description="The app's secret: exchanges the authorization code and signs "
                            "webhooks (X-Linkedstore-Hmac-Sha256)."),
    SettingSpec(name="base_url", kind="url", default=API_URL,
                description="The API's base, before the store id (https://api.nuvemshop.com.br/v1 "
                            "works too)."),
    SettingSpec(name="auth_base_url", kind="url", default=AUTH_URL,
                description="Where the app authorization and token exchange live "
                            "(https://www.nuvemshop.com.br works too)."),
    SettingSpec(name="requests_per_second", kind="str", default=str(RATE),
                description="Starting rate of requests a second; the hub then follows the "
                            "store's x-rate-limit-* headers (a Next/Evolution store's larger bucket "
                            "is picked up by itself)."),
    SettingSpec(name="currency",
                description="The store's currency (ISO 4217); empty: read from the store."),
]

INFO = PlatformInfo(
    name=NAME,
    display_name="Tiendanube / Nuvemshop",
    capabilities=[Capability.ORDERS, Capability.PRODUCTS, Capability.STOCK, Capability.PRICE,
                  Capability.TRACKING, Capability.WEBHOOKS, Capability.PUBLISH,
                  Capability.CONTACTS],
    settings=SETTINGS,
    eligible_statuses=ELIGIBLE_STATUSES,
    excluded_statuses=EXCLUDED_STATUSES,
    customer_match="contact",
    stock_batch_size=50,
    price_batch_size=50,
    read_ahead=4,  # the scan acknowledges nothing after a yield
    order_id_keys=["id", "number"],
    reference_keys=["store_id", "user_id"],
    order_states=ORDER_STATES,
    writes_states=WRITES_STATES,
)
