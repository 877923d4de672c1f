"""Editing the hub's catalogue: products and their variants, from the CLI, a CSV or the API.

A product is its :class:`~hub.core.storage.models.Product` row (SKU, name,
description, category) plus a :class:`~hub.core.storage.catalogue.ProductDetail`
(barcode, brand, weight and dimensions, image URLs, attributes, the parent of
a variant). Every change stamps the fields it changed with the time it was
made, so a later change from a channel wins only where it is newer
(:func:`apply_change`). Barcodes are GTIN-8/12/13/14 with their check digit
validated; images are http(s) URLs; measures are decimals, 0 or more.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator
from sqlmodel import Session, col, select

from hub.core.storage.catalogue import CatalogueEvent, ProductDetail
from hub.core.storage.columns import now
from hub.core.storage.models import Category, Product
from hub.errors import ConfigError, DataError, NotFound

if TYPE_CHECKING:
    from hub.core.app import HubApp

PRODUCT_FIELDS = ("name", "description", "category")
DETAIL_FIELDS = ("barcode", "brand", "weight", "length", "width", "height", "images", "attributes")
FIELDS = PRODUCT_FIELDS + DETAIL_FIELDS
CSV_COLUMNS = ("sku", "name", "description", "brand", "barcode", "weight", "length", "width",
               "height", "images", "category", "attributes", "parent_sku")


def gtin_problem(code: str) -> str | None:
    """Why ``code`` is not a GTIN-8, -12 (UPC), -13 (EAN) or -14, or None when it is one."""
    if not code.isdigit() or len(code) not in (8, 12, 13, 14):
        return f"barcode '{code}' must be 8, 12, 13 or 14 digits (GTIN/EAN/UPC)"
    digits = [int(c) for c in code]
    body, check = digits[:-1], digits[-1]
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    expected = (10 - total % 10) % 10
    if expected != check:
        return f"barcode '{code}' has check digit {check}, expected {expected}"
    return None


class ProductFields(BaseModel):
    """A product's values as given by the user; fields left ``None`` are not changed."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    description: str | None = None
    brand: str | None = None
    barcode: str | None = None
    weight: Decimal | None = None
    length: Decimal | None = None
    width: Decimal | None = None
    height: Decimal | None = None
    images: list[str] | None = None
    category: str | None = None
    attributes: dict[str, str] | None = None
    parent_sku: str | None = None

    @field_validator("name")
    @classmethod
    def _text(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("must not be empty")
        return value.strip() if value is not None else None

    @field_validator("barcode")
    @classmethod
    def _barcode(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        problem = gtin_problem(value.strip())
        if problem:
            raise ValueError(problem)
        return value.strip()

    @field_validator("weight", "length", "width", "height")
    @classmethod
    def _measure(cls, value: Decimal | None) -> Decimal | None:
        if value is not None and (not value.is_finite() or value < 0):
            raise ValueError("must be a number 0 or more")
        return value

    @field_validator("images")
    @classmethod
    def _images(cls, value: list[str] | None) -> list[str] | None:
        for url in value or []:
            if not url.startswith(("http://", "https://")):
                raise ValueError(f"image '{url}' must be an http(s) URL")
        return value


class ProductInput(ProductFields):
    """:class:`ProductFields` for the product ``sku`` (created when new)."""

    sku: str

    @field_validator("sku")
    @classmethod
    def _sku(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value.strip()


def input_error(exc: ValidationError) -> str:
    """A pydantic error as one line naming the field: ``barcode: ... check digit ...``."""
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "product"
    message = str(first["msg"]).removeprefix("Value error, ")
    return f"{where}: {message}"


def parse_input(values: dict[str, Any]) -> ProductInput:
    try:
        return ProductInput.model_validate(values)
    except ValidationError as exc:
        raise ConfigError(input_error(exc)) from None


def product_by_sku(s: Session, sku: str) -> Product:
    row = s.exec(select(Product).where(Product.sku == sku)).first()
    if row is None:
        raise NotFound(f"no product with SKU '{sku}'", hint="add it: hub products add SKU --name NAME")
    return row


def detail_of(s: Session, product_id: int) -> ProductDetail:
    detail = s.get(ProductDetail, product_id)
    if detail is None:
        detail = ProductDetail(product_id=product_id, field_times={})
    return detail


def _category_id(s: Session, name: str | None) -> int | None:
    if not name:
        return None
    found = s.exec(select(Category).where(Category.name == name)).first()
    if found is None:
        found = Category(name=name)
        s.add(found)
        s.flush()
    return found.id


def current_values(s: Session, product: Product, detail: ProductDetail) -> dict[str, Any]:
    """The product's editable values, JSON-ready (decimals as text)."""
    category = s.get(Category, product.category_id) if product.category_id else None
    values: dict[str, Any] = {"name": product.name, "description": product.description,
                              "category": category.name if category else None}
    for name in DETAIL_FIELDS:
        value = getattr(detail, name)
        values[name] = str(value) if isinstance(value, Decimal) else value
    return values


def _json_value(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


@dataclass
class Change:
    """What one edit did: the product, whether it was created, and field -> (old, new)."""

    product: Product
    created: bool
    fields: dict[str, tuple[Any, Any]] = field(default_factory=dict)


def apply_change(s: Session, product: Product, detail: ProductDetail, values: dict[str, Any],
                 at: datetime, *, newer_only: bool = False) -> dict[str, tuple[Any, Any]]:
    """Set ``values`` (field -> new value) on the product, stamping each changed field with ``at``.

    With ``newer_only`` a field whose last change is later than ``at`` keeps its
    value (a channel's older change loses to the hub's newer one).
    """
    old = current_values(s, product, detail)
    times = dict(detail.field_times or {})
    changed: dict[str, tuple[Any, Any]] = {}
    for name, value in values.items():
        new = _json_value(value)
        if old.get(name) == new:
            continue
        if newer_only and times.get(name) and datetime.fromisoformat(times[name]) >= at:
            continue
        changed[name] = (old.get(name), new)
        times[name] = at.isoformat()
        if name == "category":
            product.category_id = _category_id(s, value)
        elif name in PRODUCT_FIELDS:
            setattr(product, name, value)
        else:
            setattr(detail, name, value)
    if changed:
        detail.field_times = times
        detail.updated_at = now()
        s.add(product)
        s.add(detail)
    return changed


def save_product(s: Session, data: ProductInput, *, create: bool | None = None,
                 source: str = "hub") -> Change:
    """Create (``create`` True), edit (False) or upsert (None) the product ``data.sku``.

    :raises ConfigError: a create of an existing SKU, a new product without a name,
        a parent that does not exist or is itself a variant.
    :raises NotFound: an edit of an unknown SKU.
    """
    product = s.exec(select(Product).where(Product.sku == data.sku)).first()
    if product is not None and create is True:
        raise ConfigError(f"a product with SKU '{data.sku}' already exists; "
                          f"change it with: hub products edit {data.sku}")
    if product is None and create is False:
        product_by_sku(s, data.sku)
    created = product is None
    if product is None:
        if not data.name:
            raise ConfigError(f"product '{data.sku}': a new product needs a name")
        product = Product(sku=data.sku, name=data.name)
        s.add(product)
        s.flush()
    detail = detail_of(s, product.id or 0)
    if data.parent_sku is not None:
        parent = s.exec(select(Product).where(Product.sku == data.parent_sku)).first()
        if parent is None:
            raise ConfigError(f"product '{data.sku}': parent_sku '{data.parent_sku}' is not in "
                              "the catalogue; add the parent first")
        parent_detail = s.get(ProductDetail, parent.id)
        if parent.id == product.id or (parent_detail and parent_detail.parent_id):
            raise ConfigError(f"product '{data.sku}': parent_sku '{data.parent_sku}' is itself "
                              "a variant (or this product); variants hang off a main product")
        detail.parent_id = parent.id
    values = data.model_dump(exclude={"sku", "parent_sku"}, exclude_none=True)
    at = now()
    changed = apply_change(s, product, detail, values, at)
    s.add(detail)
    s.flush()
    if created or changed:
        kind = "created" if created else "updated"
        s.add(CatalogueEvent(product_id=product.id, kind=kind, at=at,
                             message=f"{kind} in the {source}: " + (", ".join(changed) or "-"),
                             changes={k: list(v) for k, v in changed.items()}))
    return Change(product=product, created=created, fields=changed)


def show_product(s: Session, sku: str) -> dict[str, Any]:
    """One product as shown by ``hub products show`` and ``GET /api/products/{sku}``."""
    from hub.core.storage.models import ProductLink

    product = product_by_sku(s, sku)
    detail = detail_of(s, product.id or 0)
    parent = s.get(Product, detail.parent_id) if detail.parent_id else None
    variant_ids = [d.product_id for d in s.exec(select(ProductDetail).where(
        ProductDetail.parent_id == product.id))]
    variants = [p.sku for p in (s.get(Product, i) for i in variant_ids) if p is not None]
    links = [{"account_id": link.account_id, "platform_product_id": link.platform_product_id,
              "platform_variant_id": link.platform_variant_id or None}
             for link in s.exec(select(ProductLink).where(ProductLink.product_id == product.id))]
    events = [{"at": e.at.isoformat(), "kind": e.kind, "message": e.message}
              for e in s.exec(select(CatalogueEvent).where(CatalogueEvent.product_id == product.id)
                              .order_by(col(CatalogueEvent.id)))]
    return {"id": product.id, "sku": product.sku, **current_values(s, product, detail),
            "parent_sku": parent.sku if parent else None, "variants": sorted(v for v in variants if v),
            "links": links, "events": events}


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)


def _row_values(rec: dict[str, str | None]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in CSV_COLUMNS:
        text = (rec.get(name) or "").strip()
        if not text:
            continue
        if name == "images":
            values[name] = [u.strip() for u in text.split("|") if u.strip()]
        elif name == "attributes":
            pairs = [p.partition("=") for p in text.split(";") if p.strip()]
            if any(not sep or not k.strip() for k, sep, _ in pairs):
                raise ConfigError("attributes: write them as name=value;name=value")
            values[name] = {k.strip(): v.strip() for k, _, v in pairs}
        elif name in ("weight", "length", "width", "height"):
            try:
                values[name] = Decimal(text)
            except InvalidOperation:
                raise ConfigError(f"{name}: '{text}' is not a number") from None
        else:
            values[name] = text
    return values


def import_products_csv(app: HubApp, path: Path) -> ImportResult:
    """Create or update products from a CSV (header: any of :data:`CSV_COLUMNS`, ``sku`` required).

    Each row is saved on its own: a bad row is reported as ``line N: reason``
    and the rest of the file goes on. ``images`` are separated by ``|``,
    ``attributes`` written ``name=value;name=value``.
    """
    from hub.core.sync.inventory import _csv_text

    result = ImportResult()
    reader = csv.DictReader(io.StringIO(_csv_text(path), newline=""))
    try:
        header = set(reader.fieldnames or [])
        if "sku" not in header:
            raise ConfigError(f"{path}: no 'sku' column; expected a header line with sku and any "
                              f"of: {','.join(CSV_COLUMNS[1:])}")
        unknown = header - set(CSV_COLUMNS)
        if unknown:
            raise ConfigError(f"{path}: unknown column(s) {', '.join(sorted(unknown))}; "
                              f"known: {','.join(CSV_COLUMNS)}")
        for rec in reader:
            line = reader.line_num
            try:
                data = ProductInput.model_validate(_row_values(rec))
                with app.db.session() as s:
                    change = save_product(s, data, source="CSV import")
            except ValidationError as exc:
                result.errors.append(f"line {line}: {input_error(exc)}")
                continue
            except (ConfigError, DataError, NotFound) as exc:
                result.errors.append(f"line {line}: {exc.message}")
                continue
            if change.created:
                result.created += 1
            elif change.fields:
                result.updated += 1
            else:
                result.unchanged += 1
    except csv.Error as exc:
        raise ConfigError(f"{path}: line {reader.line_num}: {exc}") from None
    return result
