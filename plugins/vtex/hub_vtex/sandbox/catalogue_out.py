"""The sandbox's Catalog write routes: products, SKUs, EANs, images, specifications, brands.

As VTEX's Catalog API does, it refuses (400, ``{"error": {"message"}}``):

* a product without ``Name``, with a ``CategoryId`` (or ``CategoryPath``) that is
  not a category, with a ``BrandId``/``BrandName`` that is not a brand, or a
  ``RefId`` another product holds;
* a SKU without ``ProductId`` (of an existing product), ``Name`` or the packaged
  measures (``PackagedHeight``, ``PackagedLength``, ``PackagedWidth``,
  ``PackagedWeightKg``), or with a ``RefId`` another SKU holds;
* an EAN that is not 8 to 14 digits or that another SKU holds;
* an image without an http(s) ``Url``.

``PUT`` of a product or SKU replaces the record, so the required fields apply
to updates too.
"""

from __future__ import annotations

import json
from functools import partial
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hub_vtex.sandbox.data import CATEGORIES

if TYPE_CHECKING:
    from hub_vtex.sandbox.store import VtexSandbox

PACKAGED = ("PackagedHeight", "PackagedLength", "PackagedWidth", "PackagedWeightKg")
PARENTS = {"12": "1", "13": "1", "21": "2", "22": "2"}


def _refuse(message: str, status: int = 400) -> Exception:
    from hub_vtex.sandbox.store import Refused

    return Refused(status, message)


async def _body(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError:
        raise _refuse("The request is invalid: the body is not JSON") from None
    if not isinstance(body, dict):
        raise _refuse("The request is invalid: the body is not an object")
    return body


def _brands(sandbox: VtexSandbox) -> dict[int, str]:
    brands: dict[int, str] = sandbox.__dict__.setdefault("brands", {})
    if not brands:
        for n, name in enumerate(sorted({p["Brand"] for p in sandbox.products.values()})):
            brands[2000000 + n] = name
    return brands


def _category_path(body: dict[str, Any]) -> str:
    if body.get("CategoryId") is not None:
        cid = str(body["CategoryId"])
        if cid not in CATEGORIES:
            raise _refuse(f"Category {cid} not found")
        return f"/{PARENTS[cid]}/{cid}/" if cid in PARENTS else f"/{cid}/"
    if body.get("CategoryPath"):
        names = {v: k for k, v in CATEGORIES.items()}
        ids = [names.get(part) for part in str(body["CategoryPath"]).split("/")]
        if not ids or None in ids:
            raise _refuse(f"Category path {body['CategoryPath']} not found")
        return "/" + "/".join(i or "" for i in ids) + "/"
    raise _refuse("CategoryId or CategoryPath is required")


def _brand(sandbox: VtexSandbox, body: dict[str, Any]) -> str:
    brands = _brands(sandbox)
    if body.get("BrandId") is not None:
        name = brands.get(int(body["BrandId"]))
        if name is None:
            raise _refuse(f"Brand {body['BrandId']} not found")
        return name
    if body.get("BrandName"):
        if body["BrandName"] not in brands.values():
            raise _refuse(f"Brand {body['BrandName']} not found")
        return str(body["BrandName"])
    raise _refuse("BrandId or BrandName is required")


def _product_record(sandbox: VtexSandbox, body: dict[str, Any], own: int | None) -> dict[str, Any]:
    if not str(body.get("Name") or "").strip():
        raise _refuse("Name is required")
    ref = body.get("RefId")
    if ref and any(p["RefId"] == ref and p["Id"] != own for p in sandbox.products.values()):
        raise _refuse(f"There is already a product with RefId {ref}")
    return {"Name": body["Name"], "RefId": ref or "", "CategoryPath": _category_path(body),
            "Brand": _brand(sandbox, body), "Description": body.get("Description") or "",
            "IsActive": body.get("IsActive", True), "IsVisible": body.get("IsVisible", True)}


def _product_answer(product: dict[str, Any]) -> dict[str, Any]:
    ids = [c for c in product["CategoryPath"].split("/") if c]
    return {"Id": product["Id"], "Name": product["Name"], "RefId": product["RefId"],
            "CategoryId": int(ids[-1]), "BrandName": product["Brand"],
            "Description": product["Description"], "IsActive": product.get("IsActive", True)}


async def create_product(sandbox: VtexSandbox, request: Request) -> Response:
    record = _product_record(sandbox, await _body(request), None)
    record["Id"] = max(sandbox.products) + 1
    sandbox.products[record["Id"]] = record
    return JSONResponse(_product_answer(record))


async def product(sandbox: VtexSandbox, request: Request) -> Response:
    pid = request.path_params["productId"]
    found = sandbox.products.get(int(pid)) if pid.isdigit() else None
    if found is None:
        raise _refuse(f"Product {pid} not found", 404)
    if request.method == "PUT":
        found.update(_product_record(sandbox, await _body(request), found["Id"]))
    return JSONResponse(_product_answer(found))


async def product_by_ref(sandbox: VtexSandbox, request: Request) -> Response:
    ref = request.path_params["refId"]
    found = next((p for p in sandbox.products.values() if p["RefId"] == ref), None)
    if found is None:
        raise _refuse(f"Product with RefId {ref} not found", 404)
    return JSONResponse(_product_answer(found))


def _sku_record(sandbox: VtexSandbox, body: dict[str, Any], own: int | None) -> dict[str, Any]:
    pid = body.get("ProductId")
    if not isinstance(pid, int) or pid not in sandbox.products:
        raise _refuse(f"ProductId {pid} not found")
    missing = [n for n in ("Name", *PACKAGED) if body.get(n) in (None, "")]
    if missing:
        raise _refuse(f"Required field(s) missing: {', '.join(missing)}")
    ref = body.get("RefId")
    if ref and any(s["RefId"] == ref and s["Id"] != own for s in sandbox.skus.values()):
        raise _refuse(f"There is already a SKU with RefId {ref}")
    return {"ProductId": pid, "Name": body["Name"], "RefId": ref or "",
            "IsActive": bool(body.get("IsActive", True)),
            **{n: body[n] for n in PACKAGED}}


async def create_sku(sandbox: VtexSandbox, request: Request) -> Response:
    from hub_vtex.sandbox.catalog import sku_summary

    record = _sku_record(sandbox, await _body(request), None)
    record.update(Id=max(sandbox.skus) + 1, Ean="", Price=0, Files=[], Specs={})
    sandbox.skus[record["Id"]] = record
    return JSONResponse({**sku_summary(record), **{n: record[n] for n in PACKAGED}})


def _sku(sandbox: VtexSandbox, request: Request) -> dict[str, Any]:
    sid = request.path_params["skuId"]
    found = sandbox.skus.get(int(sid)) if sid.isdigit() else None
    if found is None:
        raise _refuse(f"SKU {sid} not found", 404)
    return found


async def update_sku(sandbox: VtexSandbox, request: Request) -> Response:
    from hub_vtex.sandbox.catalog import sku_summary

    found = _sku(sandbox, request)
    found.update(_sku_record(sandbox, await _body(request), found["Id"]))
    return JSONResponse(sku_summary(found))


async def ean(sandbox: VtexSandbox, request: Request) -> Response:
    found = _sku(sandbox, request)
    if request.method == "DELETE":
        found["Ean"] = ""
        return Response(status_code=200)
    value = request.path_params["ean"]
    if not value.isdigit() or not 8 <= len(value) <= 14:
        raise _refuse(f"EAN {value} is invalid")
    if any(s.get("Ean") == value and s["Id"] != found["Id"] for s in sandbox.skus.values()):
        raise _refuse(f"EAN {value} already belongs to another SKU")
    found["Ean"] = value
    return Response(status_code=200)


async def files(sandbox: VtexSandbox, request: Request) -> Response:
    found = _sku(sandbox, request)
    stored = found.setdefault("Files", [])
    if request.method == "DELETE":
        stored.clear()
        return Response(status_code=200)
    body = await _body(request)
    url = str(body.get("Url") or "")
    if not url.startswith(("http://", "https://")):
        raise _refuse("Url is required and must be an http(s) URL")
    stored.append({"Id": len(stored) + 1, "Url": url, "IsMain": bool(body.get("IsMain")),
                   "Name": body.get("Name") or ""})
    return JSONResponse(stored[-1])


async def specification(sandbox: VtexSandbox, request: Request, level: str) -> Response:
    body = await _body(request)
    if not body.get("FieldName") or not body.get("GroupName"):
        raise _refuse("FieldName and GroupName are required")
    if level == "product":
        pid = request.path_params["productId"]
        target = sandbox.products.get(int(pid)) if pid.isdigit() else None
        if target is None:
            raise _refuse(f"Product {pid} not found", 404)
        values = body.get("FieldValues")
        if not isinstance(values, list) or not values:
            raise _refuse("FieldValues is required")
    else:
        target = _sku(sandbox, request)
        values = [body.get("FieldValue")]
        if values == [None]:
            raise _refuse("FieldValue is required")
    target.setdefault("Specs", {})[body["FieldName"]] = values
    return JSONResponse([{"FieldName": body["FieldName"], "Text": v} for v in values])


async def brands(sandbox: VtexSandbox, request: Request) -> Response:
    if request.method == "GET":
        return JSONResponse([{"id": k, "name": v, "isActive": True} for k, v in _brands(sandbox).items()])
    body = await _body(request)
    name = str(body.get("Name") or "").strip()
    if not name:
        raise _refuse("Name is required")
    known = _brands(sandbox)
    if name in known.values():
        raise _refuse(f"There is already a brand named {name}")
    brand_id = max(known) + 1
    known[brand_id] = name
    return JSONResponse({"Id": brand_id, "Name": name, "Active": True})


def routes(sandbox: VtexSandbox) -> list[Route]:
    """The write routes, each behind the sandbox's key check and catalogue rate limit."""
    r = sandbox._route
    cat, sku = "/api/catalog/pvt/product", "/api/catalog/pvt/stockkeepingunit"

    def bind(handler: Any, **kw: Any) -> Any:
        return r(partial(handler, sandbox, **kw), "catalog", "catalog")

    return [
        Route(cat, bind(create_product), methods=["POST"]),
        Route(f"{cat}/{{productId}}", bind(product), methods=["GET", "PUT"]),
        Route(f"{cat}/{{productId}}/specificationvalue", bind(specification, level="product"),
              methods=["PUT"]),
        Route("/api/catalog_system/pvt/products/productgetbyrefid/{refId}", bind(product_by_ref),
              methods=["GET"]),
        Route(sku, bind(create_sku), methods=["POST"]),
        Route(f"{sku}/{{skuId}}", bind(update_sku), methods=["PUT"]),
        Route(f"{sku}/{{skuId}}/ean", bind(ean), methods=["DELETE"]),
        Route(f"{sku}/{{skuId}}/ean/{{ean}}", bind(ean), methods=["POST"]),
        Route(f"{sku}/{{skuId}}/file", bind(files), methods=["POST", "DELETE"]),
        Route(f"{sku}/{{skuId}}/specificationvalue", bind(specification, level="sku"),
              methods=["PUT"]),
        Route("/api/catalog_system/pvt/brand/list", bind(brands), methods=["GET"]),
        Route("/api/catalog/pvt/brand", bind(brands), methods=["POST"]),
    ]
