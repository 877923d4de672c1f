"""The import rules every platform's orders go through (DESIGN.md "Sync rules").

Each rule returns the reason an order is not imported, or ``None``. Reasons are
short stable phrases: run summaries group skips by them.
"""

from __future__ import annotations

from dataclasses import dataclass

from hub.account import Account
from hub.types import Order, PlatformInfo


@dataclass(frozen=True)
class Eligibility:
    eligible: frozenset[str]
    excluded: frozenset[str]
    contact_required: bool

    @classmethod
    def for_account(cls, account: Account, info: PlatformInfo) -> Eligibility:
        return cls(
            eligible=frozenset(account.setting_list("eligible_statuses", info.eligible_statuses)),
            excluded=frozenset(account.setting_list("excluded_statuses", info.excluded_statuses)),
            contact_required=info.customer_match == "contact",
        )

    def status_reason(self, order: Order) -> str | None:
        if order.ineligible_reason:
            return order.ineligible_reason
        return self.reason_for_status(order.status)

    def reason_for_status(self, status: str) -> str | None:
        if status in self.excluded:
            return f"status '{status}' is excluded"
        if self.eligible and status not in self.eligible:
            return f"status '{status}' is not ready to ship"
        return None

    def is_excluded(self, status: str) -> bool:
        return status in self.excluded


def data_reason(order: Order, *, currency: str, contact_required: bool,
                currency_owner: str = "the hub's") -> str | None:
    """Rules on the order's content: lines, customer, contact data, currency.

    ``currency`` is the account's back-office currency; ``currency_owner`` names
    whose it is in the reason (the hub's, or the account's own).
    """
    if not order.lines:
        return "no line items"
    customer = order.customer
    if customer is None:
        return "no customer"
    if contact_required and not customer.unspecified and not (customer.email or customer.phone):
        return "customer has neither email nor phone"
    if order.currency.upper() != currency.upper():
        return f"currency {order.currency.upper()} differs from {currency_owner} {currency.upper()}"
    return None
