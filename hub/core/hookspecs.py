"""Hook specifications: the only place hooks are declared.

Two kinds of hooks exist.

* **Platform hooks** take the ``account`` (or a platform name) and are
  dispatched to exactly one plugin: the one whose :func:`platform_info` names the
  account's platform. No plugin ever sees another platform's call, so no
  implementation starts with "if this is not mine, return None". The first (and
  only) result is returned. Hook wrappers (``wrapper=True``) in non-platform
  plugins see every platform's call and its arguments, and may adjust the
  result of a synchronous hook (``parse_order``, ``map_product``). For an
  ``async`` hook pluggy hands a wrapper the un-awaited coroutine (or async
  generator), not its outcome (pluggy issue 320): to observe what a platform
  call did, use the broadcast events below and the run history, not a wrapper.
* **Broadcast hooks** are extension points every plugin may implement: events
  (:func:`order_imported`, :func:`sync_failed`) and extra CLI commands
  (:func:`register_commands`). Every implementation is called; results are
  ignored.

Hooks that do I/O are ``async`` (``async def`` implementations, or async
generators where they stream pages). An implementation may accept fewer
arguments than its spec names (pluggy's opt-in arguments), so specs can grow
without breaking plugins. The core never calls ``pm.hook`` directly: the typed
facade :class:`hub.core.plugins.PluginHost` does.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import click

    from hub.account import Account
    from hub.auth import AuthSession
    from hub.fiscal import InvoiceDocument
    from hub.sandbox import Sandbox, SandboxOptions
    from hub.tickets import Ticket, TicketPage, TicketReply
    from hub.types import (
        ContactDraft,
        Customer,
        ListingDraft,
        Order,
        OrderPage,
        OrderPeek,
        PlatformInfo,
        PriceUpdate,
        Product,
        PushResult,
        Shipment,
        ShipmentRef,
        StateUpdate,
        StockUpdate,
        TrackingUpdate,
        WebhookEvent,
    )

PROJECT = "hub"
hookspec = pluggy.HookspecMarker(PROJECT)

# Names of the hooks dispatched to one platform plugin (see module docstring).
PLATFORM_HOOKS = frozenset({
    "authorize", "refresh_credentials", "fetch_orders", "fetch_order", "parse_order", "peek_order",
    "fetch_products", "map_product", "push_stock", "push_price", "push_tracking",
    "verify_webhook", "parse_webhook", "create_sandbox",
    "push_order_state",
    "track_shipments",
    "push_product", "push_customer", "push_products", "fetch_customers",
})
PLATFORM_HOOKS |= {"push_invoice"}  # invoices (appended, see the end of this module)

#: platform hooks only carriers implement (a sales channel leaves them out)
CARRIER_HOOKS = frozenset({"track_shipments", "check_tracking_number"})
PLATFORM_HOOKS |= {"check_tracking_number"}  # carriers: malformed codes refused when recorded


# --- describing a platform -------------------------------------------------

@hookspec
def platform_info() -> PlatformInfo:
    """Describe the platform this plugin integrates.

    :return: name (the account's ``platform``), display name, capabilities,
        the settings schema (which settings are secret), default eligible and
        excluded order statuses, how customers are matched and batch sizes.

    Dispatch: called once on every plugin at load time; a plugin that does not
    implement it is not a platform plugin (it may still implement broadcast
    hooks and wrappers). Two plugins returning one name is a load error.
    """


# --- authorization ---------------------------------------------------------

@hookspec(firstresult=True)
async def authorize(account: Account, session: AuthSession) -> dict[str, Any] | None:
    """Connect ``account`` to the platform (``hub accounts authorize NAME``).

    :param account: the account, with its settings (secrets decrypted).
    :param session: the interactive side: ``session.redirect_uri`` and
        ``session.state`` for an OAuth2 code flow, ``await
        session.wait_for_callback(url)`` to send the user to ``url`` and get the
        redirect's parameters back (``state`` already checked), and
        ``session.prompt(label, secret=True)`` for key entry.
    :return: credentials to store encrypted (tokens, ``expires_at`` as an ISO
        datetime, the seller id...), or ``None`` when the settings already hold
        the keys and the call only verified them.
    :raises hub.errors.AuthError: the platform refused the credentials.

    Dispatch: the account's platform plugin only; first result wins.
    """


@hookspec(firstresult=True)
async def refresh_credentials(account: Account, credentials: dict[str, Any]) -> dict[str, Any]:
    """Exchange a refresh token for new credentials.

    The core calls this once at a time per account, under a database lock, and
    stores the result before any request uses it; a second caller waits and
    reuses the new token. Single-use refresh tokens are therefore safe.

    :param account: the account being refreshed.
    :param credentials: the stored credentials (``access_token``,
        ``refresh_token``, ``expires_at``...).
    :return: the new credentials (at least ``access_token``; ``refresh_token``
        and ``expires_at`` when the platform returns them).
    :raises hub.errors.AuthError: the refresh token is invalid (``invalid_grant``);
        the core pauses the account with "re-authorize" as the fix.

    Dispatch: the account's platform plugin only; first result wins.
    """


# --- orders ------------------------------------------------------------------

@hookspec(firstresult=True)
def fetch_orders(account: Account, since: datetime, until: datetime | None
                 ) -> AsyncIterator[OrderPage]:
    """Stream every order modified at or after ``since``, page by page.

    Implement it as an ``async def`` generator yielding :class:`hub.OrderPage`.
    Each page holds raw platform payloads (the core parses them with
    :func:`parse_order`, so one bad payload never stops the batch) and, when the
    plugin can promise it, a ``checkpoint``: every order modified before it has
    been yielded. The core commits each page before asking for the next and
    saves the checkpoint as the account's cursor only after that commit. A
    plugin that sets ``PlatformInfo.read_ahead`` lets the core ask for that
    many pages before committing the earlier ones (faster against a slow
    platform); the cursor is still saved only after each page's commit, in
    order. Guard pagination with :class:`hub.PageGuard` so a repeated cursor raises.

    :param account: the account to read.
    :param since: timezone-aware UTC lower bound on the platform's modified time
        (the core has already subtracted its overlap window).
    :param until: optional upper bound (used by backfills in slices).
    :return: an async iterator of pages.

    Dispatch: the account's platform plugin only; first result wins.
    """


@hookspec(firstresult=True)
async def fetch_order(account: Account, order_id: str) -> dict[str, Any] | None:
    """Fetch one order's payload by its platform id (webhook re-fetch, replay).

    :param account: the account that owns the order.
    :param order_id: the platform's order id (as in ``Order.platform_order_id``).
    :return: the payload that :func:`parse_order` accepts, or ``None`` when the
        platform no longer has the order.

    Dispatch: the account's platform plugin only; first result wins.
    """


@hookspec(firstresult=True)
def parse_order(account: Account, payload: dict[str, Any]) -> Order:
    """Turn one platform order payload into a canonical :class:`hub.Order`.

    :param account: the account the order belongs to.
    :param payload: one order as :func:`fetch_orders`, :func:`fetch_order` or a
        webhook body gives it.

    Accepts both what :func:`fetch_orders` yields and the order a webhook body
    carries, so both paths produce identical orders. Money must be exact
    (``Decimal`` from the platform's strings or integer cents), datetimes
    timezone-aware, and ``raw`` the payload itself.

    :raises hub.errors.DataError: the payload cannot be understood; the core
        quarantines it with this message and goes on with the batch.

    Dispatch: the account's platform plugin only; first result wins.
    """


@hookspec(firstresult=True)
def peek_order(account: Account, payload: dict[str, Any]) -> OrderPeek | None:
    """Optional: read a raw order payload's id and status without parsing the rest.

    A backfill reads mostly orders the hub will not import (completed,
    cancelled...). With this hook the core skips a payload whose status the
    account's rules exclude, and that the hub does not hold yet, without
    calling :func:`parse_order`: the run records the same reason, and parsing
    time goes to the orders that are imported. Orders the hub already holds are
    always parsed (a cancellation must reach them).

    :param account: the account the order belongs to.
    :param payload: as for :func:`parse_order`.
    :return: :class:`hub.OrderPeek` with exactly the ``platform_order_id`` and
        ``status`` that :func:`parse_order` would give, or ``None`` when this
        payload needs the full parse (for example a status computed from
        several fields). Never raise: return ``None`` for a payload you cannot read.

    Dispatch: the account's platform plugin only; first result wins.
    """


# --- products ----------------------------------------------------------------

@hookspec(firstresult=True)
def fetch_products(account: Account, product_ids: list[str] | None
                   ) -> AsyncIterator[list[dict[str, Any]]]:
    """Stream product payloads: the named ones, or the whole catalogue when ``None``.

    :param account: the account whose catalogue to read.
    :param product_ids: platform product ids to fetch (the core asks for the
        products of order lines it has never linked), or ``None`` for all.

    Implement it as an ``async def`` generator yielding lists of payloads that
    :func:`map_product` accepts.

    Dispatch: the account's platform plugin only; first result wins.
    """


@hookspec(firstresult=True)
def map_product(account: Account, payload: dict[str, Any]) -> Product:
    """Turn one platform product payload into a canonical :class:`hub.Product`.

    :param account: the account the product belongs to.
    :param payload: one product as :func:`fetch_products` yields it.

    SKU goes to ``sku``, the platform's product id to ``platform_product_id``
    (the hub's product code); variants carry their own ids and SKUs; ``category``
    is the one category the platform's rules pick.

    Dispatch: the account's platform plugin only; first result wins.
    """


# --- pushes ------------------------------------------------------------------

@hookspec(firstresult=True)
async def push_stock(account: Account, updates: list[StockUpdate]) -> list[PushResult]:
    """Set available quantities on the platform.

    :param account: the account to write to (its stock flow is on).
    :param updates: at most ``PlatformInfo.stock_batch_size`` items, one per
        listing, already coalesced (latest value wins) and changed since the
        last accepted push. Send them in as few requests as the API allows.
    :return: one :class:`hub.PushResult` per update, keyed by SKU; an item is
        ``accepted`` only when the platform confirmed it.

    Dispatch: the account's platform plugin only; first result wins.
    """


@hookspec(firstresult=True)
async def push_price(account: Account, updates: list[PriceUpdate]) -> list[PushResult]:
    """Set regular and promotional prices (with their scheduled window).

    :param account: the account to write to (its price flow is on).
    :param updates: at most ``PlatformInfo.price_batch_size`` items.
    :return: one :class:`hub.PushResult` per update, keyed by SKU.

    Dispatch: the account's platform plugin only; first result wins.
    """


@hookspec(firstresult=True)
async def push_tracking(account: Account, shipment: Shipment) -> PushResult:
    """Send a shipment's carrier, tracking number and invoice to the platform.

    :param account: the account that imported the order (its tracking flow is on).
    :param shipment: carrier, tracking number and URL, invoice, lines; it may
        arrive again with ``stock_deducted`` switched on once the hub deducts
        the order, so make the call safe to repeat.

    ``shipment.stock_deducted`` says whether the hub has deducted the order's
    stock (some platforms may only be marked complete after that).

    ``shipment.replaces`` is set when the order was shipped again: the carrier,
    tracking and invoice number of the earlier push. Update that fulfilment or
    invoice (found by those values) instead of creating a second one, and say
    which you did with ``PushResult.ok(key, action="created" | "updated")``.

    :return: a :class:`hub.PushResult` keyed by the platform order id.

    Dispatch: the account's platform plugin only; first result wins.
    """


# --- webhooks ----------------------------------------------------------------

@hookspec(firstresult=True)
def verify_webhook(account: Account, headers: Mapping[str, str], body: bytes) -> bool:
    """Say whether an inbound webhook really comes from the platform.

    :param account: the account named in the webhook URL.
    :param headers: the request headers, names in lower case.
    :param body: the raw request body, exactly as received.

    Compare an HMAC over the raw ``body`` (never re-serialised JSON) in constant
    time (:func:`hub.verify_hmac`), or check the secret header the account
    configured where the platform signs nothing.

    Dispatch: the account's platform plugin only; first result wins.
    """


@hookspec(firstresult=True)
def parse_webhook(account: Account, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
    """Say what a verified webhook means: an order to parse, or one to re-fetch.

    :param account: the account named in the webhook URL.
    :param headers: the request headers, names in lower case.
    :param body: the raw request body (already verified).
    :return: a :class:`hub.WebhookEvent`; ``ignore=True`` for topics the hub
        does not use (pings, other resources).

    Dispatch: the account's platform plugin only; first result wins.
    """


# --- sandbox -----------------------------------------------------------------

@hookspec(firstresult=True)
def create_sandbox(options: SandboxOptions) -> Sandbox:
    """Build the local fake of this platform's API (an ASGI app).

    :param options: seed, number of orders, fault knobs (latency, 429 bursts,
        5xx, a page that changes between fetches, token expiry).
    :return: a :class:`hub.sandbox.Sandbox` that serves the routes the plugin
        uses and knows the settings an account needs to talk to it.

    Dispatch: the plugin of the platform named on ``hub sandbox run PLATFORM``.
    """


# --- broadcast events and extensions -------------------------------------------

@hookspec
def order_imported(account: Account, order: Order, created: bool) -> None:
    """Event: an order was committed.

    :param account: the account it was imported for.
    :param order: the canonical order.
    :param created: True for a new order, False for an update.

    Dispatch: broadcast to every plugin; results ignored. Exceptions are logged
    and never undo the import.
    """


@hookspec
def sync_failed(account: Account, flow: str, run_id: int, error: str) -> None:
    """Event: a sync run failed.

    :param account: the account of the run.
    :param flow: orders, stock, price, tracking or tracking_in.
    :param run_id: see ``hub runs show RUN_ID``.
    :param error: the one-line error (secrets already redacted).

    Dispatch: broadcast to every plugin; results ignored.
    """


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add CLI commands; group them under the plugin's name.

    :param cli: the root ``hub`` click group: ``cli.add_command(group)``.

    Dispatch: broadcast to every plugin when the CLI starts.
    """


# ---- order lifecycle: the status flow ----

@hookspec(firstresult=True)
async def push_order_state(account: Account, update: StateUpdate) -> PushResult:
    """Move an order to a canonical state on the platform (start handling, deliver, cancel).

    :param account: the account that imported the order (its ``status`` flow is on).
    :param update: the platform order id, the target :class:`hub.OrderState`, the
        admin's reason (pass it where the platform takes one, e.g. a cancellation
        reason), the platform status the hub last read and the hub's state before.

    The core sends only states listed in ``PlatformInfo.writes_states`` and only moves
    the lifecycle allows; ``shipped`` goes through :func:`push_tracking` instead. Read
    the order back (or check the platform's answer) before answering accepted. When the
    platform refuses (an order it already cancelled, a transition its rules forbid),
    answer ``PushResult.failed(key, why, retryable=False)``: never fake the state. The
    same update may arrive again after a crash, so a platform already in the target
    state is an accepted push.

    :return: a :class:`hub.PushResult` keyed by the platform order id.

    Dispatch: the account's platform plugin only; first result wins.
    """


# ---- invoices ----

@hookspec(firstresult=True)
async def push_invoice(account: Account, invoice: InvoiceDocument) -> PushResult:
    """Make the platform hold one invoice of an order as the hub has it.

    :param account: the account that imported the order (its ``tracking`` flow is on:
        invoices and tracking travel together, as seed 002's "Atualizar Pedido").
    :param invoice: a :class:`hub.InvoiceDocument`: number, series, access key, issue
        date, value, the lines it covers (``partial`` when fewer than the order's),
        the authorised document as received (``xml``, Brazil's NF-e ``nfeProc``),
        and what the platform answered to earlier pushes (``platform_ids``).

    The same invoice record arrives again when it changes:

    * ``replaces`` set: the platform accepted an earlier version (that number, key,
      value). Update or replace what it holds (for example delete the uploaded
      fiscal document and upload the new one); never add a second invoice.
    * ``cancelled`` True: remove or cancel it on the platform where the API allows;
      where it does not, fail with ``retryable=False`` saying what to do by hand.
    * neither: a new invoice. If the platform already shows it (an earlier push
      that landed without its answer), answer ``ok`` without sending it again.

    Read the result back where the API allows, and report refusals as they are (a
    platform that cannot take a partial invoice fails saying so; nothing is faked).

    :return: a :class:`hub.PushResult` keyed by the platform order id, with
        ``action`` ``created`` or ``updated`` and ``ids`` holding what the core must
        keep for later updates (such as ``{"fiscal_document_id": "..."}``).

    Dispatch: the account's platform plugin only; first result wins. A platform
    whose plugin does not implement it gets no invoices queued.
    """
# ---- connections: disconnecting an account, the store's currency ----

@hookspec(firstresult=True)
async def revoke_authorization(account: Account) -> bool:
    """Revoke the hub's access to the store on the platform (``hub accounts disconnect``).

    Called before the core wipes the account's stored credentials, with the
    account's credentials still loaded. Implement it only where the platform lets
    an app give up its own grant (Shopify: uninstall the app through
    ``DELETE /admin/api_permissions/current.json``; Mercado Libre: ``DELETE
    /users/{user_id}/applications/{app_id}``), and declare
    ``Capability.REVOKE`` in ``platform_info``; platforms whose keys only the store
    owner can delete (WooCommerce REST keys, VTEX app keys) leave it out and say
    so in their docs: the core then only wipes the keys it holds.

    :param account: the account being disconnected (credentials and settings loaded).
    :return: True when the platform confirmed the revocation, False when it
        answered that there was nothing left to revoke (the grant was already gone).
    :raises hub.errors.HubError: the platform refused or could not be reached;
        the core reports it and wipes the stored credentials all the same.

    Dispatch: the account's platform plugin only, and only when it implements the
    hook; first result wins.
    """


@hookspec(firstresult=True)
async def store_currency(account: Account) -> str | None:
    """The currency the store sells in, as the platform reports it (ISO 4217).

    The core asks at ``hub accounts authorize`` (and ``hub accounts add`` for
    accounts whose keys are in their settings) and warns at once when it differs
    from the account's back-office currency, before any order is rejected for it.

    :param account: the account, authorized (credentials loaded).
    :return: the three-letter code (Shopify ``shop { currencyCode }``,
        WooCommerce ``/data/currencies/current``, VTEX the trade policy's
        ``CurrencyCode``, Mercado Libre the site's currency), or None when the
        platform does not say.

    Dispatch: the account's platform plugin only, and only when it implements the
    hook; first result wins.
    """


PLATFORM_HOOKS = PLATFORM_HOOKS | {"revoke_authorization", "store_currency"}
# ---- carriers ----

@hookspec(firstresult=True)
async def track_shipments(account: Account, shipments: list[ShipmentRef]) -> list[TrackingUpdate]:
    """Read what the carrier knows of these shipments: each one's events so far.

    :param account: the carrier account (its ``tracking_in`` flow is on).
    :param shipments: at most ``PlatformInfo.carrier.batch_size`` shipments the hub
        routed to this carrier (by carrier name or tracking-number format); send them
        in as few requests as the carrier allows (Correios takes 50 codes at once).
    :return: one :class:`hub.TrackingUpdate` per tracking number asked, with the
        events the carrier reports (any order; the hub sorts them and stores each
        ``(code, at)`` once). A number the carrier does not know comes back with
        ``found=False`` and the carrier's message, not as an exception. Raise only
        for what stops the whole call (bad credentials, the carrier down): the core
        retries it like any platform call.

    Map every carrier event to a :class:`hub.TrackingStatus`; the hub moves the
    order to ``delivered`` or ``returned`` from those statuses, so a code you are
    unsure of maps to ``in_transit`` or ``exception``, never to ``delivered``.

    Dispatch: the account's platform plugin only; first result wins.
    """


# ---- support tickets (SAC): questions, post-sale messages, claims ----

TICKET_HOOKS = frozenset({"fetch_tickets", "fetch_ticket", "parse_ticket", "reply_ticket"})
PLATFORM_HOOKS = PLATFORM_HOOKS | TICKET_HOOKS


@hookspec(firstresult=True)
def fetch_tickets(account: Account, since: datetime) -> AsyncIterator[TicketPage]:
    """Stream the buyers' tickets (questions, message threads, claims) changed since ``since``.

    Implement it as an ``async def`` generator yielding :class:`hub.TicketPage`,
    with the same contract as :func:`fetch_orders`: raw payloads (the core parses
    each with :func:`parse_ticket`, so one bad payload never stops the batch; a
    payload's ``ticket_id`` or ``id`` key names it in the run's quarantine),
    and a ``checkpoint`` only where every ticket changed before it has been
    yielded. The core commits each page before asking for the next, keeps one
    copy per ``Ticket.platform_ticket_id`` (a ticket listed twice, or again on
    the next run, updates the same row) and saves the checkpoint as the
    account's ``tickets`` cursor only after that commit. Build it on
    :func:`hub.scan_tickets` (guard, sweeps, checkpoint) rather than a loop.

    :param account: the account to read (its tickets flow is on).
    :param since: timezone-aware UTC lower bound on the ticket's last change (the
        core has already subtracted its overlap window); a platform whose
        listing cannot filter by it lists what is still open instead.
    :return: an async iterator of pages.

    Dispatch: the account's platform plugin only; first result wins.
    """


@hookspec(firstresult=True)
async def fetch_ticket(account: Account, ticket_id: str) -> dict[str, Any] | None:
    """Fetch one ticket's payload by its platform id (webhook refresh, read-back after a reply).

    :param account: the account that owns the ticket.
    :param ticket_id: ``Ticket.platform_ticket_id`` as :func:`parse_ticket` gives it,
        or as :attr:`hub.WebhookEvent.ticket_id` names it.
    :return: the payload :func:`parse_ticket` accepts, or ``None`` when the
        platform no longer has it.

    Dispatch: the account's platform plugin only; first result wins.
    """


@hookspec(firstresult=True)
def parse_ticket(account: Account, payload: dict[str, Any]) -> Ticket:
    """Turn one ticket payload into a canonical :class:`hub.Ticket`.

    :param account: the account the ticket belongs to.
    :param payload: one ticket as :func:`fetch_tickets` or :func:`fetch_ticket` gives it.

    ``platform_ticket_id`` must be unique across the platform's kinds (prefix
    it: ``question:1``, ``pack:2``), datetimes timezone-aware, ``status`` seen
    from the seller (``open`` when the buyer waits for an answer), ``deadline``
    the platform's due date when it has one, ``raw`` the payload itself.

    :raises hub.errors.DataError: the payload cannot be understood; the core
        quarantines it with this message and goes on with the batch.

    Dispatch: the account's platform plugin only; first result wins.
    """


@hookspec(firstresult=True)
async def reply_ticket(account: Account, ticket: Ticket, message: TicketReply) -> PushResult:
    """Send the seller's reply on a ticket (answer a question, post a message on a thread).

    The core calls it only for a ticket it downloaded from this channel (the
    seed's rule: it never writes to a ticket it did not first download), with
    the account's tickets flow on, and reads the ticket back with
    :func:`fetch_ticket` afterwards: the reply counts as sent only when it is
    in the conversation the platform returns.

    :param account: the account that downloaded the ticket.
    :param ticket: the ticket as the hub last downloaded it (``raw`` included).
    :param message: the text (and attachment URLs) to send.
    :return: a :class:`hub.PushResult` keyed by ``ticket.platform_ticket_id``:
        ``PushResult.ok`` when the platform accepted it;
        ``PushResult.failed(key, reason, retryable=False)`` when the platform
        refused it (too long, forbidden content, already answered), with the
        platform's own reason, which the core shows the user unchanged.

    Dispatch: the account's platform plugin only; first result wins.
    """


# ---- catalogue out (issue 20) ----

@hookspec(firstresult=True)
async def push_product(account: Account, product: ListingDraft) -> PushResult:
    """Create or update the listing of one hub product, with its variants.

    The core calls it for the ``products`` flow (switched on per account, off by
    default) through the outbox: one call per changed product, latest values
    coalesced, retried with backoff until the platform confirms. The plugin
    declares it with ``Capability.PUBLISH``.

    :param account: the account to publish to.
    :param product: the product as the listing should show it. When
        ``product.platform_product_id`` is set the hub has linked a listing:
        update it. When it is ``None``, look the SKU up on the platform first
        and update the listing found; create one only when none has the SKU,
        so a listing is never duplicated. ``product.changed`` names the fields
        to send (``None``: all of them, a first publication); variants carry
        their own SKUs and, once linked, their platform ids.
    :return: :class:`hub.PushResult` keyed by the product's SKU; when accepted,
        ``platform_id`` is the listing's id and ``variant_ids`` each variant's
        id by SKU (the core stores them as the product's links), and ``action``
        says whether the listing was ``created`` or ``updated``. A refusal
        carries the platform's reasons in ``error`` (``retryable=False`` when
        sending it again cannot help, e.g. a missing required attribute).

    Dispatch: the account's platform plugin only; first result wins.
    """


@hookspec(firstresult=True)
async def push_customer(account: Account, customer: ContactDraft) -> PushResult:
    """Create or update one hub contact as a customer of the platform.

    Called for the ``contacts`` flow (switched on per account, off by default)
    on platforms that keep customer records and declare ``Capability.CONTACTS``
    (``hub plugins list`` shows which do).

    :param account: the account to write to.
    :param customer: the contact; ``platform_customer_id`` is set when the hub
        has linked one, otherwise match by e-mail on the platform before
        creating. ``changed`` names the fields to send (``None``: all).
    :return: :class:`hub.PushResult` keyed by the contact's e-mail (or phone),
        with ``platform_id`` the customer's id on the platform when accepted.

    Dispatch: the account's platform plugin only; first result wins.
    """


@hookspec(firstresult=True)
async def push_products(account: Account, products: list[ListingDraft]) -> list[PushResult]:
    """Optional: create or update several listings at once, for platforms with a batch API.

    When a plugin implements it, the ``products`` flow sends its changed products
    through this hook, at most ``PlatformInfo.product_batch_size`` at a time,
    instead of calling :func:`push_product` once per product. Each product obeys
    :func:`push_product`'s rules (update the linked listing, else match the SKU
    before creating; send only ``changed`` fields).

    :param account: the account to publish to.
    :param products: the products, in the order the results must follow.
    :return: one :class:`hub.PushResult` per product, in the same order, each as
        :func:`push_product` would return it.

    Dispatch: the account's platform plugin only; first result wins.
    """


@hookspec(firstresult=True)
def fetch_customers(account: Account, since: datetime | None) -> AsyncIterator[list[Customer]]:
    """Stream the platform's customer records changed at or after ``since`` (the ``contacts``
    flow's inbound half, ``hub contacts pull``).

    Implement it as an ``async def`` generator yielding lists of canonical
    :class:`hub.Customer` (``platform_id`` set, e-mail and phone as the platform
    has them). The core matches each to a hub contact by e-mail or phone, creates
    the missing ones, links them to the account and never sends them back to it.

    :param account: the account whose customers to read.
    :param since: the flow's cursor (the time its previous run started, minus an
        overlap), or ``None`` for every customer.
    :return: an async iterator of customer lists.

    Dispatch: the account's platform plugin only; first result wins.
    """


# ---- carriers: a tracking code checked when a shipment is recorded ----

@hookspec(firstresult=True)
def check_tracking_number(account: Account, tracking_number: str) -> str | None:
    """Say what is wrong with ``tracking_number``, for a shipment about to be recorded.

    The core asks each enabled carrier account whose :attr:`hub.CarrierInfo.names`
    include the shipment's carrier name (``--carrier correios``) before it records
    the shipment; an answer refuses it with that one line (``hub orders ship`` exits
    non-zero). Check only what the carrier's own format proves wrong (a check digit
    that does not add up), offline: a number in a format you do not recognise may be
    another of the carrier's documents, so answer ``None`` for it. Optional: a carrier
    without check digits leaves it out.

    :param account: the carrier account (its settings; no request should be needed).
    :param tracking_number: the number as the user gave it (not yet upper-cased).
    :return: ``None`` when nothing is wrong, else one sentence naming the code and
        the problem (``"tracking code AA123456788BR: check digit should be 5"``).

    Dispatch: the account's platform plugin only; first result wins.
    """
