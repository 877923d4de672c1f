"""The store's customers (``Capability.CONTACTS``): read along ``Link``, created and updated.

``GET /customers?updated_at_min=..&per_page=200`` along the ``Link`` header's
``rel="next"`` URLs reads the records changed since the flow's cursor (every
record on a first run); each maps like an order's buyer
(:func:`hub_nuvemshop.mapping.map_customer`). A hub contact is written to the
customer the hub has linked, else to the one holding its e-mail (``GET
/customers?q=EMAIL``: ``q`` searches names, e-mails and identifications, so the
e-mail is compared exactly here), else a new customer is created (``POST
/customers``, its address as the first of ``addresses``). Updates (``PUT
/customers/{id}``) send only the changed fields; the address goes to the
customer's billing fields (``billing_address``...), the shipping addresses being
the buyer's own. The store needs a name and an e-mail it holds for no other
customer (resources/customer.md).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from hub import (
    Address,
    ContactDraft,
    Customer,
    DataError,
    PlatformError,
    PushResult,
    TransientError,
    json_object,
)
from hub_nuvemshop.client import StoreClient
from hub_nuvemshop.mapping import map_customer
from hub_nuvemshop.orders import iso


async def fetch(client: StoreClient, since: datetime | None) -> AsyncIterator[list[Customer]]:
    """The customers updated at or after ``since`` (every one when ``None``)."""
    params = {} if since is None else {"updated_at_min": iso(since)}
    async for page in client.pages("customers", params, "customers"):
        found = [map_customer(item) for item in page if item.get("id") not in (None, "")]
        if found:
            yield found


def _street(address: Address) -> dict[str, Any]:
    """A hub address as the store's address fields (the street with its number in ``address``)."""
    return {"address": address.line1, "locality": address.line2, "city": address.city,
            "province": address.state, "zipcode": address.postcode, "country": address.country,
            "phone": address.phone}


def body(contact: ContactDraft, create: bool) -> dict[str, Any]:
    """The fields to send: all of them on a create, else those ``contact.changed`` names."""
    def sends(name: str) -> bool:
        return create or contact.changed is None or name in contact.changed

    found: dict[str, Any] = {}
    if sends("first_name") or sends("last_name"):
        name = " ".join(p for p in (contact.first_name, contact.last_name) if p)
        if name:
            found["name"] = name
    if sends("email") and contact.email:
        found["email"] = contact.email
    if sends("phone") and contact.phone:
        found["phone"] = contact.phone
    if sends("address") and contact.address is not None:
        fields = _street(contact.address)
        if create:
            found["addresses"] = [{k: v for k, v in fields.items() if v is not None}]
        found.update({f"billing_{k}": v for k, v in fields.items()})
    return found


async def _by_email(client: StoreClient, email: str) -> str | None:
    """The id of the customer holding ``email`` (``q`` matches parts of names too)."""
    async for page in client.pages("customers", {"q": email}, "customers"):
        for item in page:
            if str(item.get("email") or "").strip().lower() == email.strip().lower():
                return str(item["id"])
    return None


async def push(client: StoreClient, contact: ContactDraft) -> PushResult:
    """Create or update one customer: the hub's link first, else a match by e-mail."""
    key = contact.email or contact.phone or "?"
    if not contact.email:
        return PushResult.failed(key, "Tiendanube customers need an e-mail address", retryable=False)
    try:
        customer_id = contact.platform_customer_id or await _by_email(client, contact.email)
        if customer_id and not contact.platform_customer_id:
            contact = contact.model_copy(update={"changed": None})  # matched: bring it in line
        created = customer_id is None
        fields = body(contact, create=created)
        if created and "name" not in fields:
            return PushResult.failed(key, "Tiendanube customers need a name", retryable=False)
        response = await (client.post("customers", fields) if created
                          else client.put(f"customers/{customer_id}", fields))
        echo = json_object(response, f"customer {key}")
    except PlatformError as exc:
        return PushResult.failed(key, f"Tiendanube refused customer {key}: {exc.message}",
                                 retryable=False)
    except (TransientError, DataError) as exc:
        return PushResult.failed(key, exc.message, retryable=isinstance(exc, TransientError))
    return PushResult.ok(key, action="created" if created else "updated").model_copy(
        update={"platform_id": str(echo.get("id", customer_id))})
