"""What the Mercado Libre plugin tells the core about itself: capabilities, settings, statuses.

Order statuses are composed (see :func:`hub_mercadolibre.order_mapping.compose_status`):
a paid sale reads ``paid/<shipment status>`` (``paid/ready_to_ship``,
``paid/handling``, ``paid/to_be_agreed`` when there is no Mercado Libre
shipment); any other sale reads its order status alone (``cancelled``,
``payment_required``...), so the excluded list can name it exactly.
"""

from __future__ import annotations

from hub import Capability, OrderState, PlatformInfo, SettingSpec
from hub_mercadolibre.sites import API_URL, SITES

NAME = "mercadolibre"
DISPLAY_NAME = "Mercado Libre"

ELIGIBLE_STATUSES = ["paid/ready_to_ship"]
EXCLUDED_STATUSES = ["cancelled", "invalid", "paid/cancelled"]

S = OrderState
ORDER_STATES: dict[str, OrderState] = {
    "confirmed": S.NEW, "payment_required": S.NEW, "payment_in_process": S.NEW,
    "partially_paid": S.NEW, "paid/to_be_agreed": S.READY, "paid/pending": S.READY,
    "paid/handling": S.READY, "paid/ready_to_ship": S.READY, "paid/shipped": S.SHIPPED,
    "paid/delivered": S.DELIVERED, "paid/cancelled": S.CANCELLED, "cancelled": S.CANCELLED,
}
"""Mercado Libre's composed statuses as hub states (``pending_cancel`` and
``paid/not_delivered`` are left alone: they may still go either way)."""
WRITES_STATES = [S.DELIVERED]
"""Only a delivery, and only on shipments the seller ships (ME1/custom): see
:mod:`hub_mercadolibre.states`."""

# Defaults of the settings the code reads (one place for code and schema).
DEFAULT_RATE = "10"
DEFAULT_CONCURRENCY = 8
DEFAULT_PROMOTION_DAYS = 14
DEFAULT_SELF_SHIPPING_READY = ["ready_to_ship"]

SETTINGS = [
    SettingSpec(name="site", required=True, choices=sorted(SITES),
                description="The seller's country site: AR, BR, MX, CO, CL, UY, PE, EC, VE, CR, "
                            "PA or DO. Picks the authorization host (auth.mercadolibre.com.ar, "
                            "auth.mercadolivre.com.br...) and the site's currency."),
    SettingSpec(name="client_id", required=True,
                description="The app's Client ID (App ID) from the Mercado Libre DevCenter."),
    SettingSpec(name="client_secret", secret=True, required=True,
                description="The app's Client Secret, from the DevCenter."),
    SettingSpec(name="base_url", kind="url", default=API_URL,
                description="The API host; change only to point the account at a sandbox."),
    SettingSpec(name="auth_base_url", kind="url",
                description="Override of the authorization host (e.g. a sandbox). Empty: the "
                            "site's own host."),
    SettingSpec(name="webhook_secret", secret=True, aliases=["notification_secret"],
                description="Optional shared secret notifications must carry in the "
                            "X-Hub-Notification-Secret header (Mercado Libre signs nothing and "
                            "cannot add headers: put it in the callback URL and have the proxy in "
                            "front of the hub copy it into the header)."),
    SettingSpec(name="search_hour_granularity", kind="bool", default="true",
                description="Round the order search's date bounds out to whole hours (lower "
                            "bound down, upper bound up): third-party reports say the date "
                            "filters ignore minutes. Off: send the exact bounds."),
    SettingSpec(name="self_shipping_ready_statuses", kind="list",
                default=",".join(DEFAULT_SELF_SHIPPING_READY),
                description="Shipment statuses that count as ready to ship for sales the seller "
                            "ships (ME1 and custom shipping), e.g. ready_to_ship,handling,pending; "
                            "such sales then read paid/ready_to_ship."),
    SettingSpec(name="mark_shipped", kind="bool", default="true",
                description="When writing a tracking number on an ME1/custom shipment, also set "
                            "its status to shipped."),
    SettingSpec(name="attach_invoice", kind="bool", default="true",
                description="Upload each invoice's authorised document (the NF-e XML) to the "
                            "sale (POST /packs/{id}/fiscal_documents) when invoices are pushed."),
    SettingSpec(name="promotion_days", kind="int", default=str(DEFAULT_PROMOTION_DAYS),
                description="Length of a promotional price (PRICE_DISCOUNT) whose end the hub "
                            "does not give; Mercado Libre requires an end date."),
    SettingSpec(name="requests_per_second", default=DEFAULT_RATE,
                description="Cap on requests per second for this account. Mercado Libre "
                            "publishes no numbers (the app's quota is per client_id, shared by "
                            "every seller); 429 answers are retried with jittered backoff."),
    SettingSpec(name="concurrency", kind="int", default=str(DEFAULT_CONCURRENCY),
                description="Requests in flight at once when reading carts, shipments and "
                            "items (the rate cap still applies)."),
    SettingSpec(name="listing_type", default="gold_special",
                choices=["free", "bronze", "silver", "gold", "gold_special", "gold_premium",
                         "gold_pro"],
                description="The listing type of items the products flow creates "
                            "(gold_special: Clásica, gold_pro: Premium)."),
]

INFO = PlatformInfo(
    name=NAME,
    display_name=DISPLAY_NAME,
    capabilities=[Capability.ORDERS, Capability.PRODUCTS, Capability.STOCK, Capability.PRICE,
                  Capability.TRACKING, Capability.WEBHOOKS, Capability.OAUTH, Capability.REVOKE,
                  Capability.TICKETS, Capability.PUBLISH],
    # no Capability.CONTACTS: buyers are not records a seller can create on Mercado Libre,
    # so the contacts flow cannot be switched on for a Mercado Libre account
    settings=SETTINGS,
    eligible_statuses=ELIGIBLE_STATUSES,
    excluded_statuses=EXCLUDED_STATUSES,
    order_states=ORDER_STATES,
    writes_states=WRITES_STATES,
    customer_match="platform_id",
    stock_batch_size=100,
    price_batch_size=100,
    read_ahead=4,  # the scan acknowledges nothing after a yield
    order_id_keys=["id", "pack_id"],
    reference_keys=["seller_id", "nickname", "user_id"],
)
