"""The sandbox's GraphQL schema: the slice of Shopify's Admin API the plugin uses.

Names, types and nullability follow the Admin API reference for 2026-07. Two
variants are built: from 2026-04 on, ``InventoryQuantityInput`` takes
``changeFromQuantity`` and the ``@idempotent(key:)`` directive exists (the
resolvers make both mandatory where Shopify does); before, the input takes
``compareQuantity`` and ``ignoreCompareQuantity``.
"""

from __future__ import annotations

from functools import cache

from graphql import GraphQLSchema, build_schema

CURRENCIES = ("USD", "EUR", "CAD", "GBP", "BRL", "MXN", "AUD", "JPY", "ARS", "CLP", "COP", "PEN",
              "UYU", "CHF")
COUNTRIES = ("US", "CA", "GB", "DE", "FR", "BR", "MX", "AU", "JP", "ES")

_COMMON = """
scalar DateTime
scalar Decimal
scalar Money
scalar URL
scalar UnsignedInt64

enum CurrencyCode { %(currencies)s }
enum CountryCode { %(countries)s }
enum OrderSortKeys { CREATED_AT UPDATED_AT ID PROCESSED_AT TOTAL_PRICE }
enum ProductSortKeys { ID TITLE UPDATED_AT CREATED_AT }
enum OrderDisplayFinancialStatus {
  PENDING AUTHORIZED PARTIALLY_PAID PAID PARTIALLY_REFUNDED REFUNDED VOIDED EXPIRED
}
enum OrderDisplayFulfillmentStatus {
  UNFULFILLED PARTIALLY_FULFILLED FULFILLED RESTOCKED PENDING_FULFILLMENT OPEN IN_PROGRESS
  ON_HOLD SCHEDULED REQUEST_DECLINED
}
enum ProductStatus { ACTIVE ARCHIVED DRAFT UNLISTED }
enum FulfillmentOrderStatus { OPEN IN_PROGRESS CANCELLED INCOMPLETE CLOSED SCHEDULED ON_HOLD }
enum FulfillmentOrderAction {
  CREATE_FULFILLMENT REQUEST_FULFILLMENT CANCEL_FULFILLMENT_ORDER REQUEST_CANCELLATION MOVE HOLD
  RELEASE_HOLD MARK_AS_OPEN SPLIT MERGE EXTERNAL
}
enum FulfillmentStatus { SUCCESS CANCELLED ERROR FAILURE OPEN PENDING }
enum BulkOperationStatus { CREATED RUNNING COMPLETED FAILED CANCELING CANCELED EXPIRED }
enum BulkOperationErrorCode { ACCESS_DENIED INTERNAL_SERVER_ERROR TIMEOUT }
enum BulkOperationType { QUERY MUTATION }
enum BulkOperationUserErrorCode { INVALID OPERATION_IN_PROGRESS LIMIT_REACHED }

interface Node { id: ID! }

type PageInfo {
  hasNextPage: Boolean!
  hasPreviousPage: Boolean!
  startCursor: String
  endCursor: String
}

type Shop implements Node {
  id: ID!
  name: String!
  myshopifyDomain: String!
  currencyCode: CurrencyCode!
  ianaTimezone: String!
}

type MoneyV2 { amount: Decimal! currencyCode: CurrencyCode! }
type MoneyBag { shopMoney: MoneyV2! presentmentMoney: MoneyV2! }

type MailingAddress {
  firstName: String
  lastName: String
  name: String
  company: String
  address1: String
  address2: String
  city: String
  province: String
  provinceCode: String
  zip: String
  country: String
  countryCodeV2: CountryCode
  phone: String
}

type CustomerEmailAddress { emailAddress: String }
type CustomerPhoneNumber { phoneNumber: String! }

type Customer implements Node {
  id: ID!
  legacyResourceId: UnsignedInt64!
  firstName: String
  lastName: String
  displayName: String!
  defaultEmailAddress: CustomerEmailAddress
  defaultPhoneNumber: CustomerPhoneNumber
}

type ShippingLine { id: ID title: String! code: String originalPriceSet: MoneyBag! }

type Order implements Node {
  id: ID!
  legacyResourceId: UnsignedInt64!
  name: String!
  createdAt: DateTime!
  updatedAt: DateTime!
  processedAt: DateTime!
  cancelledAt: DateTime
  closedAt: DateTime
  test: Boolean!
  tags: [String!]!
  currencyCode: CurrencyCode!
  presentmentCurrencyCode: CurrencyCode!
  displayFinancialStatus: OrderDisplayFinancialStatus
  displayFulfillmentStatus: OrderDisplayFulfillmentStatus!
  email: String
  phone: String
  customer: Customer
  shippingAddress: MailingAddress
  billingAddress: MailingAddress
  shippingLine: ShippingLine
  currentSubtotalPriceSet: MoneyBag!
  currentTotalDiscountsSet: MoneyBag!
  currentTotalTaxSet: MoneyBag!
  currentTotalPriceSet: MoneyBag!
  currentShippingPriceSet: MoneyBag!
  totalPriceSet: MoneyBag!
  lineItems(first: Int, after: String, last: Int, before: String): LineItemConnection!
  fulfillmentOrders(first: Int, after: String, last: Int, before: String): FulfillmentOrderConnection!
  fulfillments(first: Int): [Fulfillment!]!
  note: String
  metafield(namespace: String, key: String!): Metafield
}
type Metafield { id: ID! namespace: String! key: String! type: String! value: String! }
input MetafieldsSetInput { ownerId: ID! namespace: String key: String! type: String value: String! }
type MetafieldsSetUserError { field: [String!] message: String! code: String }
type MetafieldsSetPayload { metafields: [Metafield!] userErrors: [MetafieldsSetUserError!]! }
input OrderInput { id: ID! note: String }
type OrderUpdatePayload { order: Order userErrors: [UserError!]! }
type OrderEdge { cursor: String! node: Order! }
type OrderConnection { edges: [OrderEdge!]! nodes: [Order!]! pageInfo: PageInfo! }

type LineItem implements Node {
  id: ID!
  sku: String
  name: String!
  title: String!
  variantTitle: String
  quantity: Int!
  currentQuantity: Int!
  variant: ProductVariant
  product: Product
  originalUnitPriceSet: MoneyBag!
  totalDiscountSet: MoneyBag!
}
type LineItemEdge { cursor: String! node: LineItem! }
type LineItemConnection { edges: [LineItemEdge!]! nodes: [LineItem!]! pageInfo: PageInfo! }

type TaxonomyCategory { id: ID! name: String! fullName: String! }

type Product implements Node {
  id: ID!
  legacyResourceId: UnsignedInt64!
  title: String!
  handle: String!
  description: String!
  descriptionHtml: String!
  productType: String!
  vendor: String!
  status: ProductStatus!
  createdAt: DateTime!
  updatedAt: DateTime!
  totalInventory: Int!
  category: TaxonomyCategory
  variants(first: Int, after: String, last: Int, before: String): ProductVariantConnection!
}
type ProductEdge { cursor: String! node: Product! }
type ProductConnection { edges: [ProductEdge!]! nodes: [Product!]! pageInfo: PageInfo! }

type ProductVariant implements Node {
  id: ID!
  legacyResourceId: UnsignedInt64!
  title: String!
  sku: String
  barcode: String
  price: Money!
  compareAtPrice: Money
  inventoryQuantity: Int
  product: Product!
  inventoryItem: InventoryItem!
}
type ProductVariantEdge { cursor: String! node: ProductVariant! }
type ProductVariantConnection {
  edges: [ProductVariantEdge!]! nodes: [ProductVariant!]! pageInfo: PageInfo!
}

type InventoryItem implements Node {
  id: ID!
  legacyResourceId: UnsignedInt64!
  sku: String
  tracked: Boolean!
  variant: ProductVariant!
  inventoryLevel(locationId: ID!): InventoryLevel
}
type InventoryQuantity { name: String! quantity: Int! }
type InventoryLevel {
  id: ID!
  location: Location!
  quantities(names: [String!]!): [InventoryQuantity!]!
}

type Location implements Node {
  id: ID!
  legacyResourceId: UnsignedInt64!
  name: String!
  isActive: Boolean!
}
type LocationEdge { cursor: String! node: Location! }
type LocationConnection { edges: [LocationEdge!]! nodes: [Location!]! pageInfo: PageInfo! }

type FulfillmentOrderSupportedAction { action: FulfillmentOrderAction! }
type FulfillmentOrderLineItem implements Node {
  id: ID!
  totalQuantity: Int!
  remainingQuantity: Int!
  lineItem: LineItem!
}
type FulfillmentOrderLineItemEdge { cursor: String! node: FulfillmentOrderLineItem! }
type FulfillmentOrderLineItemConnection {
  edges: [FulfillmentOrderLineItemEdge!]! nodes: [FulfillmentOrderLineItem!]! pageInfo: PageInfo!
}
type FulfillmentOrder implements Node {
  id: ID!
  status: FulfillmentOrderStatus!
  supportedActions: [FulfillmentOrderSupportedAction!]!
  lineItems(first: Int, after: String, last: Int, before: String): FulfillmentOrderLineItemConnection!
}
type FulfillmentOrderEdge { cursor: String! node: FulfillmentOrder! }
type FulfillmentOrderConnection {
  edges: [FulfillmentOrderEdge!]! nodes: [FulfillmentOrder!]! pageInfo: PageInfo!
}

type FulfillmentTrackingInfo { company: String number: String url: URL }
type Fulfillment implements Node {
  id: ID!
  status: FulfillmentStatus!
  displayStatus: FulfillmentDisplayStatus
  createdAt: DateTime!
  updatedAt: DateTime!
  trackingInfo(first: Int): [FulfillmentTrackingInfo!]!
}

type BulkOperation implements Node {
  id: ID!
  status: BulkOperationStatus!
  errorCode: BulkOperationErrorCode
  createdAt: DateTime!
  completedAt: DateTime
  objectCount: UnsignedInt64!
  rootObjectCount: UnsignedInt64!
  fileSize: UnsignedInt64
  url: URL
  partialDataUrl: URL
  query: String!
  type: BulkOperationType!
}

type UserError { field: [String!] message: String! }
enum OrderCancelReason { CUSTOMER DECLINED FRAUD INVENTORY OTHER STAFF }
input OrderCancelStoreCreditRefundInput { expiresAt: DateTime }
input OrderCancelRefundMethodInput {
  originalPaymentMethodsRefund: Boolean storeCreditRefund: OrderCancelStoreCreditRefundInput
}
type Job { id: ID! done: Boolean! }
type OrderCancelUserError { field: [String!] message: String! code: String }
type OrderCancelPayload {
  job: Job orderCancelUserErrors: [OrderCancelUserError!]! userErrors: [UserError!]!
}
enum FulfillmentEventStatus {
  LABEL_PURCHASED LABEL_PRINTED READY_FOR_PICKUP CONFIRMED IN_TRANSIT OUT_FOR_DELIVERY
  ATTEMPTED_DELIVERY DELAYED DELIVERED FAILURE CARRIER_PICKED_UP PICKED_UP
}
enum FulfillmentDisplayStatus {
  ATTEMPTED_DELIVERY CANCELED CONFIRMED DELAYED DELIVERED FAILURE FULFILLED IN_TRANSIT
  LABEL_PRINTED LABEL_PURCHASED OUT_FOR_DELIVERY READY_FOR_PICKUP PICKED_UP CARRIER_PICKED_UP
}
input FulfillmentEventInput {
  fulfillmentId: ID! status: FulfillmentEventStatus! happenedAt: DateTime message: String
}
type FulfillmentEvent { id: ID! status: FulfillmentEventStatus! happenedAt: DateTime! }
type FulfillmentEventCreatePayload { fulfillmentEvent: FulfillmentEvent userErrors: [UserError!]! }
type CodedUserError { field: [String!] message: String! code: String }
type BulkOperationUserError {
  field: [String!] message: String! code: BulkOperationUserErrorCode
}

type BulkOperationRunQueryPayload {
  bulkOperation: BulkOperation
  userErrors: [BulkOperationUserError!]!
}

type BulkOperationCancelPayload {
  bulkOperation: BulkOperation
  userErrors: [UserError!]!
}

type InventoryChange {
  name: String!
  delta: Int!
  quantityAfterChange: Int
  item: InventoryItem
  location: Location
}
type InventoryAdjustmentGroup {
  id: ID!
  createdAt: DateTime!
  reason: String!
  changes(inventoryItemIds: [ID!], locationIds: [ID!], quantityNames: [String!]): [InventoryChange!]!
}
type InventorySetQuantitiesPayload {
  inventoryAdjustmentGroup: InventoryAdjustmentGroup
  userErrors: [CodedUserError!]!
}

input ProductVariantsBulkInput { id: ID price: Money compareAtPrice: Money barcode: String }
type ProductVariantsBulkUpdatePayload {
  product: Product
  productVariants: [ProductVariant!]
  userErrors: [CodedUserError!]!
}

input FulfillmentOrderLineItemInput { id: ID! quantity: Int! }
input FulfillmentOrderLineItemsInput {
  fulfillmentOrderId: ID!
  fulfillmentOrderLineItems: [FulfillmentOrderLineItemInput!]
}
input FulfillmentTrackingInput {
  company: String
  number: String
  url: URL
  numbers: [String!]
  urls: [URL!]
}
input FulfillmentInput {
  lineItemsByFulfillmentOrder: [FulfillmentOrderLineItemsInput!]!
  trackingInfo: FulfillmentTrackingInput
  notifyCustomer: Boolean
}
type FulfillmentCreatePayload { fulfillment: Fulfillment userErrors: [UserError!]! }
type FulfillmentTrackingInfoUpdatePayload { fulfillment: Fulfillment userErrors: [UserError!]! }

type Query {
  shop: Shop!
  orders(first: Int, after: String, last: Int, before: String, query: String,
         sortKey: OrderSortKeys, reverse: Boolean): OrderConnection!
  order(id: ID!): Order
  products(first: Int, after: String, last: Int, before: String, query: String,
           sortKey: ProductSortKeys, reverse: Boolean): ProductConnection!
  product(id: ID!): Product
  productVariant(id: ID!): ProductVariant
  locations(first: Int, after: String, last: Int, before: String, query: String): LocationConnection!
  node(id: ID!): Node
  nodes(ids: [ID!]!): [Node]!
  currentBulkOperation(type: BulkOperationType): BulkOperation
}

type Mutation {
  bulkOperationRunQuery(query: String!): BulkOperationRunQueryPayload
  bulkOperationCancel(id: ID!): BulkOperationCancelPayload
  inventorySetQuantities(input: InventorySetQuantitiesInput!): InventorySetQuantitiesPayload
  productVariantsBulkUpdate(productId: ID!, variants: [ProductVariantsBulkInput!]!,
                            allowPartialUpdates: Boolean): ProductVariantsBulkUpdatePayload
  fulfillmentCreate(fulfillment: FulfillmentInput!, message: String): FulfillmentCreatePayload
  fulfillmentTrackingInfoUpdate(fulfillmentId: ID!, trackingInfoInput: FulfillmentTrackingInput!,
                                notifyCustomer: Boolean): FulfillmentTrackingInfoUpdatePayload
  orderCancel(orderId: ID!, reason: OrderCancelReason!, refund: Boolean, restock: Boolean!,
              notifyCustomer: Boolean, staffNote: String,
              refundMethod: OrderCancelRefundMethodInput): OrderCancelPayload
  fulfillmentEventCreate(fulfillmentEvent: FulfillmentEventInput!): FulfillmentEventCreatePayload
  metafieldsSet(metafields: [MetafieldsSetInput!]!): MetafieldsSetPayload
  orderUpdate(input: OrderInput!): OrderUpdatePayload
}
"""

_MODERN = """
directive @idempotent(key: String!) on FIELD

input InventoryQuantityInput {
  inventoryItemId: ID!
  locationId: ID!
  quantity: Int!
  changeFromQuantity: Int
}
input InventorySetQuantitiesInput {
  name: String!
  reason: String!
  referenceDocumentUri: String
  quantities: [InventoryQuantityInput!]!
}
"""

_LEGACY = """
input InventorySetQuantityInput {
  inventoryItemId: ID!
  locationId: ID!
  quantity: Int!
  compareQuantity: Int
}
input InventorySetQuantitiesInput {
  name: String!
  reason: String!
  referenceDocumentUri: String
  ignoreCompareQuantity: Boolean
  quantities: [InventorySetQuantityInput!]!
}
"""

OLDEST = "2026-01"
NEWEST = "2026-07"


def effective_version(requested: str) -> str | None:
    """The version served for ``requested``: older ones fall forward to the oldest supported;
    unreleased ones (and bad strings) are None (404)."""
    if requested == "unstable":
        return NEWEST
    if len(requested) != 7 or requested[4] != "-" or not requested.replace("-", "").isdigit():
        return None
    if requested > NEWEST:
        return None
    return max(requested, OLDEST)


def is_modern(version: str) -> bool:
    """``changeFromQuantity`` and ``@idempotent`` exist (2026-04 and later)."""
    return version >= "2026-04"


@cache
def schema_for(version: str) -> GraphQLSchema:
    """The schema served at ``version`` (cached; resolvers are attached by the shop)."""
    sdl = _COMMON % {"currencies": " ".join(CURRENCIES), "countries": " ".join(COUNTRIES)}
    from hub_shopify.sandbox.catalogue_sdl import SDL as catalogue  # publishing (issue 20)

    return build_schema(sdl + (_MODERN if is_modern(version) else _LEGACY) + catalogue)
