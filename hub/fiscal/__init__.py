"""Invoices: the canonical invoice document plugins push, and Brazil's NF-e reader."""

from __future__ import annotations

from hub.fiscal.document import InvoiceDocument, InvoiceLine, InvoiceRef
from hub.fiscal.nfe import NFe, NFeError, NFeItem, check_digit, parse_nfe, valid_key

__all__ = ["InvoiceDocument", "InvoiceLine", "InvoiceRef", "NFe", "NFeError", "NFeItem",
           "check_digit", "parse_nfe", "valid_key"]
