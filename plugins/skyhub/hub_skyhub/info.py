"""What the SkyHub plugin tells the core about itself: capabilities, statuses and settings.

Order statuses are SkyHub's standard codes (``status.code`` of an order; a seller may define
others in the SkyHub panel, which the account's ``eligible_statuses`` can name):

========================  ===========  =========================================
code                      type         hub state
========================  ===========  =========================================
``book_product``          NEW          new (payment pending)
``waiting_payment``       NEW          new
``payment_received``      APPROVED     ready: the one status eligible for import
``order_invoiced``        INVOICED     invoiced
``order_shipped``         SHIPPED      shipped
``complete``              DELIVERED    delivered
``order_canceled``        CANCELED     cancelled (excluded: reserved stock given back)
``returned``              RETURNED     returned
========================  ===========  =========================================
"""

from __future__ import annotations

from hub import Capability, OrderState, PlatformInfo, SettingSpec

NAME = "skyhub"
DISPLAY_NAME = "Americanas Marketplace (SkyHub)"
DEFAULT_BASE_URL = "https://api.skyhub.com.br"
# The X-Accountmanager-Key identifies the integrating platform (the hub) to SkyHub; SkyHub issues
# it to a platform when its integration is homologated. This default names the hub until one is
# issued; an admin integrating through a platform of their own sets theirs (the setting).
DEFAULT_ACCOUNTMANAGER_KEY = "commerce-hub-skyhub"

APPROVED = "payment_received"
INVOICED = "order_invoiced"
SHIPPED = "order_shipped"
DELIVERED = "complete"
CANCELED = "order_canceled"

ELIGIBLE_STATUSES = [APPROVED]
EXCLUDED_STATUSES = [CANCELED]

ORDER_STATES: dict[str, OrderState] = {
    "book_product": OrderState.NEW,
    "waiting_payment": OrderState.NEW,
    APPROVED: OrderState.READY,
    INVOICED: OrderState.INVOICED,
    SHIPPED: OrderState.SHIPPED,
    DELIVERED: OrderState.DELIVERED,
    CANCELED: OrderState.CANCELLED,
    "returned": OrderState.RETURNED,
}
# SkyHub's order updates: POST /orders/{code}/delivery and /cancel (invoice and shipment go
# through push_invoice and push_tracking)
WRITES_STATES = [OrderState.DELIVERED, OrderState.CANCELLED]

ORDER_SOURCES = ["auto", "queue", "list"]

SETTINGS = [
    SettingSpec(name="user_email", required=True,
                description="The e-mail of the SkyHub user the hub acts as (X-User-Email)."),
    SettingSpec(name="api_key", secret=True, required=True, store_key=True,
                description="The account's integration token from the SkyHub panel (X-Api-Key)."),
    SettingSpec(name="accountmanager_key", secret=True, default=DEFAULT_ACCOUNTMANAGER_KEY,
                description="The integrating platform's key (X-Accountmanager-Key). SkyHub issues "
                            "one per platform/ERP; the default is the hub's. Set your own when "
                            "you integrate through a platform of your own."),
    SettingSpec(name="base_url", kind="url", default=DEFAULT_BASE_URL,
                description="Override of https://api.skyhub.com.br (a sandbox)."),
    SettingSpec(name="currency", default="BRL",
                description="The currency of the account's amounts. SkyHub's orders and prices "
                            "carry none: Americanas Marketplace sells in reais (BRL); change it "
                            "only for a sandbox."),
    SettingSpec(name="backfill_slice_days", kind="int", default="0",
                description="The core's backfill slices, here off by default: SkyHub's order "
                            "list filters by whole days and serves one page a second, so one "
                            "listing of the (few) approved orders costs the fewest requests. Set "
                            "7 when a backfill holds over 10,000 orders (SkyHub serves no page "
                            "past the 10,000th record)."),
    SettingSpec(name="order_source", choices=ORDER_SOURCES, default="auto",
                description="Where orders come from: queue = the order queue (/queues/orders), "
                            "each order acknowledged after the hub committed it; list = the "
                            "order list by creation date; auto = the list for backfills, "
                            "re-imports and gaps over 6 hours, the queue otherwise."),
]

INFO = PlatformInfo(
    name=NAME,
    display_name=DISPLAY_NAME,
    capabilities=[Capability.ORDERS, Capability.PRODUCTS, Capability.STOCK, Capability.PRICE,
                  Capability.TRACKING, Capability.PUBLISH, Capability.TICKETS],
    settings=SETTINGS,
    eligible_statuses=ELIGIBLE_STATUSES,
    excluded_statuses=EXCLUDED_STATUSES,
    customer_match="contact",
    stock_batch_size=50,
    price_batch_size=50,
    order_id_keys=["code"],
    order_states=ORDER_STATES,
    writes_states=WRITES_STATES,
)
