"""The ``contacts`` flow: hub contacts created and updated as customers of a channel.

Off until switched on per account, and only for platforms that keep customer
records (``Capability.CONTACTS``). The contacts created in the hub go to the
account, and those linked to it are kept up to date there; a contact that came
from the account's own orders is never sent back to it (the store already has
it), and buyers of other channels are not copied into a store's customers. Through the outbox
like products (:func:`hub.core.sync.publish.run_flow`): only changed fields,
coalesced, confirmed, retried, visible in the run history. The platform's
customer id becomes a :class:`~hub.core.storage.catalogue.ContactLink`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlmodel import Session, col, select

from hub.core.storage.catalogue import CatalogueEvent, ContactLink
from hub.core.storage.models import Customer, Order, OutboxItem
from hub.core.sync import runs
from hub.core.sync.catalog import normal_email, normal_phone
from hub.core.sync.publish import OutboxFlow, PublishRun, changed_fields, queue_changed, run_flow
from hub.errors import ConfigError
from hub.types import Address, ContactDraft, PushResult

if TYPE_CHECKING:
    from hub.core.app import HubApp

KIND = "contact"


def contact_values(customer: Customer) -> dict[str, Any]:
    return {"email": customer.email, "phone": customer.phone, "first_name": customer.first_name,
            "last_name": customer.last_name, "address": customer.address}


def wanted_contacts(s: Session, account_id: int) -> dict[str, dict[str, Any]]:
    """Outbox key (the customer id) -> the values the channel's customer should hold.

    Candidates are the contacts created in the hub (``hub contacts add``) and
    those linked to this account; buyers of other channels are not copied into
    a store's customer list.
    """
    linked = set(s.exec(select(ContactLink.customer_id).where(ContactLink.account_id == account_id)))
    own = set(s.exec(select(CatalogueEvent.customer_id).where(
        CatalogueEvent.kind == "created", col(CatalogueEvent.customer_id).is_not(None),
        col(CatalogueEvent.account_id).is_(None))))
    from_here = set(s.exec(select(Order.customer_id).distinct().where(
        Order.account_id == account_id, col(Order.customer_id).is_not(None))))
    wanted = {}
    ids = (linked | own) - {None}
    for customer in s.exec(select(Customer).where(col(Customer.id).in_(ids),
                                                  col(Customer.unspecified).is_(False))
                           .order_by(col(Customer.id))):
        if not (customer.email or customer.phone):
            continue
        if customer.id in from_here and customer.id not in linked:
            continue
        wanted[str(customer.id)] = contact_values(customer)
    return wanted


def _refresh(s: Session, account_id: int, counts: runs.RunCounts) -> None:
    queue_changed(s, account_id, KIND, wanted_contacts(s, account_id), counts)


def _draft(s: Session, account_id: int, item: OutboxItem) -> ContactDraft:
    payload = dict(item.payload or {})
    link = s.exec(select(ContactLink).where(ContactLink.account_id == account_id,
                                            ContactLink.customer_id == int(item.key))).first()
    address = payload.get("address")
    return ContactDraft(email=payload.get("email"), phone=payload.get("phone"),
                        first_name=payload.get("first_name"), last_name=payload.get("last_name"),
                        address=Address.model_validate(address) if address else None,
                        platform_customer_id=link.platform_customer_id if link else None,
                        changed=changed_fields(item.accepted, payload) if link else None)


def _link(s: Session, account_id: int, customer_id: int, result: PushResult,
          payload: dict[str, Any]) -> None:
    if not result.platform_id:
        return
    link = s.exec(select(ContactLink).where(ContactLink.account_id == account_id,
                                            ContactLink.customer_id == customer_id)).first()
    if link is None:
        s.add(ContactLink(account_id=account_id, customer_id=customer_id,
                          platform_customer_id=result.platform_id))


def contacts_flow(app: HubApp) -> OutboxFlow:
    return OutboxFlow(flow="contacts", kind=KIND, refresh=_refresh, prepare=_draft,
                      send=app.host.push_customer, link=_link)


async def push_contacts(app: HubApp, name: str, *, trigger: str = "manual",
                        retry_failed: bool = False) -> PublishRun:
    """The ``contacts`` flow for account ``name`` (see the module docstring)."""
    return await run_flow(app, name, contacts_flow(app), trigger=trigger, retry_failed=retry_failed)


def add_contact(app: HubApp, email: str | None, phone: str | None, first_name: str | None,
                last_name: str | None) -> Customer:
    """Create a contact in the hub (``hub contacts add``); matched by e-mail or phone, never twice."""
    email, phone = normal_email(email), normal_phone(phone)
    if not email and not phone:
        raise ConfigError("a contact needs an e-mail or a phone number (5 digits or more)")
    with app.db.session() as s:
        clauses = [col(Customer.email) == email] if email else []
        clauses += [col(Customer.phone) == phone] if phone else []
        from sqlmodel import or_

        found = s.exec(select(Customer).where(or_(*clauses))).first()
        if found is not None:
            raise ConfigError(f"a contact with this {'e-mail' if email else 'phone'} already "
                              f"exists (id {found.id})")
        customer = Customer(email=email, phone=phone, first_name=first_name, last_name=last_name)
        s.add(customer)
        s.flush()
        s.add(CatalogueEvent(customer_id=customer.id, kind="created", message="created in the hub"))
    return customer


# --- the inbound half: customers created on the channel ---------------------------------

PULL_FLOW = "contacts_in"


async def pull_contacts(app: HubApp, name: str, *, trigger: str = "manual") -> PublishRun:
    """Create in the hub the customers the channel has (``fetch_customers``), never twice.

    Matched by e-mail or phone; a match gains the e-mail or phone it lacked, and is
    never overwritten. Each is linked to the account and recorded as held by it,
    so it is not sent back. The cursor (``contacts_in``) is the time the run
    started, saved after a run without errors.
    """
    from datetime import timedelta

    from hub.core.storage.columns import now
    from hub.core.sync.catalog import CustomerMatcher
    from hub.core.sync.orders import advance_cursor, get_cursor
    from hub.errors import HubError

    row = app.accounts.row(name)
    from hub.core.sync.publish import check_flow

    check_flow(app, row, "contacts")
    account = app.accounts.open(row)
    account_id = row.id or 0
    counts = runs.RunCounts()
    started = now()
    async with app.accounts.lease(f"run:{PULL_FLOW}:{account_id}", ttl=300, wait=0):
        with app.db.session() as s:
            cursor = get_cursor(s, account_id, PULL_FLOW)
            run_id = runs.start_run(s, account_id, PULL_FLOW, trigger).id or 0
        error: str | None = None
        try:
            since = cursor - timedelta(minutes=5) if cursor else None
            async for batch in app.host.fetch_customers(account, since):
                with app.db.session() as s:
                    _take(s, account_id, name, batch, CustomerMatcher(s, row.platform, False),
                          counts, run_id)
        except HubError as exc:
            error = str(exc)
        with app.db.session() as s:
            if error is None:
                advance_cursor(s, account_id, PULL_FLOW, started)
            run = runs.finish_run(s, run_id, counts, error)
    return PublishRun(run_id=run_id, counts=counts, status=run.status, error=error)


def _take(s: Session, account_id: int, account: str, batch: list[Any], matcher: Any,
          counts: runs.RunCounts, run_id: int) -> None:
    buyers = [b for b in batch if b.platform_id and (b.email or b.phone)]
    known = {link.platform_customer_id: link.customer_id for link in s.exec(
        select(ContactLink).where(ContactLink.account_id == account_id,
                                  col(ContactLink.platform_customer_id).in_(
                                      [b.platform_id for b in buyers])))}
    fresh = [b for b in buyers if b.platform_id not in known]
    counts.counts[runs.UNCHANGED] += len(buyers) - len(fresh)
    if not fresh:
        return
    matcher.preload(fresh)
    known_before = [bool((normal_email(b.email) or "") in matcher.emails
                         or (normal_phone(b.phone) or "") in matcher.phones) for b in fresh]
    ids = matcher.resolve_many(fresh)
    seen: set[int] = set()
    for buyer, customer_id, matched in zip(fresh, ids, known_before, strict=True):
        created = not matched and customer_id not in seen
        seen.add(customer_id)
        s.add(ContactLink(account_id=account_id, customer_id=customer_id,
                          platform_customer_id=buyer.platform_id))
        s.flush()
        customer = s.get(Customer, customer_id)
        assert customer is not None
        item = s.exec(select(OutboxItem).where(OutboxItem.account_id == account_id,
                                               OutboxItem.kind == KIND,
                                               OutboxItem.key == str(customer_id))).first()
        if item is None:  # what the channel holds: its own record, not to be sent back
            values = contact_values(customer)
            s.add(OutboxItem(account_id=account_id, kind=KIND, key=str(customer_id),
                             payload=values, accepted=values, status="done"))
        outcome = runs.IMPORTED if created else "linked"
        counts.add(outcome)
        runs.record_item(s, run_id, account_id, buyer.email or buyer.phone or buyer.platform_id,
                         outcome, f"{outcome} from {account}")
        if created:
            s.add(CatalogueEvent(customer_id=customer_id, account_id=account_id, kind="created",
                                 message=f"created from {account} (customer {buyer.platform_id})"))
