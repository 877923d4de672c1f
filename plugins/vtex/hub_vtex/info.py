"""What the VTEX plugin tells the core about itself: capabilities, statuses and settings."""

from __future__ import annotations

from hub import Account, Capability, PlatformInfo, SettingSpec
from hub_vtex.states import ORDER_STATES, WRITES_STATES

NAME = "vtex"
DISPLAY_NAME = "VTEX"

# Ready to ship on VTEX is `ready-for-handling` (payment approved, cancellation window over).
ELIGIBLE_STATUSES = ["ready-for-handling"]
# Only `canceled` is excluded. The core gives an excluded order's reserved stock back when an
# imported order reaches that status; an `invoiced` order has shipped (its goods left the
# warehouse), so it must not release stock: it is simply not eligible for a first import.
EXCLUDED_STATUSES = ["canceled"]
# Statuses an imported order moves through that the hub follows (its state becomes handling or
# invoiced when the shop's admin or another system moves it); never eligible for a first import.
FOLLOWED_STATUSES = ["handling", "invoiced"]

ORDER_SOURCES = ["auto", "feed", "list"]

SETTINGS = [
    SettingSpec(name="account_name", required=True,
                description="The VTEX account name: the {account} in "
                            "https://{account}.vtexcommercestable.com.br."),
    SettingSpec(name="app_key", secret=True, required=True, store_key=True,
                description="App key (X-VTEX-API-AppKey) with the roles: List orders, "
                            "Feed v3 and Hook Admin, Notify invoice, Change order workflow status, "
                            "Logistics inventory, Modify prices, Catalog read. Use a key for the "
                            "hub alone: VTEX keeps one order feed per app key."),
    SettingSpec(name="app_token", secret=True, required=True, store_key=True,
                description="App token (X-VTEX-API-AppToken) paired with app_key."),
    SettingSpec(name="base_url", kind="url",
                description="Override of https://{account}.vtexcommercestable.com.br (a sandbox)."),
    SettingSpec(name="pricing_base_url", kind="url",
                description="Override of the Pricing API's https://api.vtex.com/{account}."),
    SettingSpec(name="order_source", choices=ORDER_SOURCES, default="auto",
                description="Where orders come from: feed = Feed v3 events; list = the order list "
                            "by creation date; auto = the list for backfills, re-imports and "
                            "gaps over 6 hours, the feed for incremental runs once it is set up."),
    SettingSpec(name="warehouse_id",
                description="Logistics warehouse id whose inventory stock pushes set "
                            "(required for stock pushes)."),
    SettingSpec(name="lead_time",
                description="Lead time sent with every inventory update (d.hh:mm:ss, e.g. "
                            "00:00:00). Empty: only the quantity is updated, the warehouse's lead time "
                            "stays as it is."),
    SettingSpec(name="price_table", default="1",
                description="Price table (trade policy) that holds promotional and scheduled "
                            "prices as fixed prices."),
    SettingSpec(name="start_handling", kind="bool", default="false",
                description="Move each newly imported order to `handling` on VTEX "
                            "(POST .../start-handling), as VTEX's ERP guide recommends."),
    SettingSpec(name="hook_url", kind="url",
                description="Public URL of the hub's webhook endpoint for this account "
                            "(https://HUB/webhooks/vtex/ACCOUNT); `hub accounts authorize` "
                            "configures VTEX's order hook to call it."),
    SettingSpec(name="webhook_secret", secret=True, aliases=["hook_secret"],
                description="Secret VTEX sends in the hook header; notifications without it "
                            "are rejected."),
    SettingSpec(name="hook_header", default="X-Hub-Secret",
                description="Name of the header that carries webhook_secret."),
    SettingSpec(name="list_lookback_days", kind="int", default="7",
                description="Order-list incremental runs also look this many days back for "
                            "orders that became ready to ship after creation (late payments)."),
]

INFO = PlatformInfo(
    name=NAME,
    display_name=DISPLAY_NAME,
    capabilities=[Capability.ORDERS, Capability.PRODUCTS, Capability.STOCK, Capability.PRICE,
                  Capability.TRACKING, Capability.WEBHOOKS, Capability.PUBLISH],
    # no Capability.CONTACTS: VTEX keeps buyers in Master Data, not as store customers the
    # hub could create, so the contacts flow cannot be switched on for a VTEX account
    settings=SETTINGS,
    eligible_statuses=ELIGIBLE_STATUSES,
    excluded_statuses=EXCLUDED_STATUSES,
    customer_match="contact",
    stock_batch_size=100,
    price_batch_size=50,
    order_id_keys=["orderId", "id"],
    order_states=ORDER_STATES,
    writes_states=WRITES_STATES,
)


def watched_statuses(account: Account) -> list[str]:
    """Statuses the feed and the hook report: the eligible ones (new orders), the excluded
    ones (an imported order's cancellation must reach the hub so its stock is given back) and
    the followed ones (an imported order's handling and invoicing move its state)."""
    found: list[str] = []
    for status in [*account.setting_list("eligible_statuses", ELIGIBLE_STATUSES),
                   *account.setting_list("excluded_statuses", EXCLUDED_STATUSES),
                   *FOLLOWED_STATUSES]:
        if status not in found:
            found.append(status)
    return found
