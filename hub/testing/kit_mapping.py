"""Kit suite: ``parse_order`` gives the values the sandbox says each order holds.

Every other orders test checks shape (ids, aware datetimes, Decimal money);
this one checks content. The sandbox states what each generated order means
in canonical terms (:meth:`hub.sandbox.Sandbox.expected_order`, computed from
its own data, not from the plugin's mapping), and the kit compares field by
field: status, number, currency, contact, money totals and every line's SKU,
quantity and unit price. Only the fields the sandbox provides are compared.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from hub.testing.harness import SandboxHarness
from hub.testing.kitbase import KitBase, kit_test
from hub.types import Capability, Money, Order

MONEY_FIELDS = ("total", "subtotal", "shipping_total", "discount_total", "tax_total")


def canonical(order: Order | Mapping[str, Any]) -> dict[str, Any]:
    """An order's comparable fields: text as text, money as Decimal amounts, lines as sorted tuples."""
    if isinstance(order, Order):
        customer = order.customer
        values: dict[str, Any] = {k: getattr(order, k) for k in ("status", "number", "currency",
                                                                 *MONEY_FIELDS)}
        values |= {k: getattr(customer, k) if customer else None
                   for k in ("email", "phone", "first_name", "last_name")}
        values["lines"] = [{"sku": ln.sku, "quantity": ln.quantity, "unit_price": ln.unit_price}
                           for ln in order.lines]
    else:
        values = dict(order)
    out: dict[str, Any] = {}
    for key, value in values.items():
        if key == "lines":
            out[key] = sorted((str(ln.get("sku") or ""), _amount(ln.get("quantity")),
                               _amount(ln.get("unit_price"))) for ln in value)
        elif key in MONEY_FIELDS:
            out[key] = _amount(Decimal(0) if value is None else value)
        else:
            out[key] = None if value is None else str(value)
    return out


def _amount(value: Any) -> Decimal | None:
    """Money or a number as a Decimal (10.00 and 10 compare equal anyway)."""
    if isinstance(value, Money):
        value = value.amount
    return None if value is None else Decimal(str(value))


def differences(expected: Mapping[str, Any], got: Mapping[str, Any]) -> list[str]:
    """Each field the sandbox provides whose parsed value differs, as ``field: got != expected``."""
    return [f"{k}: {got.get(k)!r} != expected {v!r}" for k, v in expected.items() if got.get(k) != v]


class MappingSuite(KitBase):
    @kit_test
    def test_parse_order_gives_the_sandbox_expected_values(self, harness: SandboxHarness) -> None:
        """Each order parses to the status, contact, money and lines the sandbox generated.

        Fix: read each field from where the platform puts it (quantities, per-line prices
        before discounts, the order's discount total, the buyer's e-mail and phone) and keep
        the platform's status as it is; the message lists ``field: parsed != expected``.
        Sandbox authors: implement ``Sandbox.expected_order`` from the generated data.
        """
        self._check("test_parse_order_gives_the_sandbox_expected_values", Capability.ORDERS)
        account = harness.app.accounts.open_named(harness.account)
        payloads = self._fetch(harness, harness.sandbox.epoch - timedelta(days=400))
        assert payloads, "the sandbox listed no orders"
        checked, problems = 0, []
        for payload in payloads:
            peek_id = self._order_id(harness, account, payload)
            expected = harness.sandbox.expected_order(peek_id) if peek_id else None
            if expected is None:
                continue
            want = canonical(expected)
            try:
                order = harness.app.host.parse_order(account, payload)
            except Exception as exc:  # a record the sandbox vouches for must parse
                problems.append(f"{peek_id}: parse_order raised {type(exc).__name__}: {exc}")
                continue
            checked += 1
            problems += [f"{peek_id}: {d}" for d in differences(want, canonical(order))]
        if not checked and not problems:
            pytest.skip("the sandbox does not provide expected values "
                        "(implement Sandbox.expected_order, e.g. in the sandbox's expected.py)")
        assert not problems, f"{len(problems)} mapping differences:\n" + "\n".join(problems[:20])
        self._check_statuses(harness, payloads, account)

    @staticmethod
    def _order_id(harness: SandboxHarness, account: Any, payload: dict[str, Any]) -> str | None:
        try:
            return str(harness.app.host.parse_order(account, payload).platform_order_id)
        except Exception:
            order_id = payload.get("id") or payload.get("orderId")
            return str(order_id) if order_id is not None else None

    def _check_statuses(self, harness: SandboxHarness, payloads: list[dict[str, Any]], account: Any) -> None:
        """Eligible sandbox orders carry an eligible status; excluded ones never do."""
        info = self._info()
        eligible = harness.sandbox.eligible_order_ids()
        for payload in payloads:
            try:
                order = harness.app.host.parse_order(account, payload)
            except Exception:
                continue
            expected = harness.sandbox.expected_order(order.platform_order_id)
            status = canonical(expected).get("status") if expected is not None else None
            if status is not None and status in info.excluded_statuses:
                assert order.platform_order_id not in eligible, order.platform_order_id
                assert order.status not in info.eligible_statuses, (
                    f"{order.platform_order_id}: excluded status {status!r} parsed as eligible "
                    f"{order.status!r}")
