"""The Admin API types the sandbox adds for publishing (``productSet``) and contacts.

Shapes follow the Admin API reference (2026-07): ``productSet(input:,
synchronous:, identifier:)`` with ``ProductSetInput`` (``productOptions``,
``variants`` with ``optionValues`` and ``inventoryItem { sku measurement }``,
``files``), ``productVariants(query: "sku:...")``, ``customers(query:
"email:...")``, ``customerCreate`` and ``customerUpdate``.
"""

SDL = """
enum WeightUnit { GRAMS KILOGRAMS OUNCES POUNDS }
enum FileContentType { IMAGE FILE VIDEO EXTERNAL_VIDEO MODEL_3D }
enum ProductSetUserErrorCode {
  GENERIC_ERROR BLANK INVALID_INPUT PRODUCT_DOES_NOT_EXIST OPTIONS_OVER_LIMIT
  DUPLICATED_OPTION_NAME DUPLICATED_OPTION_VALUE INVALID_VARIANT VARIANTS_OVER_LIMIT
  OPTION_DOES_NOT_EXIST OPTION_VALUE_DOES_NOT_EXIST PRODUCT_VARIANT_DOES_NOT_EXIST
  INVALID_PRICE
}
input VariantOptionValueInput { optionName: String name: String }
input OptionValueSetInput { name: String }
input OptionSetInput { name: String values: [OptionValueSetInput!] }
input WeightInput { value: Float! unit: WeightUnit! }
input InventoryItemMeasurementInput { weight: WeightInput }
input InventoryItemInput { sku: String tracked: Boolean measurement: InventoryItemMeasurementInput }
input ProductVariantSetInput {
  id: ID
  optionValues: [VariantOptionValueInput!]!
  price: Money
  compareAtPrice: Money
  barcode: String
  inventoryItem: InventoryItemInput
}
input FileSetInput { originalSource: String contentType: FileContentType alt: String }
input ProductSetInput {
  title: String
  descriptionHtml: String
  vendor: String
  productType: String
  handle: String
  status: ProductStatus
  productOptions: [OptionSetInput!]
  variants: [ProductVariantSetInput!]
  files: [FileSetInput!]
}
input ProductSetIdentifiers { id: ID handle: String }
type ProductSetUserError { field: [String!] message: String! code: ProductSetUserErrorCode }
type ProductSetPayload { product: Product userErrors: [ProductSetUserError!]! }

input CustomerInput { id: ID email: String phone: String firstName: String lastName: String }
type CustomerEdge { cursor: String! node: Customer! }
type CustomerConnection { edges: [CustomerEdge!]! nodes: [Customer!]! pageInfo: PageInfo! }
type CustomerCreatePayload { customer: Customer userErrors: [UserError!]! }
type CustomerUpdatePayload { customer: Customer userErrors: [UserError!]! }

extend type Query {
  productVariants(first: Int, after: String, last: Int, before: String, query: String
                  ): ProductVariantConnection!
  customers(first: Int, after: String, last: Int, before: String, query: String): CustomerConnection!
}
extend type Mutation {
  productSet(input: ProductSetInput!, synchronous: Boolean, identifier: ProductSetIdentifiers
             ): ProductSetPayload
  customerCreate(input: CustomerInput!): CustomerCreatePayload
  customerUpdate(input: CustomerInput!): CustomerUpdatePayload
}
"""
