"""The canonical invoice the core hands to ``push_invoice``: one invoice of one order.

An order may have several invoices (each covering some of its lines) but each
invoice is one record in the hub, pushed as one :class:`InvoiceDocument`. The
same record is pushed again when it changes: ``replaces`` says what the
platform held before (a corrected number, key or value), ``cancelled`` says it
was cancelled, and ``platform_ids`` carries what the platform answered to the
earlier push (a document id to replace or delete). The plugin updates or
removes what the platform holds; it never adds a second invoice for the same record.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from hub.types import Money


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class InvoiceLine(_Model):
    """An order line the invoice covers, with the quantity it covers."""

    platform_line_id: str | None = None
    sku: str | None = None
    quantity: Decimal
    unit_price: Money | None = None


class InvoiceRef(_Model):
    """What the platform holds from an earlier push of the same invoice record."""

    number: str
    series: str | None = None
    key: str | None = None
    value: Money | None = None


class InvoiceDocument(_Model):
    """One invoice of one order, as the platform should hold it.

    ``xml`` is the authorised document exactly as the hub received it (Brazil's
    ``nfeProc``), or None for an invoice entered by number. ``lines`` lists the
    order lines it covers; ``partial`` is True when they are fewer than the
    order's (or smaller quantities), so the platform must not settle the whole
    order on it. ``order_total`` is the order's total, for platforms that check
    the sum of an order's invoices.
    """

    platform_order_id: str
    number: str
    series: str | None = None
    key: str | None = None
    issued_at: AwareDatetime
    value: Money
    order_total: Money | None = None
    lines: list[InvoiceLine] = Field(default_factory=list)
    partial: bool = False
    xml: str | None = Field(default=None, repr=False)
    url: str | None = None
    cancelled: bool = False
    replaces: InvoiceRef | None = None
    platform_ids: dict[str, str] = Field(default_factory=dict)
    """What the platform answered to earlier accepted pushes of this invoice
    (:attr:`hub.PushResult.ids`), such as the id of an uploaded fiscal document."""

    @property
    def file_name(self) -> str:
        """A safe file name for the document: ``<key>-nfe.xml`` or ``invoice-<number>.xml``."""
        base = f"{self.key}-nfe" if self.key else f"invoice-{self.number}"
        return "".join(c if c.isalnum() or c in "-_." else "_" for c in base) + ".xml"
