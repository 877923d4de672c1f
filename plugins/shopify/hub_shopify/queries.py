"""The GraphQL documents the plugin sends (API version 2026-07 field names).

Orders select what the canonical order needs and nothing else, because every
object selected costs a point per order and the page size is what the 1,000
point single-query limit leaves (:func:`hub_shopify.cost.largest_first`).
Money is read in the shop's currency (``shopMoney``); the ``current*`` totals
include order edits and refunds.
"""

from __future__ import annotations

import json

MONEY = "shopMoney { amount currencyCode }"
ADDRESS = ("firstName lastName name company address1 address2 city province provinceCode zip "
           "country countryCodeV2 phone")
ORDER_FIELDS = f"""
    id legacyResourceId name createdAt updatedAt cancelledAt
    displayFinancialStatus displayFulfillmentStatus currencyCode email phone
    customer {{ id firstName lastName defaultEmailAddress {{ emailAddress }}
               defaultPhoneNumber {{ phoneNumber }} }}
    shippingAddress {{ {ADDRESS} }}
    billingAddress {{ {ADDRESS} }}
    shippingLine {{ title }}
    currentSubtotalPriceSet {{ {MONEY} }}
    currentTotalDiscountsSet {{ {MONEY} }}
    currentTotalTaxSet {{ {MONEY} }}
    currentTotalPriceSet {{ {MONEY} }}
    currentShippingPriceSet {{ {MONEY} }}
"""
LINE_FIELDS = f"""
    id sku name title variantTitle quantity currentQuantity
    variant {{ id }} product {{ id }}
    originalUnitPriceSet {{ {MONEY} }} totalDiscountSet {{ {MONEY} }}
"""
PAGE_INFO = "pageInfo { hasNextPage endCursor }"

ORDERS = f"""
query Orders($first: Int!, $after: String, $query: String, $lines: Int!) {{
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {{
    {PAGE_INFO}
    nodes {{ {ORDER_FIELDS}
      lineItems(first: $lines) {{ {PAGE_INFO} nodes {{ {LINE_FIELDS} }} }}
    }}
  }}
}}"""

ORDER = f"""
query Order($id: ID!, $lines: Int!) {{
  order(id: $id) {{ {ORDER_FIELDS}
    lineItems(first: $lines) {{ {PAGE_INFO} nodes {{ {LINE_FIELDS} }} }}
  }}
}}"""

ORDER_LINES = f"""
query OrderLines($id: ID!, $first: Int!, $after: String) {{
  order(id: $id) {{
    lineItems(first: $first, after: $after) {{ {PAGE_INFO} nodes {{ {LINE_FIELDS} }} }}
  }}
}}"""

SHOP = "query Shop { shop { name myshopifyDomain currencyCode } }"

BULK_RUN = """
mutation BulkRun($query: String!) {
  bulkOperationRunQuery(query: $query) {
    bulkOperation { id status createdAt }
    userErrors { field message code }
  }
}"""

BULK_POLL = """
query BulkPoll($id: ID!) {
  node(id: $id) {
    ... on BulkOperation { id status errorCode createdAt completedAt objectCount url partialDataUrl }
  }
}"""

BULK_CURRENT = """
query BulkCurrent {
  currentBulkOperation(type: QUERY) { id status errorCode createdAt query }
}"""

BULK_CANCEL = """
mutation BulkCancel($id: ID!) {
  bulkOperationCancel(id: $id) {
    bulkOperation { id status }
    userErrors { field message }
  }
}"""


def bulk_orders(search: str) -> str:
    """The bulk query exporting every order matching ``search``, with all its line items."""
    return f"""{{
  orders(query: {json.dumps(search)}, sortKey: UPDATED_AT) {{
    edges {{ node {{ {ORDER_FIELDS}
      lineItems {{ edges {{ node {{ {LINE_FIELDS} }} }} }}
    }} }}
  }}
}}"""


PRODUCT_FIELDS = ("id legacyResourceId title description productType vendor status updatedAt "
                  "category { name }")
VARIANT_FIELDS = ("id legacyResourceId title sku barcode price compareAtPrice inventoryQuantity "
                  "inventoryItem { id tracked }")

PRODUCTS = f"""
query Products($first: Int!, $after: String, $variants: Int!) {{
  products(first: $first, after: $after, sortKey: ID) {{
    {PAGE_INFO}
    nodes {{ {PRODUCT_FIELDS}
      variants(first: $variants) {{ {PAGE_INFO} nodes {{ {VARIANT_FIELDS} }} }}
    }}
  }}
}}"""

PRODUCTS_BY_ID = f"""
query ProductsById($ids: [ID!]!, $variants: Int!) {{
  nodes(ids: $ids) {{
    ... on Product {{ {PRODUCT_FIELDS}
      variants(first: $variants) {{ {PAGE_INFO} nodes {{ {VARIANT_FIELDS} }} }}
    }}
  }}
}}"""

PRODUCT_VARIANTS = f"""
query ProductVariants($id: ID!, $first: Int!, $after: String) {{
  product(id: $id) {{
    variants(first: $first, after: $after) {{ {PAGE_INFO} nodes {{ {VARIANT_FIELDS} }} }}
  }}
}}"""

CURRENCY = "query Currency { shop { currencyCode } }"

LOCATIONS = """
query Locations {
  locations(first: 5, query: "active:true") { nodes { id name isActive } }
}"""

VARIANT_ITEMS = """
query VariantItems($ids: [ID!]!) {
  nodes(ids: $ids) { ... on ProductVariant { id product { id } inventoryItem { id tracked } } }
}"""

ITEM_LEVELS = """
query ItemLevels($ids: [ID!]!, $location: ID!) {
  nodes(ids: $ids) {
    ... on InventoryItem {
      id inventoryLevel(locationId: $location) { quantities(names: ["available"]) { name quantity } }
    }
  }
}"""

_SET_QUANTITIES_RESULT = """
    inventoryAdjustmentGroup { id reason changes { name delta quantityAfterChange item { id } } }
    userErrors { field message code }"""

SET_QUANTITIES = f"""
mutation SetQuantities($input: InventorySetQuantitiesInput!, $key: String!) {{
  inventorySetQuantities(input: $input) @idempotent(key: $key) {{ {_SET_QUANTITIES_RESULT} }}
}}"""

SET_QUANTITIES_LEGACY = f"""
mutation SetQuantities($input: InventorySetQuantitiesInput!) {{
  inventorySetQuantities(input: $input) {{ {_SET_QUANTITIES_RESULT} }}
}}"""

VARIANTS_BULK_UPDATE = """
mutation VariantsBulkUpdate($productId: ID!, $variants: [ProductVariantsBulkInput!]!) {
  productVariantsBulkUpdate(productId: $productId, variants: $variants) {
    productVariants { id price compareAtPrice }
    userErrors { field message code }
  }
}"""

TRACKING = "trackingInfo(first: 5) { company number url }"

ORDER_FULFILLMENT = f"""
query OrderFulfillment($id: ID!) {{
  order(id: $id) {{
    id cancelledAt displayFulfillmentStatus
    fulfillments(first: 10) {{ id status createdAt {TRACKING} }}
    fulfillmentOrders(first: 5) {{
      nodes {{
        id status supportedActions {{ action }}
        lineItems(first: 30) {{ nodes {{ id remainingQuantity lineItem {{ id sku }} }} }}
      }}
    }}
  }}
}}"""

FULFILLMENT_CREATE = f"""
mutation FulfillmentCreate($fulfillment: FulfillmentInput!) {{
  fulfillmentCreate(fulfillment: $fulfillment) {{
    fulfillment {{ id status {TRACKING} }}
    userErrors {{ field message }}
  }}
}}"""

TRACKING_UPDATE = f"""
mutation TrackingUpdate($id: ID!, $tracking: FulfillmentTrackingInput!, $notify: Boolean) {{
  fulfillmentTrackingInfoUpdate(fulfillmentId: $id, trackingInfoInput: $tracking,
                                notifyCustomer: $notify) {{
    fulfillment {{ id {TRACKING} }}
    userErrors {{ field message }}
  }}
}}"""

# ---- order lifecycle: the status flow ----
ORDER_STATE = """
query OrderState($id: ID!) {
  order(id: $id) {
    id cancelledAt displayFulfillmentStatus
    fulfillments(first: 10) { id status displayStatus createdAt }
  }
}"""

ORDER_CANCEL = """
mutation OrderCancel($id: ID!, $reason: OrderCancelReason!, $note: String,
                    $refundMethod: OrderCancelRefundMethodInput!) {
  orderCancel(orderId: $id, reason: $reason, restock: false, notifyCustomer: true,
              refundMethod: $refundMethod, staffNote: $note) {
    job { id done }
    orderCancelUserErrors { field message code }
  }
}"""

FULFILLMENT_EVENT = """
mutation FulfillmentEvent($event: FulfillmentEventInput!) {
  fulfillmentEventCreate(fulfillmentEvent: $event) {
    fulfillmentEvent { id status }
    userErrors { field message }
  }
}"""
