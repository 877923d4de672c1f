"""The plugin's query cost equals the sandbox's graphql-core analysis, and stays under 1,000."""

from __future__ import annotations

import pytest
from graphql import parse, validate

from hub_shopify import cost, queries
from hub_shopify.info import MAX_QUERY_COST
from hub_shopify.orders import LINES_PER_ORDER
from hub_shopify.products import VARIANTS_PER_PRODUCT
from hub_shopify.sandbox.costs import CostCalculator
from hub_shopify.sandbox.schema import schema_for

DOCUMENTS = ["ORDERS", "ORDER", "ORDER_LINES", "SHOP", "BULK_RUN", "BULK_POLL", "BULK_CURRENT",
             "BULK_CANCEL", "PRODUCTS", "PRODUCTS_BY_ID", "PRODUCT_VARIANTS", "LOCATIONS",
             "VARIANT_ITEMS", "ITEM_LEVELS",
             "SET_QUANTITIES", "VARIANTS_BULK_UPDATE", "ORDER_FULFILLMENT",
             "FULFILLMENT_CREATE", "TRACKING_UPDATE"]


@pytest.mark.parametrize("name", DOCUMENTS)
def test_every_query_is_valid_and_costed_like_shopify(name: str) -> None:
    text = getattr(queries, name)
    schema = schema_for("2026-07")
    document = parse(text)
    assert validate(schema, document) == []
    for size in (1, 7, 50):
        variables = {"first": size, "lines": size, "variants": size, "ids": ["x"] * size,
                     "location": "x", "id": "x"}
        assert cost.requested_cost(text, variables) == \
            CostCalculator(schema, document.definitions[0], variables).requested()  # type: ignore[arg-type]


def test_page_sizes_fill_but_never_exceed_the_single_query_maximum() -> None:
    first = cost.largest_first(queries.ORDERS, {"lines": LINES_PER_ORDER}, limit=MAX_QUERY_COST)
    full = cost.requested_cost(queries.ORDERS, {"first": first, "lines": LINES_PER_ORDER})
    over = cost.requested_cost(queries.ORDERS, {"first": first + 1, "lines": LINES_PER_ORDER})
    assert full <= MAX_QUERY_COST < over
    # nested line items multiply: 2 + first * (order objects + 2 + lines * line objects)
    assert full == 2 + first * (17 + 2 + LINES_PER_ORDER * 7)
    assert cost.requested_cost(queries.PRODUCTS, {
        "first": cost.largest_first(queries.PRODUCTS, {"variants": VARIANTS_PER_PRODUCT},
                                    limit=MAX_QUERY_COST),
        "variants": VARIANTS_PER_PRODUCT}) <= MAX_QUERY_COST


def test_the_cost_parser_handles_the_subset() -> None:
    text = """query Q($n: Int!) { a: shop { name } orders(first: $n) { edges { node { id
              customer { id } lineItems(first: 3) { nodes { id variant { id } } } } } }
              node(id: "x") { ... on Order { id customer { id } } ... on Product { id } } }"""
    assert cost.requested_cost(text, {"n": 4}) == 1 + (2 + 4 * (1 + 1 + 2 + 3 * 2)) + 2
    assert cost.requested_cost("mutation { a { b } c { d } }") == 20
    with pytest.raises(ValueError, match="first or last"):
        cost.requested_cost("{ orders { nodes { id } } }")
    with pytest.raises(ValueError):
        cost.largest_first("{ orders(first: $n) { nodes { id lineItems(first: 900) "
                           "{ nodes { id product { id } } } } } }", {}, "n", limit=1000)
