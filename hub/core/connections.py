"""Connections: disconnecting an account, its per-connection terms, re-import by reference.

Seed 004 (a 3PL serving client stores) and seed 000 (re-import by changing the
reference) in one place:

* :func:`disconnect` (``hub accounts disconnect`` / ``disable``): flows stop, the
  account's open orders (not shipped yet, :data:`hub.lifecycle.OPEN`) are
  *released*: handed back to the client store (state ``released``, their stock
  reservation given back, an ``order.released`` outbound webhook, an event in
  each feed). Shipped and later orders stay with their history. A disconnect
  also revokes the platform grant where the plugin can (``revoke_authorization``)
  and wipes the tokens and store keys the hub holds; ``disable`` keeps them.
* :func:`terms_of`: the connection's terms (who is billed for shipments, the
  carrier account and shipping rules, who handles tickets) are account settings
  (:class:`hub.settings.CoreSettings`); each new order records them
  (:class:`~hub.core.storage.connections.OrderTerms`), so a change applies to
  new orders only.
* :func:`change_reference` (``hub orders reference``): the hub's order keeps its
  data under a new reference and gives up the platform key, so the next import
  that sees the platform order imports it again, linked to the old one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, col, select

from hub.core.storage.columns import now
from hub.core.storage.models import Account as AccountRow
from hub.core.storage.models import Order, SyncCursor
from hub.errors import ConfigError, HubError, NotFound
from hub.lifecycle import OPEN, OrderState
from hub.settings import CoreSettings

if TYPE_CHECKING:
    from hub.core.app import HubApp
    from hub.core.storage.connections import OrderLink

log = logging.getLogger("hub.connections")

TERMS = ("shipment_billing", "tickets_handled_by", "carrier_account", "shipping_rules")
"""The per-connection terms each new order records (read them with :func:`order_terms`)."""
BRAND = ("brand_contact", "brand_company", "store_url", "shipping_warehouse", "orders_per_month")
"""The brand details of a connection (shown by ``hub accounts show`` and the API)."""
DETACHED_PREFIX = "ref:"
"""A hub order that gave up its platform key is stored under ``ref:<its new reference>``."""


# --- terms and brand ----------------------------------------------------------------

def terms_of(core: CoreSettings) -> dict[str, str | None]:
    """The connection's terms as its settings say now (what a new order records)."""
    return {name: getattr(core, name) for name in TERMS}


def brand_of(core: CoreSettings) -> dict[str, str | None]:
    return {name: getattr(core, name) for name in BRAND}


def order_terms(s: Session, order_id: int) -> dict[str, str | None] | None:
    """The terms recorded on an order when it was imported (None: imported before terms)."""
    from hub.core.storage.connections import OrderTerms

    row = s.get(OrderTerms, order_id)
    return None if row is None else {name: getattr(row, name) for name in TERMS}


def tickets_handled_by(s: Session, account_id: int, order_ref: str | None) -> str:
    """Who answers the tickets of an account's order, by its platform order id: the
    ``tickets_handled_by`` recorded on the order, ``hub`` where the order is unknown or
    was imported before terms existed."""
    from hub.core.storage.connections import OrderTerms

    if not order_ref:
        return "hub"
    handler = s.exec(select(OrderTerms.tickets_handled_by)
                     .join(Order, col(Order.id) == col(OrderTerms.order_id))
                     .where(Order.account_id == account_id,
                            Order.platform_order_id == order_ref)).first()
    return handler or "hub"


def terms_rows(order_ids: list[int], terms: dict[str, str | None]) -> list[dict[str, Any]]:
    """Rows of :class:`OrderTerms` for a page of new orders (one insert statement)."""
    return [{"order_id": order_id, **terms} for order_id in order_ids]


def back_office_currency(app: HubApp, core: CoreSettings) -> str:
    """The currency an account's orders must be in: its own, else the hub's."""
    return (core.back_office_currency or app.currency).upper()


# --- store currency -------------------------------------------------------------------

async def currency_warning(app: HubApp, name: str) -> str | None:
    """A one-line warning when the store's currency differs from the account's back office.

    Reads the currency from the platform (``store_currency``); None when they agree
    or the plugin cannot say. A failure to read is a warning too, never an error.
    """
    row = app.accounts.row(name)
    account = app.accounts.open(row)
    try:
        store = await app.host.store_currency(account)
    except HubError as exc:
        return f"could not read the store's currency of account '{name}': {exc}"
    if store is None:
        return None
    expected = back_office_currency(app, account.core)
    if store.upper() == expected:
        return None
    return (f"account '{name}': the store sells in {store.upper()} but its back office is in "
            f"{expected}: every order would be rejected; set the account's own currency with: "
            f"hub accounts set {name} back_office_currency={store.upper()}")


# --- releasing open orders --------------------------------------------------------------

@dataclass
class Disconnected:
    """What :func:`disconnect` did."""

    released: list[int] = field(default_factory=list)  # hub order ids handed back
    kept: int = 0  # shipped and later orders that stay
    revoked: bool | None = None  # None: the platform offers no revocation
    revoke_error: str | None = None
    wiped: bool = False

    def summary(self, name: str) -> str:
        text = (f"account '{name}': released {len(self.released)} open order(s) to the store, "
                f"kept {self.kept} shipped or closed")
        if self.wiped:
            if self.revoke_error:
                text += f"; revoking the grant failed ({self.revoke_error}), tokens wiped"
            elif self.revoked is None:
                text += "; the platform offers no revocation: tokens and keys wiped (delete the " \
                        "keys in the store's admin too)"
            else:
                text += "; grant revoked on the platform, tokens wiped"
        return text


def release_open_orders(s: Session, row: AccountRow, reason: str) -> tuple[list[int], int]:
    """Release every open order of ``row`` inside the caller's transaction.

    :return: (released order ids, how many orders stay: shipped, delivered, closed).
    """
    from hub.core import outbound
    from hub.core.storage.models import OrderEvent, Shipment
    from hub.core.sync.lifecycle import change_state, current_state
    from hub.core.sync.stock import give_back

    released: list[int] = []
    kept = 0
    shipped = set(s.exec(select(Shipment.order_id).join(Order, col(Order.id) == Shipment.order_id)
                         .where(Order.account_id == row.id)))
    for order in s.exec(select(Order).where(Order.account_id == row.id).order_by(col(Order.id))):
        state = current_state(order)
        if state not in OPEN or order.id in shipped:  # a shipment recorded: the goods left
            kept += state != OrderState.RELEASED
            continue
        change_state(s, order, OrderState.RELEASED, "hub", reason)
        units = give_back(s, order.id or 0, deducted=order.stock_deducted_at is not None)
        if units:
            s.add(OrderEvent(order_id=order.id or 0, kind="stock", source="hub",
                             message=f"{units} unit(s) reserved for it given back"))
        order.updated_at = now()
        s.add(order)
        outbound.enqueue_row_event(s, row, order, "order.released",
                                   terms=order_terms(s, order.id or 0), reason=reason)
        released.append(order.id or 0)
    return released, kept


async def disconnect(app: HubApp, name: str, *, wipe: bool = True) -> Disconnected:
    """Stop the account's flows and hand its open orders back to the store.

    ``wipe`` (``hub accounts disconnect``) also revokes the platform grant where the
    plugin can and wipes the stored tokens and store keys; without it (``hub
    accounts disable``) the credentials stay, so ``hub accounts enable`` resumes.
    An import running for the account finishes its page first (its lease is taken).
    """
    row = app.accounts.set_flags(name, enabled=False)
    done = Disconnected()
    async with app.accounts.lease(f"run:orders:{row.id}", ttl=120, wait=120):
        verb = "disconnected" if wipe else "disabled"
        with app.db.session() as s:
            stored = s.get(AccountRow, row.id)
            assert stored is not None
            done.released, done.kept = release_open_orders(
                s, stored, f"account '{name}' {verb}: returned to the store")
    if wipe:
        account = app.accounts.open(app.accounts.row(name))
        try:
            done.revoked = await app.host.revoke_authorization(account)
        except HubError as exc:
            done.revoke_error = str(exc)
            log.warning("%s: revoking the grant failed: %s", account.label, exc)
        wipe_credentials(app, name)
        done.wiped = True
    return done


def wipe_credentials(app: HubApp, name: str) -> None:
    """Forget the account's tokens and the keys its store issued (``SettingSpec.store_key``)."""
    from hub.core.storage.queries import forget_authorized

    row = app.accounts.row(name)
    info = app.host.info(row.platform)
    store_keys = [spec.name for spec in info.settings if spec.store_key]
    app.accounts.clear_credentials(row.id or 0, store_keys)
    forget_authorized(app.db, row.id or 0)


# --- re-import: by reference, and released orders after a reconnect ---------------------

def _detach(s: Session, order: Order, reference: str, reason: str) -> OrderLink:
    """Move ``order`` off its platform key (kept in an :class:`OrderLink`)."""
    from hub.core.storage.connections import OrderLink

    link = OrderLink(account_id=order.account_id, order_id=order.id or 0,
                     platform_order_id=order.platform_order_id, reference=reference, reason=reason)
    order.platform_order_id = DETACHED_PREFIX + reference
    order.number = reference
    order.updated_at = now()
    s.add(order)
    s.add(link)
    return link


def change_reference(app: HubApp, order_id: int, reference: str) -> tuple[Order, str]:
    """Give order ``order_id`` the reference ``reference`` and release its platform key.

    The order keeps its data (lines, shipments, events, state); the next import
    that sees the platform order creates a new hub order for it, and both feeds
    link to each other. :return: (the order, the platform order id it released).
    """
    from hub.core.storage.models import OrderEvent

    reference = reference.strip()
    if not reference or len(reference) > 90:
        raise ConfigError("the new reference must be 1 to 90 characters")
    with app.db.session() as s:
        order = s.get(Order, order_id)
        if order is None:
            raise NotFound(f"no order with id {order_id}", hint="see: hub orders list")
        if order.platform_order_id.startswith(DETACHED_PREFIX):
            raise ConfigError(f"order {order_id} already released its platform key "
                              f"(reference {order.number})")
        taken = s.exec(select(Order.id).where(
            Order.account_id == order.account_id,
            Order.platform_order_id == DETACHED_PREFIX + reference)).first()
        if taken is not None:
            raise ConfigError(f"reference '{reference}' is already used by order {taken}")
        key = order.platform_order_id
        _detach(s, order, reference, "reference")
        s.add(OrderEvent(order_id=order_id, kind="reference", source="cli",
                         message=f"reference changed to '{reference}'; platform order {key} "
                                 "released: the next import brings it in as a new order"))
    return order, key


def reimport_released(app: HubApp, name: str) -> int:
    """Let the next import bring back the account's released orders (``--reimport-released``).

    Each released order gives up its platform key (reference ``released-<id>``)
    and the orders cursor goes back to the oldest of them, so the next import
    reads them again and creates new orders, linked to the released ones.
    :return: how many orders were detached.
    """
    from hub.core.storage.models import OrderEvent

    row = app.accounts.row(name)
    with app.db.session() as s:
        released = list(s.exec(select(Order).where(
            Order.account_id == row.id, Order.state == OrderState.RELEASED.value,
            col(Order.platform_order_id).not_like(DETACHED_PREFIX + "%"))))
        if not released:
            return 0
        oldest = min(o.platform_updated_at for o in released)
        for order in released:
            key = order.platform_order_id
            _detach(s, order, f"released-{order.id}", "released")
            s.add(OrderEvent(order_id=order.id or 0, kind="reference", source="cli",
                             message=f"platform order {key} released for re-import on reconnect"))
        cursor = s.get(SyncCursor, (row.id or 0, "orders"))
        if cursor is not None and cursor.position > oldest:
            # an explicit rewind, asked for by the admin: the cursor otherwise never moves back
            cursor.position = oldest - timedelta(seconds=1)
            cursor.updated_at = now()
            s.add(cursor)
    return len(released)


def link_reimported(s: Session, account_id: int, created: list[tuple[str, int]]) -> None:
    """Link new orders to the hub orders that released their platform keys (same transaction)."""
    from hub.core.storage.connections import OrderLink
    from hub.core.storage.models import OrderEvent

    keys = [key for key, _ in created]
    if not keys:
        return
    waiting = {link.platform_order_id: link for link in s.exec(select(OrderLink).where(
        OrderLink.account_id == account_id, col(OrderLink.linked_order_id).is_(None),
        col(OrderLink.platform_order_id).in_(keys)))}
    for key, order_id in created:
        link = waiting.get(key)
        if link is None:
            continue
        link.linked_order_id = order_id
        s.add(link)
        s.add(OrderEvent(order_id=link.order_id, kind="reimported", source="hub",
                         message=f"platform order {key} imported again as order {order_id}"))
        s.add(OrderEvent(order_id=order_id, kind="reimported", source="hub",
                         message=f"re-import of platform order {key}; the earlier copy is order "
                                 f"{link.order_id} (reference {link.reference})"))



def forget_order(s: Session, order_id: int) -> None:
    """Drop what this module keeps of an order being deleted (its terms and links)."""
    from hub.core.storage.connections import OrderLink, OrderTerms

    terms = s.get(OrderTerms, order_id)
    if terms is not None:
        s.delete(terms)
    for link in s.exec(select(OrderLink).where(OrderLink.order_id == order_id)):
        s.delete(link)
    for link in s.exec(select(OrderLink).where(OrderLink.linked_order_id == order_id)):
        link.linked_order_id = None  # the platform key is free again: a later import relinks
        s.add(link)
