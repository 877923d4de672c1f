"""The ``contacts`` flow: hub contacts created and updated as customers of a channel.

Off until switched on per account, and only for platforms that keep customer
records (``Capability.CONTACTS``). A contact goes to an account unless it came
from that account's orders and was never linked there (the store already has
it; sending it back would only echo the store's own data). Through the outbox
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
from hub.core.sync.publish import OutboxFlow, PublishRun, changed_fields, run_flow
from hub.core.sync.push import enqueue
from hub.errors import ConfigError
from hub.types import Address, ContactDraft, PushResult

if TYPE_CHECKING:
    from hub.core.app import HubApp

KIND = "contact"


def contact_values(customer: Customer) -> dict[str, Any]:
    return {"email": customer.email, "phone": customer.phone, "first_name": customer.first_name,
            "last_name": customer.last_name, "address": customer.address}


def wanted_contacts(s: Session, account_id: int) -> dict[str, dict[str, Any]]:
    linked = set(s.exec(select(ContactLink.customer_id).where(ContactLink.account_id == account_id)))
    from_here = set(s.exec(select(Order.customer_id).distinct().where(
        Order.account_id == account_id, col(Order.customer_id).is_not(None))))
    wanted = {}
    for customer in s.exec(select(Customer).where(col(Customer.unspecified).is_(False))
                           .order_by(col(Customer.id))):
        if not (customer.email or customer.phone):
            continue
        if customer.id in from_here and customer.id not in linked:
            continue
        wanted[str(customer.id)] = contact_values(customer)
    return wanted


def _refresh(s: Session, account_id: int, counts: runs.RunCounts) -> None:
    items = {i.key: i for i in s.exec(select(OutboxItem).where(
        OutboxItem.account_id == account_id, OutboxItem.kind == KIND))}
    for key, payload in wanted_contacts(s, account_id).items():
        item = items.get(key)
        if item is not None and item.accepted == payload and item.status == "done":
            counts.add(runs.UNCHANGED)
        else:
            enqueue(s, account_id, KIND, key, payload)


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
