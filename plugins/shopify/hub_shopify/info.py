"""What the Shopify plugin tells the core about itself: statuses, capabilities and settings.

An order's canonical status is composed from three GraphQL fields (or their
REST/webhook twins): ``cancelled`` when ``cancelledAt`` is set, otherwise
``<financial>/<fulfillment>``, e.g. ``paid/unfulfilled``. The financial part is
``displayFinancialStatus`` in lower case; the fulfillment part collapses
``displayFulfillmentStatus`` to what REST's ``fulfillment_status`` can also say
(``unfulfilled``, ``partially_fulfilled``, ``fulfilled``, ``restocked``), so a
webhook body and a GraphQL node give the same status.
"""

from __future__ import annotations

from hub import Capability, OrderState, PlatformInfo, SettingSpec

NAME = "shopify"
DEFAULT_API_VERSION = "2026-07"
MAX_QUERY_COST = 1000
STOCK_BATCH = 250
PRICE_BATCH = 100

FINANCIAL_STATUSES = ("pending", "authorized", "partially_paid", "paid", "partially_refunded",
                      "refunded", "voided", "expired")
FULFILLMENT_STATUSES = ("unfulfilled", "partially_fulfilled", "fulfilled", "restocked")
CANCELLED = "cancelled"

# Seed 001: every order of the backfill except Fulfilled, Cancelled and Refunded; DESIGN
# rule 2: paid and ready to ship. A partially refunded order still has goods to ship.
ELIGIBLE_STATUSES = [f"{financial}/{fulfillment}" for financial in ("paid", "partially_refunded")
                     for fulfillment in ("unfulfilled", "partially_fulfilled")]
EXCLUDED_STATUSES = [CANCELLED] + [
    f"{financial}/{fulfillment}" for financial in FINANCIAL_STATUSES
    for fulfillment in FULFILLMENT_STATUSES
    if financial in ("refunded", "voided") or fulfillment in ("fulfilled", "restocked")]

DEFAULT_SCOPES = ("read_orders,read_products,write_products,read_inventory,write_inventory,"
                  "read_locations,read_merchant_managed_fulfillment_orders,"
                  "write_merchant_managed_fulfillment_orders")

# Paged, a full order costs ~80 query points (~1 order/s at the Standard plan's 100 points/s):
# anything reaching back more than a day, a backfill's most recent slice included, goes bulk.
BULK_THRESHOLD_DAYS = 1

SETTINGS = [
    SettingSpec(name="shop", required=True,
                description="The shop's myshopify subdomain or domain, e.g. 'acme' or "
                            "'acme.myshopify.com' (not a custom storefront domain)."),
    SettingSpec(name="base_url", kind="url",
                description="Override of https://{shop}.myshopify.com, for a sandbox "
                            "(e.g. http://127.0.0.1:8800)."),
    SettingSpec(name="api_version", default=DEFAULT_API_VERSION,
                description="GraphQL Admin API version (YYYY-MM) the plugin pins; queries and "
                            "mutations are written for 2026-07 and adapt to 2026-01/2026-04."),
    SettingSpec(name="access_token", secret=True, store_key=True,
                description="Admin API access token of a custom app (shpat_...). When set, "
                            "`hub accounts authorize` only verifies it; leave empty to use "
                            "OAuth with client_id/client_secret."),
    SettingSpec(name="client_id",
                description="The app's client id (API key), for OAuth."),
    SettingSpec(name="client_secret", secret=True,
                description="The app's client secret: signs the OAuth callback and every "
                            "webhook Shopify sends the app."),
    SettingSpec(name="webhook_secret", secret=True,
                description="Secret of webhooks created in the shop admin (Settings > "
                            "Notifications > Webhooks); default: client_secret."),
    SettingSpec(name="scopes", default=DEFAULT_SCOPES, kind="list",
                description="Access scopes requested by `hub accounts authorize`."),
    SettingSpec(name="expiring_tokens", kind="bool", default="true",
                description="Ask OAuth for an expiring offline token (1 h, refreshed with a "
                            "rotating refresh token); mandatory for public apps."),
    SettingSpec(name="location_id",
                description="Shopify location (numeric id or gid) that receives stock pushes; "
                            "empty: the shop's only active location."),
    SettingSpec(name="bulk_threshold_days", kind="int", default=str(BULK_THRESHOLD_DAYS),
                description="A fetch whose lower bound is more than this many days back runs "
                            "as a bulk operation instead of paging (-1: never)."),
    SettingSpec(name="bulk_poll_seconds", default="2",
                description="Seconds between polls of a running bulk operation."),
    SettingSpec(name="notify_customer", kind="bool", default="true",
                description="Let Shopify e-mail the buyer when tracking is pushed."),
    SettingSpec(name="refund_on_cancel", kind="bool", default="true",
                description="When the hub cancels an order (status flow), refund the buyer to the "
                            "original payment method, as Shopify's admin does; false: cancel only."),
    SettingSpec(name="currency",
                description="The shop's currency (ISO 4217); empty: read from the shop."),
]

S = OrderState


def _state(financial: str, fulfillment: str) -> OrderState:
    if financial in ("refunded", "voided") or fulfillment == "restocked":
        return S.CANCELLED
    if fulfillment == "fulfilled":
        return S.SHIPPED
    if financial in ("paid", "partially_refunded"):
        return S.READY
    return S.NEW


ORDER_STATES: dict[str, OrderState] = {
    CANCELLED: S.CANCELLED,
    **{f"{financial}/{fulfillment}": _state(financial, fulfillment)
       for financial in FINANCIAL_STATUSES for fulfillment in FULFILLMENT_STATUSES},
}
WRITES_STATES = [S.CANCELLED, S.DELIVERED]  # see hub_shopify.states


INFO = PlatformInfo(
    name=NAME,
    display_name="Shopify",
    capabilities=[Capability.ORDERS, Capability.PRODUCTS, Capability.STOCK, Capability.PRICE,
                  Capability.TRACKING, Capability.WEBHOOKS, Capability.OAUTH, Capability.REVOKE,
                  Capability.PUBLISH, Capability.CONTACTS],
    settings=SETTINGS,
    eligible_statuses=ELIGIBLE_STATUSES,
    excluded_statuses=EXCLUDED_STATUSES,
    customer_match="contact",
    stock_batch_size=STOCK_BATCH,
    price_batch_size=PRICE_BATCH,
    product_batch_size=10,  # aliased productSet mutations per request (hub_shopify.catalogue_out)
    order_id_keys=["id", "name"],
    reference_keys=["shop"],
    order_states=ORDER_STATES,
    writes_states=WRITES_STATES,
)
