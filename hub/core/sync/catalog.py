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

from sqlmodel import Session, col, or_, select

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


class ProductMatcher:
    """Resolves order lines to hub product ids for one account within one session."""

    def __init__(self, session: Session, account_id: int, key: str) -> None:
        self.s = session
        self.account_id = account_id
        self.key = key
        self.links: dict[tuple[str, str], int] = {}
        self.by_sku: dict[str, int] = {}
        self.by_name: dict[str, int] = {}
        self.categories: dict[str, int] = {}
        self.created: list[int] = []

    def preload(self, lines: list[OrderLine]) -> None:
        pids = {line.platform_product_id for line in lines if line.platform_product_id}
        if pids:
            rows = self.s.exec(select(ProductLink).where(
                ProductLink.account_id == self.account_id,
                col(ProductLink.platform_product_id).in_(pids))).all()
            for link in rows:
                self.links[(link.platform_product_id, link.platform_variant_id)] = link.product_id
        if self.key == "sku":
            skus = {line.sku for line in lines if line.sku}
            if skus:
                for pid, sku in self.s.exec(select(Product.id, Product.sku)
                                            .where(col(Product.sku).in_(skus))).all():
                    self.by_sku[sku] = pid  # type: ignore[index,assignment]
        elif self.key == "name":
            names = {line.name for line in lines}
            for pid, name in self.s.exec(select(Product.id, Product.name)
                                         .where(col(Product.name).in_(names))).all():
                self.by_name.setdefault(name, pid)  # type: ignore[arg-type]

    def unlinked_product_ids(self, lines: list[OrderLine]) -> set[str]:
        """Platform product ids of lines this account has never linked (candidates for creation)."""
        return {line.platform_product_id for line in lines if line.platform_product_id
                and (line.platform_product_id, line.platform_variant_id or "") not in self.links
                and not (self.key == "sku" and line.sku and line.sku in self.by_sku)}

    def resolve(self, line: OrderLine, details: CanonicalProduct | None = None) -> int:
        pid, vid = line.platform_product_id, line.platform_variant_id or ""
        if pid and (pid, vid) in self.links:
            return self.links[(pid, vid)]
        product_id: int | None = None
        if self.key == "sku" and line.sku:
            product_id = self.by_sku.get(line.sku)
        elif self.key == "name":
            product_id = self.by_name.get(line.name)
        if product_id is None:
            product_id = self._create(line, details)
        if pid:
            self.s.add(ProductLink(account_id=self.account_id, product_id=product_id,
                                   platform_product_id=pid, platform_variant_id=vid,
                                   sku=line.sku, name=line.name))
            self.links[(pid, vid)] = product_id
        return product_id

    def link_product(self, product: CanonicalProduct) -> list[int]:
        """Link a catalogue product (and each variant) to hub products, creating missing ones."""
        ids = []
        listings = [(product.platform_product_id, "", product.sku, product.name)]
        listings += [(product.platform_product_id, v.platform_variant_id, v.sku,
                      f"{product.name} - {v.name}" if v.name else product.name)
                     for v in product.variants]
        if product.variants:
            listings = listings[1:]  # a variable product is sold through its variants
        for pid, vid, sku, name in listings:
            line = OrderLine(platform_product_id=pid, platform_variant_id=vid or None, sku=sku,
                             name=name, quantity=0, unit_price={"amount": "0", "currency": "XXX"})
            self.preload([line])
            ids.append(self.resolve(line, product))
        return ids

    def _create(self, line: OrderLine, details: CanonicalProduct | None) -> int:
        category_id = self._category(details.category) if details and details.category else None
        product = Product(sku=line.sku or None, code=line.platform_product_id,
                          name=line.name, description=details.description if details else None,
                          category_id=category_id)
        self.s.add(product)
        self.s.flush()
        assert product.id is not None
        if product.sku:
            self.by_sku[product.sku] = product.id
        self.by_name.setdefault(product.name, product.id)
        self.created.append(product.id)
        return product.id

    def _category(self, name: str) -> int:
        if name in self.categories:
            return self.categories[name]
        row = self.s.exec(select(Category).where(Category.name == name)).first()
        if row is None:
            row = Category(name=name)
            self.s.add(row)
            self.s.flush()
        assert row.id is not None
        self.categories[name] = row.id
        return row.id


class CustomerMatcher:
    """Resolves buyers to hub customers: by e-mail or phone, or by the platform's buyer id."""

    def __init__(self, session: Session, platform: str, by_platform_id: bool) -> None:
        self.s = session
        self.platform = platform
        self.by_platform_id = by_platform_id
        self.emails: dict[str, Customer] = {}
        self.phones: dict[str, Customer] = {}
        self.links: dict[str, int] = {}
        self.unspecified_id: int | None = None

    def preload(self, customers: list[CanonicalCustomer]) -> None:
        emails = {e for c in customers if (e := normal_email(c.email))}
        phones = {p for c in customers if (p := normal_phone(c.phone))}
        if emails or phones:
            rows = self.s.exec(select(Customer).where(or_(
                col(Customer.email).in_(emails), col(Customer.phone).in_(phones)))).all()
            for row in rows:
                if row.email:
                    self.emails.setdefault(row.email, row)
                if row.phone:
                    self.phones.setdefault(row.phone, row)
        ids = {c.platform_id for c in customers if c.platform_id}
        if self.by_platform_id and ids:
            for link in self.s.exec(select(CustomerLink).where(
                    CustomerLink.platform == self.platform,
                    col(CustomerLink.platform_customer_id).in_(ids))).all():
                self.links[link.platform_customer_id] = link.customer_id

    def resolve(self, buyer: CanonicalCustomer) -> int:
        if buyer.unspecified:
            return self._unspecified()
        if self.by_platform_id and buyer.platform_id and buyer.platform_id in self.links:
            return self.links[buyer.platform_id]
        email, phone = normal_email(buyer.email), normal_phone(buyer.phone)
        row = (self.phones.get(phone) if phone else None) or (self.emails.get(email) if email else None)
        if row is None:
            row = Customer(first_name=buyer.first_name, last_name=buyer.last_name, email=email,
                           phone=phone,
                           address=buyer.address.model_dump(exclude_none=True) if buyer.address else None)
            self.s.add(row)
            self.s.flush()
        else:  # fill what the hub did not know yet; never overwrite
            row.email = row.email or email
            row.phone = row.phone or phone
            self.s.add(row)
        if row.email:
            self.emails[row.email] = row
        if row.phone:
            self.phones[row.phone] = row
        assert row.id is not None
        if self.by_platform_id and buyer.platform_id:
            self.s.add(CustomerLink(platform=self.platform, platform_customer_id=buyer.platform_id,
                                    customer_id=row.id))
            self.links[buyer.platform_id] = row.id
        return row.id

    def _unspecified(self) -> int:
        if self.unspecified_id is None:
            row = self.s.exec(select(Customer).where(Customer.unspecified == True)).first()  # noqa: E712
            if row is None:
                row = Customer(first_name=UNSPECIFIED, unspecified=True)
                self.s.add(row)
                self.s.flush()
            self.unspecified_id = row.id
        assert self.unspecified_id is not None
        return self.unspecified_id
