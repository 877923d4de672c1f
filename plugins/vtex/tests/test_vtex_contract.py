"""Contract test: every request the plugin sends matches VTEX's published OpenAPI documents.

Every hook is exercised against the sandbox (in process, through a recording
transport); then each recorded request must match a path template of the
Orders, Logistics, Catalog or Pricing document, with a method it declares,
only declared query parameters (the required ones present, values of the
declared type), the required headers, and a JSON body that validates against
the operation's request schema ($refs resolved, OpenAPI ``nullable`` honoured).
Any mismatch fails the test. Skipped, saying why, where the fixtures are absent.
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

import hub
from hub.sandbox import SandboxOptions
from hub_vtex import handling, plugin
from hub_vtex.client import VtexClient
from hub_vtex.sandbox import VtexSandbox

jsonschema = pytest.importorskip("jsonschema", reason="install hub-vtex[test] for the contract test")

SPECS = Path(__file__).resolve().parents[3].parent / "shared" / "fixtures" / "vtex" / "openapi-schemas"
DOCUMENTS = ("Orders API", "Logistics API", "Catalog API", "Pricing API")
BASE = "http://vtex.sandbox"


@dataclass
class Sent:
    method: str
    url: httpx.URL
    headers: httpx.Headers
    body: bytes


class Recorder(httpx.AsyncBaseTransport):
    """Forwards to the sandbox app in process and keeps every request."""

    def __init__(self, app: Any) -> None:
        self.inner = httpx.ASGITransport(app=app)
        self.sent: list[Sent] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        self.sent.append(Sent(request.method, request.url, request.headers, body))
        return await self.inner.handle_async_request(request)


# --- the OpenAPI side ----------------------------------------------------------------------

@dataclass
class Operation:
    document: str
    template: str
    method: str
    parameters: list[dict[str, Any]]
    body_schema: dict[str, Any] | None
    body_required: bool


def _resolve(doc: dict[str, Any], node: Any, depth: int = 0) -> Any:
    """Inline local $refs and turn OpenAPI's ``nullable`` into JSON Schema types."""
    if depth > 40:
        return {}
    if isinstance(node, list):
        return [_resolve(doc, item, depth + 1) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        target: Any = doc
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        return _resolve(doc, target, depth + 1)
    out = {k: _resolve(doc, v, depth + 1) for k, v in node.items()
           if k not in ("example", "examples", "nullable")}
    if node.get("nullable") and isinstance(out.get("type"), str):
        out["type"] = [out["type"], "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
    return out


def operations() -> list[Operation]:
    found = []
    for name in DOCUMENTS:
        path = SPECS / f"VTEX - {name}.json"
        if not path.exists():
            pytest.skip(f"VTEX's OpenAPI documents not found at {SPECS} (shared fixtures absent)")
        doc = json.loads(path.read_text())
        for template, item in doc["paths"].items():
            shared = [_resolve(doc, p) for p in item.get("parameters", [])]
            for method, op in item.items():
                if method not in ("get", "post", "put", "patch", "delete"):
                    continue
                params = shared + [_resolve(doc, p) for p in op.get("parameters", [])]
                body = _resolve(doc, op.get("requestBody") or {})
                content = body.get("content", {})
                schema = next((c.get("schema") for t, c in content.items() if "json" in t), None)
                found.append(Operation(name, template, method.upper(), params, schema,
                                       bool(body.get("required"))))
    return found


def _pattern(template: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$")


def _type_ok(value: str, schema: dict[str, Any]) -> bool:
    kind = schema.get("type", "string")
    if kind == "integer":
        return re.fullmatch(r"-?\d+", value) is not None
    if kind == "number":
        return re.fullmatch(r"-?\d+(\.\d+)?", value) is not None
    if kind == "boolean":
        return value in ("true", "false")
    return True


def problems(sent: Sent, ops: list[Operation]) -> list[str]:
    """Why ``sent`` does not match the documents (empty: it matches)."""
    path = sent.url.path
    candidates = [op for op in ops if _pattern(op.template).match(path)]
    if not candidates:
        return [f"{sent.method} {path}: no path template of {', '.join(DOCUMENTS)} matches"]
    # The most literal template wins: /orders/feed/config before /orders/{orderId}.
    candidates.sort(key=lambda op: op.template.count("{"))
    best = [op for op in candidates if op.template == candidates[0].template]
    op = next((o for o in best if o.method == sent.method), None)
    if op is None:
        return [f"{sent.method} {path}: {best[0].template} declares no {sent.method}"]
    where = f"{sent.method} {op.template} ({op.document})"
    found: list[str] = []
    declared = {p["name"]: p for p in op.parameters if p.get("in") == "query"}
    for name, value in sent.url.params.multi_items():
        if name not in declared:
            found.append(f"{where}: query parameter {name!r} is not declared")
        elif not _type_ok(value, declared[name].get("schema", {})):
            found.append(f"{where}: query {name}={value!r} is not a {declared[name]['schema']}")
    for name, param in declared.items():
        if param.get("required") and name not in sent.url.params:
            found.append(f"{where}: required query parameter {name!r} is missing")
    segments = re.findall(r"\{([^}]+)\}", op.template)
    values = re.match(_pattern(op.template).pattern.replace("[^/]+", "([^/]+)"), path)
    assert values is not None
    path_params = {p["name"]: p for p in op.parameters if p.get("in") == "path"}
    for name, value in zip(segments, values.groups(), strict=True):
        schema = path_params.get(name, {}).get("schema", {})
        if not _type_ok(value, schema):
            found.append(f"{where}: path {name}={value!r} is not a {schema.get('type')}")
    for param in op.parameters:
        if param.get("in") == "header" and param.get("required") and param["name"] not in sent.headers:
            found.append(f"{where}: required header {param['name']!r} is missing")
    if sent.body:
        if op.body_schema is None:
            found.append(f"{where}: sends a body the operation does not take")
        else:
            data = json.loads(sent.body)
            validator = jsonschema.Draft7Validator(op.body_schema)
            found += [f"{where}: body {'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
                      for e in validator.iter_errors(data)]
    elif op.body_required:
        found.append(f"{where}: the required body is missing")
    return found


# --- exercising every hook -----------------------------------------------------------------

def exercise(sandbox: VtexSandbox, recorder: Recorder) -> None:
    settings = {**sandbox.account_settings(BASE), "start_handling": "true",
                "hook_url": "https://hub.example/webhooks/vtex/main"}

    def account(**extra: str) -> hub.Account:
        acct = hub.Account(name="main", platform="vtex", settings={**settings, **extra})
        acct.runtime.transport = recorder
        return acct

    async def hook_endpoint(request: Any) -> JSONResponse:
        return JSONResponse({"ok": True})

    sandbox.webhook_transport = httpx.ASGITransport(
        app=Starlette(routes=[Route("/webhooks/vtex/main", hook_endpoint, methods=["POST"])]))

    async def everything() -> None:
        acct = account()
        try:
            assert await plugin.authorize(acct, None) is None
            now = sandbox.now()
            backfill = [p async for p in plugin.fetch_orders(acct, now - timedelta(days=30),
                                                             now - timedelta(days=20))]
            last = [p async for p in plugin.fetch_orders(acct, now - timedelta(days=2), None)]
            assert backfill and last[-1].checkpoint is not None
            ready = sorted(sandbox.eligible_order_ids())
            for order_id in ready[:2]:
                plugin.order_imported(acct, plugin.parse_order(acct, sandbox.orders[order_id]), True)
            await handling.settle(VtexClient(acct))
            sandbox.new_order()
            feed_pages = [p async for p in plugin.fetch_orders(acct, sandbox.now(), None)]
            assert sum(len(p.payloads) for p in feed_pages) >= 1
            assert await plugin.fetch_order(acct, ready[2]) is not None
            products = [p async for batch in plugin.fetch_products(acct, ["100"]) for p in batch]
            products += [p async for batch in plugin.fetch_products(acct, None) for p in batch]
            assert products
            pushed = await plugin.push_stock(acct, [
                hub.StockUpdate(sku="BT-S", platform_product_id="100", platform_variant_id="1001",
                                quantity=5),
                hub.StockUpdate(sku="BT-M", platform_product_id="100", quantity=6)])
            brl = "BRL"
            priced = await plugin.push_price(acct, [
                hub.PriceUpdate(sku="BT-S", platform_product_id="100", platform_variant_id="1001",
                                regular=hub.Money(amount=Decimal("59.90"), currency=brl),
                                promotional=hub.Money(amount=Decimal("49.90"), currency=brl),
                                promo_from=datetime(2024, 6, 1, tzinfo=UTC),
                                promo_to=datetime(2024, 6, 8, tzinfo=UTC)),
                hub.PriceUpdate(sku="BT-L", platform_product_id="100", platform_variant_id="1003",
                                regular=hub.Money(amount=Decimal("19.90"), currency=brl))])
            order = sandbox.orders[ready[3]]
            shipment = hub.Shipment(
                platform_order_id=ready[3], carrier="Correios", tracking_number="BR1",
                tracking_url="https://t.example/BR1", shipped_at=datetime(2024, 5, 21, tzinfo=UTC),
                invoice=hub.Invoice(number="NF-77", key="k" * 44, url="https://nf.example/77",
                                    issued_at=datetime(2024, 5, 21, tzinfo=UTC)),
                lines=[{"platform_line_id": order["items"][0]["uniqueId"], "quantity": 1}])
            tracked = [await plugin.push_tracking(acct, shipment),
                       await plugin.push_tracking(acct, shipment.model_copy(
                           update={"tracking_number": "BR2"}))]
            assert all(r.outcome == "accepted" for r in [*pushed, *priced, *tracked]), (
                pushed, priced, tracked)
        finally:
            await acct.aclose()
        listed = account(order_source="list", lead_time="00:00:00")
        try:
            [p async for p in plugin.fetch_orders(listed, sandbox.now() - timedelta(hours=1), None)]
            await plugin.push_stock(listed, [hub.StockUpdate(
                sku="BT-S", platform_product_id="100", platform_variant_id="1001", quantity=3)])
        finally:
            await listed.aclose()

    asyncio.run(everything())


def test_every_request_matches_the_published_openapi_documents() -> None:
    ops = operations()
    sandbox = VtexSandbox(SandboxOptions(orders=60, seed=11))
    recorder = Recorder(sandbox.app)
    exercise(sandbox, recorder)
    sent = recorder.sent
    assert {s.url.host for s in sent} == {"vtex.sandbox"}
    covered = {(s.method, re.sub(r"/\d[\w.-]*", "/{id}", s.url.path)) for s in sent}
    for wanted in [("POST", "/api/orders/hook/config"), ("POST", "/api/orders/feed/config"),
                   ("GET", "/api/orders/feed"), ("POST", "/api/orders/feed"),
                   ("GET", "/api/oms/pvt/orders"), ("POST", "/api/oms/pvt/orders/{id}/invoice"),
                   ("PATCH", "/api/oms/pvt/orders/{id}/invoice/NF-77"),
                   ("POST", "/api/oms/pvt/orders/{id}/start-handling"),
                   ("PUT", "/api/logistics/pvt/inventory/skus/{id}/warehouses/{id}"),
                   ("PUT", "/pricing/prices/{id}"), ("POST", "/pricing/prices/{id}/fixed/{id}"),
                   ("DELETE", "/pricing/prices/{id}/fixed/{id}"),
                   ("GET", "/api/catalog/pvt/stockkeepingunit"),
                   ("GET", "/api/catalog_system/pvt/sku/stockkeepingunitids")]:
        assert wanted in covered, f"the exercise never sent {wanted}"
    mismatches = [p for s in sent for p in problems(s, ops)]
    assert mismatches == [], "\n".join(sorted(set(mismatches)))


def test_the_checker_catches_what_the_documents_forbid() -> None:
    """The contract check itself fails on a wrong body, an unknown parameter, a bad path."""
    ops = operations()

    def sent(method: str, url: str, body: Any = None, **headers: str) -> Sent:
        return Sent(method, httpx.URL(url), httpx.Headers({"Accept": "application/json",
                                                           "Content-Type": "application/json",
                                                           **headers}),
                    json.dumps(body).encode() if body is not None else b"")

    assert problems(sent("POST", f"{BASE}/api/orders/feed", {"handles": ["a"]}), ops) == []
    assert problems(sent("POST", f"{BASE}/api/orders/feed", {"handles": "a"}), ops)
    assert problems(sent("GET", f"{BASE}/api/orders/feed"), ops)  # maxlot is required
    assert problems(sent("GET", f"{BASE}/api/oms/pvt/orders?f_nope=1"), ops)
    assert problems(sent("PUT", f"{BASE}/api/logistics/pvt/inventory/skus/1/warehouses/w",
                         {"quantity": 1, "unlimitedQuantity": False}), ops)  # leadTime required
    assert problems(sent("PUT", f"{BASE}/pricing/prices/abc", {"basePrice": 1}), ops)
    assert problems(sent("GET", f"{BASE}/api/not/a/route"), ops)
    assert problems(sent("PATCH", f"{BASE}/api/oms/pvt/orders/1-01/invoice/9",
                         {"trackingNumber": "x", "courier": "y"}), ops)
