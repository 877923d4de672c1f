"""hub: a commerce integration hub.

This module is the public API that plugins and integrators import: the
``hookimpl`` marker, the canonical types, errors, the account view and the HTTP
toolkit. Plugins depend on nothing else of the core. Names load lazily so
``hub --help`` stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

import pluggy

__version__ = "0.1.0"

hookimpl = pluggy.HookimplMarker("hub")

_EXPORTS: dict[str, str] = {
    # canonical types
    "Money": "hub.types", "Address": "hub.types", "Customer": "hub.types",
    "OrderLine": "hub.types", "Delivery": "hub.types", "Order": "hub.types",
    "Product": "hub.types", "Variant": "hub.types", "StockUpdate": "hub.types",
    "PriceUpdate": "hub.types", "Shipment": "hub.types", "ShipmentLine": "hub.types",
    "Invoice": "hub.types", "ShipmentRef": "hub.types", "PushResult": "hub.types", "PushOutcome": "hub.types",
    "OrderPage": "hub.types", "OrderPeek": "hub.types", "WebhookEvent": "hub.types",
    "SettingSpec": "hub.types",
    "Capability": "hub.types", "PlatformInfo": "hub.types", "utc": "hub.types",
    # errors
    "HubError": "hub.errors", "ConfigError": "hub.errors", "AuthError": "hub.errors",
    "RateLimited": "hub.errors", "TransientError": "hub.errors", "PlatformError": "hub.errors",
    "PaginationLoop": "hub.errors", "DataError": "hub.errors", "NotFound": "hub.errors",
    "Action": "hub.errors", "Fault": "hub.errors",
    # account and authorization
    "Account": "hub.account", "AccountRuntime": "hub.account",
    "AuthSession": "hub.auth", "Callback": "hub.auth", "pkce_challenge": "hub.auth",
    # HTTP toolkit
    "HttpClient": "hub.core.http.client", "Resolution": "hub.core.http.client",
    "Classifier": "hub.core.http.client",
    "RateLimiter": "hub.core.http.ratelimit", "RetryPolicy": "hub.core.http.retry",
    "TokenRefresher": "hub.core.http.tokens", "PageGuard": "hub.core.http.paging",
    "numbered_pages": "hub.core.http.paging", "platform_time": "hub.core.http.clock",
    "ListingPage": "hub.core.http.listing", "Paginator": "hub.core.http.listing",
    "PageNumbers": "hub.core.http.listing", "Offsets": "hub.core.http.listing",
    "Cursors": "hub.core.http.listing", "LinkHeader": "hub.core.http.listing",
    "Scroll": "hub.core.http.listing", "next_link": "hub.core.http.listing",
    "paginate": "hub.core.http.listing", "paged_listing": "hub.core.http.listing",
    "SortedBy": "hub.core.http.listing", "scan_orders": "hub.core.http.listing",
    "gather": "hub.core.tasks", "bounded": "hub.core.tasks",
    "redact": "hub.core.http.redact", "register_secret": "hub.core.http.redact",
    "verify_hmac": "hub.core.http.signing", "sign_hmac": "hub.core.http.signing",
    "parse_decimal": "hub.money", "parse_datetime": "hub.money", "cents_to_decimal": "hub.money",
    # reading answers and headers; account settings; the account's session
    "json_body": "hub.core.jsonutil", "json_object": "hub.core.jsonutil",
    "json_list": "hub.core.jsonutil", "json_objects": "hub.core.jsonutil",
    "header": "hub.core.jsonutil",
    # carriers
    "TrackingStatus": "hub.types", "TrackingEvent": "hub.types", "TrackingUpdate": "hub.types",
    "CarrierInfo": "hub.types",
    # the order lifecycle
    "OrderState": "hub.lifecycle", "parse_state": "hub.lifecycle",
    # listings a platform caps: read as windows, halved while too big
    "split_windows": "hub.core.http.listing", "halve": "hub.core.http.listing",
    # the status flow (order states pushed to platforms)
    "StateUpdate": "hub.types",
    # invoices (Brazil's NF-e and the document pushed by push_invoice)
    "InvoiceDocument": "hub.fiscal", "InvoiceLine": "hub.fiscal", "InvoiceRef": "hub.fiscal",
    "NFe": "hub.fiscal", "NFeError": "hub.fiscal", "NFeItem": "hub.fiscal",
    "parse_nfe": "hub.fiscal", "valid_key": "hub.fiscal",
    # support tickets (SAC): questions, post-sale messages, claims
    "Ticket": "hub.tickets", "TicketKind": "hub.tickets", "TicketStatus": "hub.tickets",
    "TicketAuthor": "hub.tickets", "TicketMessage": "hub.tickets", "TicketBuyer": "hub.tickets",
    "TicketPage": "hub.tickets", "TicketReply": "hub.tickets", "scan_tickets": "hub.core.http.listing",
    # catalogue out (issue 20)
    "ListingDraft": "hub.types", "VariantDraft": "hub.types", "ContactDraft": "hub.types",
    # request bodies with exact Decimal amounts as JSON numbers (VTEX pricing, SkyHub products)
    "json_dumps": "hub.core.jsonutil",
    # a platform's bucket headers followed by the account's limiter (issue 22)
    "RateHeaders": "hub.core.http.ratelimit",
}

__all__ = ["__version__", "hookimpl", *_EXPORTS]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'hub' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


if TYPE_CHECKING:  # pragma: no cover - for type checkers and editors only
    from hub.account import Account, AccountRuntime
    from hub.auth import AuthSession, Callback, pkce_challenge
    from hub.core.http.client import Classifier, HttpClient, Resolution
    from hub.core.http.clock import platform_time
    from hub.core.http.listing import (
        Cursors,
        LinkHeader,
        ListingPage,
        Offsets,
        PageNumbers,
        Paginator,
        Scroll,
        SortedBy,
        halve,
        next_link,
        paged_listing,
        paginate,
        scan_orders,
        scan_tickets,
        split_windows,
    )
    from hub.core.http.paging import PageGuard, numbered_pages
    from hub.core.http.ratelimit import RateHeaders, RateLimiter
    from hub.core.http.redact import redact, register_secret
    from hub.core.http.retry import RetryPolicy
    from hub.core.http.signing import sign_hmac, verify_hmac
    from hub.core.http.tokens import TokenRefresher
    from hub.core.jsonutil import header, json_body, json_dumps, json_list, json_object, json_objects
    from hub.core.tasks import bounded, gather
    from hub.errors import (
        Action,
        AuthError,
        ConfigError,
        DataError,
        Fault,
        HubError,
        NotFound,
        PaginationLoop,
        PlatformError,
        RateLimited,
        TransientError,
    )
    from hub.fiscal import (
        InvoiceDocument,
        InvoiceLine,
        InvoiceRef,
        NFe,
        NFeError,
        NFeItem,
        parse_nfe,
        valid_key,
    )
    from hub.lifecycle import OrderState, parse_state
    from hub.money import cents_to_decimal, parse_datetime, parse_decimal
    from hub.tickets import (
        Ticket,
        TicketAuthor,
        TicketBuyer,
        TicketKind,
        TicketMessage,
        TicketPage,
        TicketReply,
        TicketStatus,
    )
    from hub.types import (
        Address,
        Capability,
        CarrierInfo,
        ContactDraft,
        Customer,
        Delivery,
        Invoice,
        ListingDraft,
        Money,
        Order,
        OrderLine,
        OrderPage,
        OrderPeek,
        PlatformInfo,
        PriceUpdate,
        Product,
        PushOutcome,
        PushResult,
        SettingSpec,
        Shipment,
        ShipmentLine,
        ShipmentRef,
        StateUpdate,
        StockUpdate,
        TrackingEvent,
        TrackingStatus,
        TrackingUpdate,
        Variant,
        VariantDraft,
        WebhookEvent,
        utc,
    )
