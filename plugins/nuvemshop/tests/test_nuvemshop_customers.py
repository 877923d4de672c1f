"""Customers through the core against the sandbox: orders import with their buyer, the ``contacts``
flow reads the store's customers (``updated_at_min``, ``Link`` paging) and writes hub contacts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlmodel import select

from hub.core.storage.models import Customer
from hub.core.sync.contacts_out import add_contact, pull_contacts, push_contacts
from hub.core.sync.publish import set_flow
from hub.sandbox import SandboxOptions
from hub.testing.harness import SandboxHarness
from hub_nuvemshop.sandbox.store import stamp


def _store(h: SandboxHarness) -> dict[str, dict[str, Any]]:
    customers: dict[str, dict[str, Any]] = h.sandbox.customers  # type: ignore[attr-defined]
    return customers


def test_orders_import_with_their_buyer(tmp_path: Path) -> None:
    with SandboxHarness("nuvemshop", tmp_path, SandboxOptions(seed=4, orders=20,
                                                              currency="BRL")) as h:
        assert h.import_orders().error is None
        [order] = [o for o in h.orders() if o.platform_order_id == min(h.order_ids())]
        sandbox: Any = h.sandbox
        payload = sandbox.orders[order.platform_order_id]
        buyer = _store(h)[str(payload["customer"]["id"])]
        with h.app.db.session() as s:
            customer = s.get(Customer, order.customer_id)
        assert customer is not None
        assert (customer.first_name, customer.last_name, customer.email) == (
            *buyer["name"].split(" ", 1), buyer["email"])
        assert customer.phone and customer.phone.endswith(buyer["phone"][-4:])
        assert customer.address is not None and customer.address["line1"] == (
            f"Rua das Flores {buyer['default_address']['number']}")
        assert order.raw is not None  # the CPF is kept with the order as the store sent it
        assert order.raw["customer"]["identification"] == buyer["identification"]
        assert order.raw["contact_identification"] == buyer["identification"]


def test_the_store_customers_are_pulled_page_by_page_then_only_the_changed(tmp_path: Path) -> None:
    with SandboxHarness("nuvemshop", tmp_path, SandboxOptions(seed=4, orders=230,
                                                              currency="BRL")) as h:
        set_flow(h.app, "main", "contacts", True)
        h.sandbox.stats.reset()
        first = h.run(pull_contacts(h.app, "main"))
        assert first.error is None and first.counts.counts["imported"] == 230
        assert h.sandbox.stats.requests == 2  # 200 a page, along the Link header
        assert h.run(pull_contacts(h.app, "main")).counts.counts["imported"] == 0
        store = _store(h)
        store["7001"].update(name="Ana Nova", updated_at=stamp(h.sandbox.now()))
        h.sandbox.stats.reset()
        again = h.run(pull_contacts(h.app, "main"))
        assert again.error is None and again.counts.counts["imported"] == 0
        assert again.counts.counts["unchanged"] == 1
        assert h.sandbox.stats.requests == 1  # updated_at_min: only the changed record
        # what came from the store is not sent back to it
        h.sandbox.stats.reset()
        assert h.run(push_contacts(h.app, "main")).counts.counts["pushed"] == 0
        assert h.sandbox.stats.requests == 0


def test_contacts_are_created_once_matched_by_email_and_updated(tmp_path: Path) -> None:
    with SandboxHarness("nuvemshop", tmp_path, SandboxOptions(seed=4, orders=3,
                                                              currency="BRL")) as h:
        store = _store(h)
        taken = store["7002"]["email"]
        add_contact(h.app, "Ana@Example.com", "+55 81 5555-0000", "Ana", "Silva")
        add_contact(h.app, taken.upper(), None, "Bruno", "Costa")  # the store has this e-mail
        add_contact(h.app, None, "+55 81 4444-0000", "Bia", None)  # no e-mail: refused
        add_contact(h.app, "noname@example.com", None, None, None)  # no name: refused
        set_flow(h.app, "main", "contacts", True)
        first = h.run(push_contacts(h.app, "main"))
        counts = first.counts.counts
        assert (counts["created"], counts["updated"], counts["failed"]) == (1, 1, 2), counts
        assert len(store) == 4
        [ana] = [c for c in store.values() if c["email"] == "ana@example.com"]
        assert (ana["name"], ana["phone"]) == ("Ana Silva", "558155550000")
        assert store["7002"]["name"] == "Bruno Costa"  # matched by e-mail, not duplicated
        h.sandbox.stats.reset()
        assert h.run(push_contacts(h.app, "main")).counts.counts["pushed"] == 0
        assert h.sandbox.stats.requests == 0
        with h.app.db.session() as s:
            row = s.exec(select(Customer).where(Customer.email == "ana@example.com")).one()
            row.last_name = "Souza"
            row.address = {"line1": "Rua Nova 5", "city": "Recife", "postcode": "50000-000",
                           "country": "BR"}
            s.add(row)
        assert h.run(push_contacts(h.app, "main")).counts.counts["updated"] == 1
        assert len(store) == 4 and ana["name"] == "Ana Souza"
        assert (ana["billing_address"], ana["billing_city"]) == ("Rua Nova 5", "Recife")
