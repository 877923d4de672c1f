"""Matching order lines to hub products and buyers to hub customers, a page at a time.

Products are matched by the account's ``product_key`` (``sku``, ``platform_id``
or ``name``); an unmatched product is created (SKU to SKU, platform product id
to code, unit "piece") and linked to the account's listing so the next order
and every stock push find it. Customers are matched by e-mail or phone (or by
the platform's buyer id where the platform shares no contact data) and never
duplicated.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import bindparam, func, insert, text
from sqlmodel import Session, col, or_, select

from hub.core.storage.bulk import one_of, prepared
from hub.core.storage.columns import now
from hub.core.storage.db import dialect_insert
from hub.core.storage.locks import hold_write_lock
from hub.core.storage.models import Category, Customer, CustomerLink, Product, ProductLink
from hub.types import Customer as CanonicalCustomer
from hub.types import OrderLine
from hub.types import Product as CanonicalProduct

UNSPECIFIED = "Unspecified"


def normal_email(value: str | None) -> str | None:
    value = (value or "").strip().lower()
    return value or None


def normal_phone(value: str | None) -> str | None:
    digits = re.sub(r"\D", "", value or "")
    return digits if len(digits) >= 5 else None


def normal_document(value: str | None) -> str | None:
    """A tax document (CPF/CNPJ, CUIT, RFC...) with its punctuation and spaces taken out."""
    kept = re.sub(r"[\W_]", "", value or "")
    return kept or None


@dataclass(frozen=True)
class Listing:
    """What matching needs of an order line or a catalogue listing."""

    platform_product_id: str | None
    platform_variant_id: str | None
    sku: str | None
    name: str


Line = OrderLine | Listing


# the queries every page of an import runs, built once (values bound by name when they run)
@prepared
def _product_links() -> Any:
    return select(ProductLink.platform_product_id, ProductLink.platform_variant_id,
                  ProductLink.product_id).where(ProductLink.account_id == bindparam("account_id"),
                                                one_of(ProductLink.platform_product_id, "ids"))


@prepared
def _products_by_sku() -> Any:
    return select(Product.id, Product.sku).where(one_of(Product.sku, "skus"))


@prepared
def _products_by_name() -> Any:
    return select(Product.id, Product.name).where(one_of(Product.name, "names"))


@prepared
def _customers_by_contact(emails: bool, phones: bool) -> Any:
    """Customers by e-mail or phone: each list only when it has values, so the database
    can use the e-mail and phone indexes (an empty ``IN ()`` would scan)."""
    matches = ([one_of(Customer.email, "emails")] if emails else []) + \
        ([one_of(Customer.phone, "phones")] if phones else [])
    return select(Customer.id, Customer.email, Customer.phone, Customer.document) \
        .where(or_(*matches)) \
        .order_by(col(Customer.id))


@prepared
def _customer_links() -> Any:
    return select(CustomerLink.platform_customer_id, CustomerLink.customer_id).where(
        CustomerLink.platform == bindparam("platform"),
        one_of(CustomerLink.platform_customer_id, "ids"))


class ProductMatcher:
    """Resolves order lines to hub product ids for one account within one session.

    :meth:`resolve_many` creates every missing product and link of a page with one
    flush: new products are held as objects until then, so two lines of one page
    naming the same new SKU share one product.
    """

    def __init__(self, session: Session, account_id: int, key: str) -> None:
        self.s = session
        self.account_id = account_id
        self.key = key
        self.links: dict[tuple[str, str], int | Product] = {}
        self.by_sku: dict[str, int | Product] = {}
        self.by_name: dict[str, int | Product] = {}
        self.categories: dict[str, int | Category] = {}
        self.created: list[Product] = []

    def preload(self, lines: Sequence[Line]) -> None:
        pids = {line.platform_product_id for line in lines if line.platform_product_id}
        if pids:
            rows = self.s.exec(_product_links(), params={"account_id": self.account_id,
                                                         "ids": list(pids)}).all()
            for pid, vid, product_id in rows:
                self.links[(pid, vid)] = product_id
        if self.key == "sku":
            skus = {line.sku for line in lines if line.sku} - set(self.by_sku)
            if skus:
                for found_id, sku in self.s.exec(_products_by_sku(),
                                                 params={"skus": list(skus)}).all():
                    self.by_sku[cast(str, sku)] = cast(int, found_id)  # stored rows have ids; skus matched
        elif self.key == "name":
            names = {line.name for line in lines} - set(self.by_name)
            if names:  # all known: no query (an empty list would be a round trip for nothing)
                for found_id, name in self.s.exec(_products_by_name(),
                                                  params={"names": list(names)}).all():
                    self.by_name.setdefault(name, cast(int, found_id))  # stored rows have ids

    def unresolved(self, lines: Sequence[Line]) -> bool:
        """True when some line (after :meth:`preload`) needs a product created."""
        for line in lines:
            pid, vid = line.platform_product_id, line.platform_variant_id or ""
            if pid and (pid, vid) in self.links:
                continue
            if self.key == "sku" and line.sku and line.sku in self.by_sku:
                continue
            if self.key == "name" and line.name in self.by_name:
                continue
            return True
        return False

    def lock_and_reload(self, lines: Sequence[Line]) -> None:
        """Become the one writer of the shared catalogue until this transaction ends, then reload.

        Several processes (``hub worker``s, daemons sharing a database) import
        orders of different accounts selling the same SKUs: without this, two
        pages would both find a SKU missing and both create it (a unique
        violation). On PostgreSQL a transaction-level advisory lock serialises
        only the pages that create products; on SQLite the database's write lock,
        taken now, so the reload sees what the writer before committed.
        """
        hold_write_lock(self.s, "hub:catalogue", Product)
        self.preload(lines)  # what another process created before we had the lock

    def resolve_many(self, lines: Sequence[tuple[Line, CanonicalProduct | None]]) -> list[int]:
        """Hub product ids for ``lines`` (call :meth:`preload` first), creating what is missing."""
        handles: list[int | Product] = []
        new_links: list[tuple[str, str, Line]] = []
        for line, details in lines:
            pid, vid = line.platform_product_id, line.platform_variant_id or ""
            if pid and (pid, vid) in self.links:
                handles.append(self.links[(pid, vid)])
                continue
            handle: int | Product | None = None
            if self.key == "sku" and line.sku:
                handle = self.by_sku.get(line.sku)
            elif self.key == "name":
                handle = self.by_name.get(line.name)
            if handle is None:
                handle = self._new_product(line, details)
            if pid:
                self.links[(pid, vid)] = handle
                new_links.append((pid, vid, line))
            handles.append(handle)
        if self.created or new_links:
            self.s.flush()
        ids = [h if isinstance(h, int) else h.id or 0 for h in handles]
        if new_links:
            self.s.execute(insert(ProductLink), [
                {"account_id": self.account_id, "product_id": self._id(self.links[(pid, vid)]),
                 "platform_product_id": pid, "platform_variant_id": vid, "sku": line.sku,
                 "name": line.name} for pid, vid, line in new_links])
        return ids

    def resolve(self, line: Line, details: CanonicalProduct | None = None) -> int:
        return self.resolve_many([(line, details)])[0]

    def link_product(self, product: CanonicalProduct) -> list[int]:
        """Link a catalogue product (and each variant) to hub products, creating missing ones."""
        listings = [(product.platform_product_id, "", product.sku, product.name)]
        listings += [(product.platform_product_id, v.platform_variant_id, v.sku,
                      f"{product.name} - {v.name}" if v.name else product.name)
                     for v in product.variants]
        if product.variants:
            listings = listings[1:]  # a variable product is sold through its variants
        lines = [Listing(pid, vid or None, sku, name) for pid, vid, sku, name in listings]
        self.preload(lines)
        if self.unresolved(lines):
            self.lock_and_reload(lines)
        return self.resolve_many([(line, product) for line in lines])

    @staticmethod
    def _id(handle: int | Product) -> int:
        return handle if isinstance(handle, int) else handle.id or 0

    def _new_product(self, line: Line, details: CanonicalProduct | None) -> Product:
        category = self._category(details.category) if details and details.category else None
        product = Product(sku=line.sku or None, code=line.platform_product_id, name=line.name,
                          description=details.description if details else None)
        if isinstance(category, int):
            product.category_id = category
        elif category is not None:
            self.s.flush()  # a category created in this page gets its id first
            product.category_id = category.id
        self.s.add(product)
        if product.sku:
            self.by_sku[product.sku] = product
        self.by_name.setdefault(product.name, product)
        self.created.append(product)
        return product

    def _category(self, name: str) -> int | Category:
        if name not in self.categories:
            found = self.s.exec(select(Category.id).where(Category.name == name)).first()
            if found is None:
                row = Category(name=name)
                self.s.add(row)
                self.categories[name] = row
            else:
                self.categories[name] = found
        return self.categories[name]


class _Buyer:
    """A customer a page matched or created: its id (None until a new one is inserted), its
    contact columns and tax document, and for a new one the row to insert."""

    __slots__ = ("document", "email", "filled", "id", "phone", "values")

    def __init__(self, customer_id: int | None, email: str | None, phone: str | None,
                 values: dict[str, object] | None = None, document: str | None = None) -> None:
        self.id, self.email, self.phone, self.values = customer_id, email, phone, values
        self.document = document
        self.filled = False


def _customer_id(handle: int | _Buyer) -> int:
    return handle if isinstance(handle, int) else handle.id or 0


@prepared
def _link_customers(dialect: str) -> Any:
    """Links of a page, inserted or, when another writer linked the buyer first, kept as they
    are: every row comes back with the customer it is linked to (a no-op ``DO UPDATE``, as
    ``DO NOTHING`` would return only the rows it inserted)."""
    table = CustomerLink.__table__  # type: ignore[attr-defined]
    return dialect_insert(dialect, table).on_conflict_do_update(
        index_elements=[table.c.platform, table.c.platform_customer_id],
        set_={"customer_id": table.c.customer_id},
    ).returning(table.c.platform_customer_id, table.c.customer_id)


UNSPECIFIED_WHERE = "unspecified"
"""The one "Unspecified" customer: the predicate of its partial unique index
(``uq_customer_unspecified``, migration ``0014_customer_unique``), given as is to
``ON CONFLICT`` so that both databases match the index."""


@prepared
def _unspecified_customer() -> Any:
    """By the partial index's own predicate, so that both databases use the index."""
    return select(Customer.id).where(text(UNSPECIFIED_WHERE))


@prepared
def _new_unspecified(dialect: str) -> Any:
    table = Customer.__table__  # type: ignore[attr-defined]
    return dialect_insert(dialect, table).values(
        first_name=UNSPECIFIED, unspecified=True, created_at=bindparam("created_at"),
        address=bindparam("address"),  # None as the ORM stored it (a JSON null)
    ).on_conflict_do_update(
        index_elements=[table.c.unspecified], index_where=text(UNSPECIFIED_WHERE),
        set_={"unspecified": table.c.unspecified},
    ).returning(table.c.id)


class CustomerMatcher:
    """Resolves buyers to hub customers: by e-mail or phone, or by the platform's buyer id.

    A page costs one query to match (each contact list only when it has values, so the
    database can use the e-mail and phone indexes), one statement to insert the new
    customers (ids returned in order) and one ``INSERT ... ON CONFLICT ... RETURNING``
    for the new platform buyer links.

    Concurrent imports (two accounts selling to the same buyer, several workers on one
    database) never create a customer twice: a page that would create customers or links,
    or fill in a customer's contact, holds the customers' write lock
    (:func:`hold_write_lock`) from :meth:`preload` on, before it writes anything else, and
    matches again what it had not found, so the second writer finds the first one's
    customer. Customers
    have no natural unique key to put an ``ON CONFLICT`` on (a buyer is matched by phone,
    else by e-mail, and filling in a missing e-mail may give two customers one address),
    links have theirs (``platform``, ``platform_customer_id``), and so has the one
    "Unspecified" customer.
    """

    LOCK = "hub:customers"

    def __init__(self, session: Session, platform: str, by_platform_id: bool) -> None:
        self.s = session
        self.platform = platform
        self.by_platform_id = by_platform_id
        self.emails: dict[str, _Buyer] = {}
        self.phones: dict[str, _Buyer] = {}
        self.links: dict[str, int] = {}
        self.unspecified_id: int | None = None
        self.locked = False  # this transaction holds the customers' write lock

    def preload(self, customers: list[CanonicalCustomer]) -> None:
        """Match a page's buyers; when some would create a customer or a link, hold the
        customers' write lock from now on and match those again (see :meth:`lock_and_reload`).

        The lock is taken here, before the page writes anything else, so that a page never
        waits for it while holding row locks another page holding it may want (a deadlock
        on PostgreSQL): the catalogue's lock, when a page needs it, is taken before this.
        """
        self._match(customers)
        missing = self.unresolved(customers)
        if missing:
            self.lock_and_reload(missing)

    def _match(self, customers: list[CanonicalCustomer]) -> None:
        emails = {e for c in customers if (e := normal_email(c.email))}
        phones = {p for c in customers if (p := normal_phone(c.phone))}
        if emails or phones:
            values = ({"emails": list(emails)} if emails else {}) | \
                ({"phones": list(phones)} if phones else {})
            rows = self.s.execute(_customers_by_contact(bool(emails), bool(phones)), values).all()
            for customer_id, email, phone, document in rows:
                known = _Buyer(customer_id, email, phone, document=document)
                if email:
                    self.emails.setdefault(email, known)
                if phone:
                    self.phones.setdefault(phone, known)
        ids = {c.platform_id for c in customers if c.platform_id}
        if self.by_platform_id and ids:
            for platform_id, customer_id in self.s.execute(_customer_links(), {
                    "platform": self.platform, "ids": list(ids)}).all():
                self.links[platform_id] = customer_id

    def unresolved(self, buyers: list[CanonicalCustomer]) -> list[CanonicalCustomer]:
        """The buyers (after :meth:`preload`) that would create a customer or a link, or
        fill in a customer's missing e-mail or phone (which changes what matches it) or tax
        document (written under the same lock, so no page waits on another's row)."""
        missing = []
        for buyer in buyers:
            if buyer.unspecified:
                continue
            if self.by_platform_id and buyer.platform_id:
                if buyer.platform_id not in self.links:
                    missing.append(buyer)
                continue
            email, phone = normal_email(buyer.email), normal_phone(buyer.phone)
            found = (self.phones.get(phone) if phone else None) or \
                (self.emails.get(email) if email else None)
            if found is None or (email and not found.email) or (phone and not found.phone) \
                    or (normal_document(buyer.document) and not found.document):
                missing.append(buyer)
        return missing

    def lock_and_reload(self, buyers: list[CanonicalCustomer]) -> None:
        """Become the one writer of customers until this transaction ends, then match
        ``buyers`` again (what another import created before we had the lock)."""
        if not self.locked:
            hold_write_lock(self.s, self.LOCK, Customer)
            self.locked = True
        self._match(buyers)

    def resolve_many(self, buyers: list[CanonicalCustomer]) -> list[int]:
        """Hub customer ids for ``buyers`` (call :meth:`preload` first).

        New customers are inserted with one statement; two orders of one page from
        one new buyer share the customer. A known customer missing the e-mail,
        phone or tax document a buyer gives gets it (filled, never overwritten); the
        document is never matched on.
        """
        missing = [] if self.locked else self.unresolved(buyers)  # buyers preload did not see
        if missing:
            self.lock_and_reload(missing)
        handles: list[int | _Buyer] = []
        created: list[_Buyer] = []
        filled: list[_Buyer] = []
        links: dict[str, int | _Buyer] = {}
        for buyer in buyers:
            if buyer.unspecified:
                handles.append(self._unspecified())
                continue
            if self.by_platform_id and buyer.platform_id:
                known = self.links.get(buyer.platform_id) or links.get(buyer.platform_id)
                if known is not None:
                    handles.append(known)
                    continue
            email, phone = normal_email(buyer.email), normal_phone(buyer.phone)
            document = normal_document(buyer.document)
            found = (self.phones.get(phone) if phone else None) or \
                (self.emails.get(email) if email else None)
            if found is None:
                found = _Buyer(None, email, phone, {
                    "first_name": buyer.first_name, "last_name": buyer.last_name, "email": email,
                    "phone": phone, "document": document, "unspecified": False, "created_at": now(),
                    "address": buyer.address.model_dump(exclude_none=True) if buyer.address else None},
                    document=document)
                created.append(found)
            elif found.values is None and ((email and not found.email) or (phone and not found.phone)
                                           or (document and not found.document)):
                found.email, found.phone = found.email or email, found.phone or phone  # fill, never overwrite
                found.document = found.document or document
                if not found.filled:
                    found.filled = True
                    filled.append(found)
            if email:
                self.emails.setdefault(email, found)
            if phone:
                self.phones.setdefault(phone, found)
            if self.by_platform_id and buyer.platform_id:
                links[buyer.platform_id] = found
            handles.append(found if found.values is not None else found.id or 0)
        table = Customer.__table__  # type: ignore[attr-defined]
        if created:
            ids = self.s.execute(table.insert().returning(table.c.id, sort_by_parameter_order=True),
                                 [c.values or {} for c in created]).scalars().all()
            for new, customer_id in zip(created, ids, strict=True):
                new.id = customer_id
        if filled:  # COALESCE: a concurrent writer's fill is kept, as ours would be
            self.s.execute(table.update().where(table.c.id == bindparam("b_id")).values(
                email=func.coalesce(table.c.email, bindparam("b_email")),
                phone=func.coalesce(table.c.phone, bindparam("b_phone")),
                document=func.coalesce(table.c.document, bindparam("b_document"))),
                [{"b_id": c.id, "b_email": c.email, "b_phone": c.phone, "b_document": c.document}
                 for c in filled])
            for customer in filled:
                customer.filled = False
        if links:
            linked = dict(self.s.execute(_link_customers(self.s.get_bind().dialect.name), [
                {"platform": self.platform, "platform_customer_id": platform_id,
                 "customer_id": _customer_id(handle)} for platform_id, handle in links.items()]
            ).all())
            self.links.update(linked)  # a link another writer made first wins
            handles = [self.links[buyer.platform_id]
                       if self.by_platform_id and buyer.platform_id and not buyer.unspecified
                       else handle for buyer, handle in zip(buyers, handles, strict=True)]
        return [_customer_id(h) for h in handles]

    def resolve(self, buyer: CanonicalCustomer) -> int:
        return self.resolve_many([buyer])[0]

    def _unspecified(self) -> int:
        """The one "Unspecified" customer, created by the first page that needs it (one
        ``INSERT ... ON CONFLICT ... RETURNING``: a concurrent page gets the same one)."""
        if self.unspecified_id is None:
            found = self.s.execute(_unspecified_customer()).scalar()
            if found is None:
                found = self.s.execute(_new_unspecified(self.s.get_bind().dialect.name),
                                       {"created_at": now(), "address": None}).scalar_one()
            self.unspecified_id = found
        return self.unspecified_id
