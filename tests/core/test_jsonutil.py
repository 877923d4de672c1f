"""The core's one copy of the JSON and header helpers every plugin used to repeat."""

from __future__ import annotations

import httpx
import pytest

import hub


def _response(content: bytes) -> httpx.Response:
    return httpx.Response(200, content=content, request=httpx.Request("GET", "https://api.shop.test/x"))


def test_json_helpers_check_the_shape_and_name_the_host() -> None:
    assert hub.json_object(_response(b'{"a": 1}'), "order") == {"a": 1}
    assert hub.json_list(_response(b"[1, 2]"), "ids") == [1, 2]
    assert hub.json_objects(_response(b'[{"a": 1}]'), "orders") == [{"a": 1}]
    with pytest.raises(hub.DataError, match=r"^order: api.shop.test answered with something not JSON"):
        hub.json_object(_response(b"<html>"), "order")
    with pytest.raises(hub.DataError, match="expected a JSON object, got list"):
        hub.json_object(_response(b"[]"), "order")
    with pytest.raises(hub.DataError, match="expected a JSON list of objects"):
        hub.json_objects(_response(b"[1]"), "orders")


def test_header_ignores_the_case_of_names() -> None:
    assert hub.header({"X-Shopify-Hmac-Sha256": "abc"}, "x-shopify-hmac-sha256") == "abc"
    assert hub.header(httpx.Headers({"X-Hub-Secret": "s"}), "X-HUB-SECRET") == "s"
    assert hub.header({}, "missing") is None


def test_json_dumps_writes_decimals_as_exact_numbers_and_refuses_inexact_ones() -> None:
    from decimal import Decimal

    assert hub.json_dumps({"price": Decimal("29.90"), "qty": 3}) == b'{"price":29.9,"qty":3}'
    with pytest.raises(hub.DataError, match="cannot be sent as an exact JSON number"):
        hub.json_dumps({"price": Decimal("0.1000000000000000000001")})
    with pytest.raises(TypeError):
        hub.json_dumps({"when": object()})
