"""Canonical types: the contract between the core and every plugin.

Plugins turn platform payloads into these objects and canonical commands
(stock, price, shipment) into API calls. They are plain pydantic models, not
database rows. Money is always ``Decimal`` with an ISO 4217 currency, and every
datetime is timezone-aware (a naive datetime is rejected at construction).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal, NamedTuple

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

from hub.lifecycle import OrderState


class _Model(BaseModel):
    model_config = ConfigDict(frozen=False, extra="forbid")


class Money(_Model):
    """An amount in one currency. ``amount`` is exact (never a float)."""

    amount: Decimal
    #: upper-cased by pydantic itself (after the length check): no Python call per amount
    currency: Annotated[str, StringConstraints(min_length=3, max_length=3, to_upper=True)]

    @field_validator("amount", mode="before")
    @classmethod
    def _no_floats(cls, value: Any) -> Any:
        if isinstance(value, float):
            raise ValueError("money must be a Decimal or a string, never a float")
        return value


class Address(_Model):
    name: str | None = None
    company: str | None = None
    line1: str | None = None
    line2: str | None = None
    city: str | None = None
    state: str | None = None
    postcode: str | None = None
    country: str | None = None
    phone: str | None = None

    def one_line(self) -> str:
        parts = [self.name, self.company, self.line1, self.line2, self.city, self.state,
                 self.postcode, self.country]
        return ", ".join(p for p in parts if p)


class Customer(_Model):
    """The buyer. ``platform_id`` is the platform's customer/buyer id when it has one.

    ``unspecified`` marks a customer whose data the platform withheld (for example
    Shopify plans without protected customer data): the order is imported with an
    "unspecified" customer instead of failing the contact-data rule.
    """

    platform_id: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone: str | None = None
    document: str | None = None
    """The buyer's tax document number as the platform gives it (the hub keeps its digits and
    letters only): CPF/CNPJ in Brazil, CUIT/DNI in Argentina, RFC in Mexico. Never matched on."""
    address: Address | None = None
    unspecified: bool = False
    flags: list[str] = Field(default_factory=list)


class OrderLine(_Model):
    platform_line_id: str | None = None
    platform_product_id: str | None = None
    platform_variant_id: str | None = None
    sku: str | None = None
    name: str
    quantity: Decimal
    unit_price: Money
    total: Money | None = None
    tax: Money | None = None


class Delivery(_Model):
    """Delivery details; they become a comment on the order's event feed."""

    service: str | None = None
    cost: Money | None = None
    address: Address | None = None

    def describe(self) -> str:
        cost = f"{self.cost.amount} {self.cost.currency}" if self.cost else "-"
        address = self.address.one_line() if self.address else "-"
        return f"Delivery: {self.service or '-'}; cost {cost}; to {address}"


class Order(_Model):
    """A platform order in canonical form.

    ``platform_order_id`` is the key the hub deduplicates on, per account.
    ``status`` is the platform's own status (a plugin may compose one, such as
    ``paid/ready_to_ship``); the account's eligible and excluded statuses are
    matched against it. ``ineligible_reason`` lets a plugin reject an order for a
    reason other than its status (for example a fraud tag).
    """

    platform_order_id: str
    number: str | None = None
    status: str
    created_at: AwareDatetime
    updated_at: AwareDatetime
    currency: str
    customer: Customer | None = None
    billing_address: Address | None = None
    shipping_address: Address | None = None
    lines: list[OrderLine] = Field(default_factory=list)
    subtotal: Money | None = None
    shipping_total: Money | None = None
    discount_total: Money | None = None
    tax_total: Money | None = None
    total: Money
    delivery: Delivery | None = None
    ineligible_reason: str | None = None
    flags: list[str] = Field(default_factory=list)
    raw: dict[str, Any] = Field(default_factory=dict, repr=False)


class Variant(_Model):
    platform_variant_id: str
    sku: str | None = None
    name: str | None = None
    price: Money | None = None
    quantity: Decimal | None = None
    barcode: str | None = None


class Product(_Model):
    """A platform product. SKU goes to the hub's SKU, ``platform_product_id`` to its code."""

    platform_product_id: str
    sku: str | None = None
    name: str
    description: str | None = None
    category: str | None = None
    price: Money | None = None
    quantity: Decimal | None = None
    barcode: str | None = None
    variants: list[Variant] = Field(default_factory=list)
    #: when the platform last changed the product (the two-way products flow: newer wins)
    updated_at: AwareDatetime | None = None
    raw: dict[str, Any] = Field(default_factory=dict, repr=False)


class StockUpdate(_Model):
    """Set the available quantity of one listing (product or variant) on a platform."""

    sku: str
    platform_product_id: str
    platform_variant_id: str | None = None
    quantity: int
    warehouse: str | None = None
    """The platform's location or warehouse id to set, from the hub's warehouse mapping (the
    ``--location`` of the warehouses feeding the account, when they name one); None: the
    plugin's own setting or default decides."""


class PriceUpdate(_Model):
    """Regular price plus an optional promotional price and its scheduled window."""

    sku: str
    platform_product_id: str
    platform_variant_id: str | None = None
    regular: Money
    promotional: Money | None = None
    promo_from: AwareDatetime | None = None
    promo_to: AwareDatetime | None = None


class ShipmentLine(_Model):
    platform_line_id: str | None = None
    sku: str | None = None
    quantity: Decimal
    unit_price: Money | None = None


class Invoice(_Model):
    number: str
    key: str | None = None
    value: Money | None = None
    issued_at: AwareDatetime | None = None
    url: str | None = None


class ShipmentRef(_Model):
    """What the platform already holds from the hub for an order: the shipment an update replaces."""

    carrier: str
    tracking_number: str
    tracking_url: str | None = None
    invoice_number: str | None = None


class Shipment(_Model):
    """A shipment of one order: carrier and tracking, with the invoice where there is one.

    ``replaces`` is set when the hub ships an order again: the carrier, tracking and
    invoice number of its earlier push. The plugin updates that fulfilment or invoice
    (found by those values, or as the order's only one) instead of creating another,
    and answers ``PushResult.ok(key, action="updated")``; it creates one when it finds none.
    """

    platform_order_id: str
    carrier: str
    tracking_number: str
    tracking_url: str | None = None
    shipped_at: AwareDatetime | None = None
    invoice: Invoice | None = None
    lines: list[ShipmentLine] = Field(default_factory=list)
    stock_deducted: bool = False
    replaces: ShipmentRef | None = None


class PushOutcome(StrEnum):
    ACCEPTED = "accepted"
    FAILED = "failed"


class PushResult(_Model):
    """What the platform said about one pushed item, identified by ``key`` (usually the SKU)."""

    key: str
    outcome: PushOutcome
    error: str | None = None
    retryable: bool = True
    #: for a shipment: ``created`` (a new fulfilment/invoice) or ``updated`` (an existing one)
    action: Literal["created", "updated"] | None = None
    #: what the platform answered that later updates need (an invoice's document id)
    ids: dict[str, str] = Field(default_factory=dict)
    #: for a published product or contact: its id on the platform (it becomes the hub's link)
    platform_id: str | None = None
    #: for a published product: each variant's platform id, by SKU
    variant_ids: dict[str, str] = Field(default_factory=dict)

    @classmethod
    def ok(cls, key: str, action: Literal["created", "updated"] | None = None,
           ids: dict[str, str] | None = None) -> PushResult:
        return cls(key=key, outcome=PushOutcome.ACCEPTED, action=action, ids=ids or {})

    @classmethod
    def failed(cls, key: str, error: str, *, retryable: bool = True) -> PushResult:
        return cls(key=key, outcome=PushOutcome.FAILED, error=error, retryable=retryable)


class OrderPeek(NamedTuple):
    """What ``peek_order`` reads off a raw payload without parsing it: its id and status."""

    platform_order_id: str
    status: str


class OrderPage(_Model):
    """One page of raw order payloads from ``fetch_orders``.

    ``checkpoint`` is a promise: every order modified before it has been
    delivered in this page or an earlier one. The core stores it as the account's
    cursor only after the page is committed; ``None`` means "no safe point yet"
    (for example mid-way through a scan ordered by id). ``total`` is the number of
    orders the platform reports for the whole query, when it says.
    """

    payloads: list[dict[str, Any]]
    checkpoint: AwareDatetime | None = None
    total: int | None = None


class WebhookEvent(_Model):
    """What an inbound webhook means.

    Either ``payload`` holds a full order payload to parse (the platform sent
    the order), or ``order_id`` names an order the core must re-fetch with
    ``fetch_order`` (the platform only notified), or ``ticket_id`` names a
    support ticket to re-fetch with ``fetch_ticket``. ``dedupe_key`` is the
    platform's delivery id when it sends one.
    """

    topic: str
    order_id: str | None = None
    payload: dict[str, Any] | None = None
    dedupe_key: str | None = None
    ignore: bool = False
    ticket_id: str | None = None
    """A support ticket (``Ticket.platform_ticket_id``) the core must re-fetch with
    ``fetch_ticket``: the platform announced a new or changed question, message or claim."""


class SettingSpec(_Model):
    """One account setting a plugin understands."""

    name: str
    description: str
    secret: bool = False
    required: bool = False
    default: str | None = None
    choices: list[str] | None = None
    kind: Literal["str", "int", "float", "bool", "url", "list"] = "str"
    aliases: list[str] = Field(default_factory=list)
    """Old names of this setting that keep working (stored and given values are renamed)."""
    store_key: bool = False
    """A key the store issued to the hub (an API key, a custom app's token), as opposed to
    the hub's own app credentials: ``hub accounts disconnect`` wipes it with the tokens."""


class Capability(StrEnum):
    ORDERS = "orders"
    PRODUCTS = "products"
    STOCK = "stock"
    PRICE = "price"
    TRACKING = "tracking"
    WEBHOOKS = "webhooks"
    OAUTH = "oauth"
    REVOKE = "revoke"
    """The plugin revokes its grant on the platform when an account is disconnected."""
    CARRIER = "carrier"
    """A carrier, not a sales channel: it tracks shipments (``track_shipments``)."""
    TICKETS = "tickets"
    """Buyers' questions, messages and claims come in; replies go out (``fetch_tickets``)."""
    #: ``push_product``: the hub's catalogue published as listings (the ``products`` flow)
    PUBLISH = "publish"
    #: ``push_customer``: hub contacts created and updated on the platform (the ``contacts`` flow)
    CONTACTS = "contacts"


class TrackingStatus(StrEnum):
    """Where a parcel is, in the hub's words; each carrier maps its own event codes to these."""

    POSTED = "posted"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERY_FAILED = "delivery_failed"
    AWAITING_PICKUP = "awaiting_pickup"
    DELIVERED = "delivered"
    RETURNED = "returned"
    EXCEPTION = "exception"


class TrackingEvent(_Model):
    """One event of a parcel as the carrier reports it.

    ``code`` is the carrier's own code (Correios ``BDE/01``); with ``at`` it identifies the
    event, so the hub stores each one once however often it is reported.
    """

    at: AwareDatetime
    status: TrackingStatus
    code: str
    text: str
    location: str | None = None


class TrackingUpdate(_Model):
    """What a carrier knows of one tracking number: its events, oldest first.

    ``found`` is False when the carrier does not know the number (yet); ``message`` then
    says what the carrier answered, and the hub asks again later.
    """

    tracking_number: str
    events: list[TrackingEvent] = Field(default_factory=list)
    found: bool = True
    message: str | None = None


class CarrierInfo(_Model):
    """What a carrier plugin tracks; part of its :class:`PlatformInfo`.

    ``names`` are the carrier names a shipment may carry (matched case-insensitively,
    ``"Correios"``, ``"SEDEX"``); ``tracking_formats`` are regular expressions a tracking
    number must match in full; ``tracking_url`` is the public page, with ``{code}``.
    """

    names: list[str]
    tracking_formats: list[str] = Field(default_factory=list)
    tracking_url: str | None = None
    batch_size: int = Field(default=50, ge=1)
    """Tracking numbers per ``track_shipments`` call (the carrier's per-request limit)."""
    min_poll_interval: int = Field(default=0, ge=0)
    """Seconds before the hub asks again about a shipment it checked (the carrier's cache:
    Melhor Envio answers tracking from a one-hour cache, so asking sooner only spends
    requests). 0: whenever the account's ``tracking_interval`` comes round."""


class PlatformInfo(_Model):
    """Describes a platform plugin: returned by its ``platform_info`` hook."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    display_name: str
    capabilities: list[Capability]
    settings: list[SettingSpec] = Field(default_factory=list)
    eligible_statuses: list[str] = Field(default_factory=list)
    excluded_statuses: list[str] = Field(default_factory=list)
    customer_match: Literal["contact", "platform_id"] = "contact"
    stock_batch_size: int = 100
    price_batch_size: int = 100
    product_batch_size: int = 1
    """Products the ``products`` flow hands ``push_products`` at once (plugins implementing it)."""
    read_ahead: int = Field(default=0, ge=0, le=16)
    """Pages of ``fetch_orders`` the core may read before the earlier ones are committed.

    0 (the default) keeps the strict contract: the generator is resumed after a
    ``yield`` only once that page is committed. A plugin whose generator does
    nothing after a ``yield`` that depends on the commit (no acknowledgement to
    the platform) sets a few pages, and its imports overlap the platform's
    latency with the hub's own work; the next backfill slice is then opened
    while the current one is read, too.
    """

    order_id_keys: list[str] = Field(default_factory=lambda: ["id"])
    """Keys of a raw order payload that name the order (first present wins), so a payload
    ``parse_order`` rejects is quarantined under a recognisable id (VTEX: ``orderId``)."""
    order_states: dict[str, OrderState] = Field(default_factory=dict)
    """The platform's order statuses mapped to the hub's :class:`hub.OrderState`
    (``{"processing": "ready", "completed": "delivered"}``); a status not listed keeps
    the order's state. The core uses it when an imported order's status changes."""
    writes_states: list[OrderState] = Field(default_factory=list)
    """The states the plugin can write to the platform (the ``status`` flow); the core
    refuses a push to any other state with the platform's name in the reason."""
    carrier: CarrierInfo | None = None
    """Set by carrier plugins (with the ``carrier`` capability): what they can track."""
    reference_keys: list[str] = Field(default_factory=list)
    """Credential fields that are not secret and identify the connection (a seller id, a
    nickname): ``hub accounts show`` lists them. ``expires_at`` and ``scope`` always are."""

    def setting(self, name: str) -> SettingSpec | None:
        """The spec of setting ``name`` (or of the setting ``name`` is an old alias of)."""
        return next((s for s in self.settings if s.name == name or name in s.aliases), None)

    @property
    def secret_settings(self) -> set[str]:
        return {s.name for s in self.settings if s.secret}


def utc(dt: datetime) -> datetime:
    """Convert an aware datetime to UTC; reject naive ones (their zone is unknown)."""
    if dt.tzinfo is None:
        raise ValueError(f"naive datetime {dt.isoformat()} has no timezone")
    from datetime import UTC

    return dt.astimezone(UTC)


class StateUpdate(_Model):
    """An order state the hub asks the platform to take (the ``status`` flow).

    The core sends only states the plugin lists in ``PlatformInfo.writes_states``,
    and only moves :func:`hub.lifecycle.refusal` allows. ``shipped`` is not sent
    this way: a shipment carries its tracking through ``push_tracking``.
    """

    platform_order_id: str
    state: OrderState
    """The state to set (``handling``, ``delivered``, ``cancelled``...)."""
    reason: str | None = None
    """Why, as the admin gave it (a cancellation reason); plugins pass it on where the
    platform takes one (Shopify's staff note, VTEX's cancel reason, a WooCommerce note)."""
    platform_status: str
    """The platform's own status of the order when the hub last read it."""
    previous: OrderState
    """The hub's state of the order before this move."""


# ---- catalogue out (issue 20): what push_product and push_customer receive ----

class VariantDraft(_Model):
    """One variant of a :class:`ListingDraft` (size M, colour red...)."""

    sku: str
    name: str | None = None
    barcode: str | None = None
    #: the options that tell this variant apart, e.g. ``{"Size": "M"}``
    options: dict[str, str] = Field(default_factory=dict)
    weight: Decimal | None = None
    price: Money | None = None
    #: the platform's id of this variant when the hub has linked it
    platform_variant_id: str | None = None
    #: available stock when the hub manages it (for platforms that need one to list)
    quantity: int | None = None
    #: the variant's fields (sku, name, barcode, options, weight, price) that changed since the
    #: platform last accepted it: ``[]`` nothing (leave this variant alone), ``None`` everything
    #: (a new variant, or the listing's first publication)
    changed: list[str] | None = None

    def sends(self, name: str) -> bool:
        """Whether this variant's field ``name`` is to be sent."""
        return self.changed is None or name in self.changed


class ListingDraft(_Model):
    """A hub product as a channel listing should show it (``push_product``).

    ``changed`` names the fields that changed since the platform last accepted
    the product (send only those); ``None`` means the platform holds nothing
    from the hub yet: send everything. ``platform_product_id`` is the listing
    the hub has linked; when it is ``None`` look the SKU up on the platform
    and update that listing instead of creating a second one.
    """

    sku: str
    name: str
    description: str | None = None
    brand: str | None = None
    barcode: str | None = None
    weight: Decimal | None = None
    length: Decimal | None = None
    width: Decimal | None = None
    height: Decimal | None = None
    images: list[str] = Field(default_factory=list)
    #: the hub's category name
    category: str | None = None
    #: the account's platform category for it (``hub categories map``)
    platform_category: str | None = None
    attributes: dict[str, str] = Field(default_factory=dict)
    price: Money | None = None
    #: available stock when the hub manages it: for platforms that need a quantity to create
    #: a listing; later changes go through the stock flow, not here
    quantity: int | None = None
    variants: list[VariantDraft] = Field(default_factory=list)
    platform_product_id: str | None = None
    #: a product without variants: the id of its own variant, on platforms where every
    #: product has one (Shopify, VTEX's SKU), once linked
    platform_variant_id: str | None = None
    changed: list[str] | None = None

    def sends(self, name: str) -> bool:
        """Whether field ``name`` is to be sent (everything on a first publication)."""
        return self.changed is None or name in self.changed

    def everything(self) -> ListingDraft:
        """This draft with every field of the product and its variants to be sent (a listing just
        matched by SKU: bring it wholly in line)."""
        return self.model_copy(update={"changed": None, "variants": [
            v.model_copy(update={"changed": None}) for v in self.variants]})


class ContactDraft(_Model):
    """A hub customer as a channel's customer record should show it (``push_customer``)."""

    email: str | None = None
    phone: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    address: Address | None = None
    platform_customer_id: str | None = None
    changed: list[str] | None = None
