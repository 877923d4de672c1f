"""Request and response models of the HTTP service (they make its OpenAPI document).

Every input is bounded here, before it reaches the core: text has the length
of its column and no NUL character (PostgreSQL refuses one), ids and counts fit
a 32-bit integer column, money is a non-negative decimal of at most 15 digits,
and datetimes are timezone-aware (a naive one is taken as UTC). Types are
strict: a count is a JSON integer (``true`` and ``"5"`` are not), money is a
number or a decimal string (never a boolean), and a datetime is an ISO 8601
string (a number is not read as a Unix timestamp). What fails these checks is
answered 422 naming the field.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StringConstraints,
)

MAX_INT = 2**31 - 1  # integer columns are 32-bit on PostgreSQL
MAX_ITEMS = 10_000  # items in one bulk request


def _clean_text(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid UTF-8 text") from None
    return value


def _iso_only(value: Any) -> Any:
    """Refuse what pydantic would read as a Unix timestamp: numbers, booleans, digit strings."""
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or value.strip().lstrip("+-").replace(".", "", 1).isdigit():
        raise ValueError("must be an ISO 8601 date or date-time string, such as 2026-12-31 or "
                         "2026-12-31T18:00:00Z")
    return value


def _no_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("must be a number or a decimal string, not true or false")
    return value


def _utc(value: datetime) -> datetime:
    """Aware and in UTC; a naive datetime is taken as UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("datetime is out of range") from None


_CLEAN = AfterValidator(_clean_text)
# stripped, non-empty text no longer than its column
Text100 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), _CLEAN]
Text200 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), _CLEAN]
Text1000 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000),
                     _CLEAN]
UTCDateTime = Annotated[datetime, BeforeValidator(_iso_only), AfterValidator(_utc)]
Money = Annotated[Decimal, BeforeValidator(_no_bool),
                  Field(ge=0, max_digits=15, decimal_places=4, allow_inf_nan=False)]
Count = Annotated[StrictInt, Field(ge=0, le=MAX_INT)]  # a JSON integer: not true, "5" or 5.0


class Strict(BaseModel):
    """Unknown fields are errors, so a misspelt field is reported instead of ignored."""

    model_config = ConfigDict(extra="forbid")


# --- orders ---------------------------------------------------------------------------

class OrderSummary(BaseModel):
    id: int
    account: str = Field(description="the store (account name) the order came from")
    platform: str = Field(description="the import source (platform)")
    platform_order_id: str
    number: str | None
    status: str
    state: str = Field(description="the hub's canonical state (new, ready, handling, invoiced, "
                                   "shipped, delivered, cancelled, returned, released)")
    created_at: datetime = Field(description="when the order was placed on the platform")
    updated_at: datetime = Field(description="when the hub last changed its copy")
    total: Decimal
    currency: str
    deducted: bool


class OrderList(BaseModel):
    items: list[OrderSummary]
    total: int = Field(description="how many orders match the filters")
    limit: int
    offset: int


class CustomerOut(BaseModel):
    id: int
    first_name: str | None
    last_name: str | None
    email: str | None
    phone: str | None
    document: str | None = Field(default=None, description="the buyer's tax document "
                                 "(CPF/CNPJ, CUIT, RFC...), digits and letters only")
    unspecified: bool


class LineOut(BaseModel):
    sku: str | None
    name: str
    quantity: Decimal
    unit_price: Decimal
    total: Decimal | None
    tax: Decimal | None
    product_id: int | None


class TrackingEventOut(BaseModel):
    """One carrier event of a shipment (``status`` is the hub's word, ``code`` the carrier's)."""

    at: datetime
    status: str
    code: str
    text: str
    location: str | None


class ShipmentOut(BaseModel):
    id: int
    carrier: str
    tracking_number: str
    tracking_url: str | None
    invoice_number: str | None
    invoice_key: str | None
    invoice_date: datetime | None
    invoice_value: Decimal | None
    created_at: datetime
    status: str | None = Field(None, description="the latest tracking status a carrier reported")
    status_at: datetime | None = None
    tracking: list[TrackingEventOut] = Field(default_factory=list,
                                             description="the carrier's events, oldest first")


class ShipmentRow(ShipmentOut):
    """A shipment in a list: with its order and the order's account."""

    order_id: int
    account: str
    order_state: str


class EventOut(BaseModel):
    at: datetime
    kind: str
    message: str
    source: str | None = Field(None, description="who caused it: platform, cli, api, carrier "
                                                 "or hub")
    actor: str | None = Field(None, description="the API caller behind it: user:NAME or "
                                                "api_key:NAME")


class Totals(BaseModel):
    subtotal: Decimal | None
    shipping: Decimal | None
    discount: Decimal | None
    tax: Decimal | None
    total: Decimal


class TermsOut(BaseModel):
    """The connection's terms recorded on the order when it was imported (seed 004)."""

    shipment_billing: str = Field(description="who is billed for the shipments: hub or store")
    tickets_handled_by: str = Field(description="which side handles support tickets: hub or store")
    carrier_account: str | None
    shipping_rules: str | None


class OrderDetail(OrderSummary):
    deducted_at: datetime | None
    customer: CustomerOut | None
    billing_address: dict[str, Any] | None
    shipping_address: dict[str, Any] | None
    delivery: str | None
    flags: list[str]
    totals: Totals
    lines: list[LineOut]
    shipments: list[ShipmentOut]
    events: list[EventOut]
    terms: TermsOut | None = Field(None, description=(
        "the connection's terms when the order came in (null: imported before terms existed)"))


class Deducted(BaseModel):
    id: int
    deducted_at: datetime


class ShipmentIn(Strict):
    """A shipment, with its invoice when there is one; pushed when the account's tracking flow is on."""

    carrier: Text100
    tracking_number: Text200
    tracking_url: Text1000 | None = None
    invoice_number: Text100 | None = None
    invoice_key: Text200 | None = Field(None, description="e.g. Brazil's NF-e access key")
    invoice_date: UTCDateTime | None = None
    invoice_value: Money | None = Field(None, description="default: the order total")
    force: StrictBool = Field(False, description="ship even a cancelled or refunded order")


class ShipmentCreated(ShipmentOut):
    queued: bool = Field(description="whether the tracking was queued for the platform "
                                     "(false when the account's tracking flow is off)")
    updated: bool = Field(False, description="whether this updated the order's earlier shipment "
                                            "(the platform's fulfilment/invoice is updated)")


class StateIn(Strict):
    """A move of the order's canonical state, told to the platform when the status flow is on."""

    state: Text100 = Field(description="handling, invoiced, delivered, cancelled, returned...")
    reason: Text1000 | None = Field(None, description="why (required to cancel); passed to the "
                                                      "platform where it takes one")
    local: StrictBool = Field(False, description="record it in the hub only; tell the platform "
                                                 "nothing")


class CancelIn(Strict):
    reason: Text1000 = Field(description="why the order is cancelled (the platform gets it "
                                         "where it takes one)")


class StateChanged(BaseModel):
    id: int
    previous: str
    state: str
    queued: bool = Field(description="whether the move was queued for the platform")
    note: str = Field(description="what happens on the platform, in words")
    restock_pending: bool = Field(False, description="the order's deducted stock waits for "
                                                     "POST /api/orders/ID/restock")


class RestockOut(BaseModel):
    id: int
    units: int = Field(description="units given back to the order's warehouse")


# --- stock and prices -------------------------------------------------------------------

class StockItem(Strict):
    sku: Text200
    warehouse: Text100
    quantity: Count


class PriceItem(Strict):
    sku: Text200
    price: Money = Field(description="the regular price")
    promo: Money | None = Field(None, description="a promotional price, lower than the regular one")
    promo_from: UTCDateTime | None = None
    promo_to: UTCDateTime | None = None
    account: Text100 | None = Field(None, description="only for this account (default: all)")


class ItemResult(BaseModel):
    index: int = Field(description="the item's position in the request, from 0")
    sku: str
    ok: bool
    error: str | None = None


class BulkResult(BaseModel):
    applied: int
    rejected: int
    results: list[ItemResult]


# --- runs ----------------------------------------------------------------------------

class RunSummary(BaseModel):
    id: int
    account: str
    flow: str
    trigger: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    counts: dict[str, Any]
    error: str | None
    actor: str | None = Field(None, description="the API caller who started it")


class RunList(BaseModel):
    items: list[RunSummary]
    total: int
    limit: int
    offset: int


class RunItemOut(BaseModel):
    key: str
    outcome: str
    reason: str | None
    resolved: bool
    at: datetime


class RunDetail(RunSummary):
    items: list[RunItemOut]


# --- authorization ---------------------------------------------------------------------

class Authorization(BaseModel):
    account: str
    status: Literal["pending", "authorized", "failed"]
    authorize_url: str | None = Field(
        None, description="open this in a browser to approve the hub (OAuth platforms, while pending)")
    redirect_uri: str | None = Field(None, description="the daemon's callback URL the platform returns to")
    error: str | None = None
    started_at: datetime
    finished_at: datetime | None = None


class Message(BaseModel):
    detail: str
    hint: str | None = None
