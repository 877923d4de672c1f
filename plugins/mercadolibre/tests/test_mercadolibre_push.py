"""Stock, prices, promotions, tracking and invoices against the sandbox."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import hub
from hub import Invoice, Money, PriceUpdate, Shipment, StockUpdate
from hub_mercadolibre import plugin


def _item(sandbox: Any, *, variations: bool) -> dict[str, Any]:
    return next(i for i in sandbox.items.values() if bool(i["variations"]) == variations
                and "user_product_id" not in i)


def _push(meli: Any, acct: Any, hook: str, arg: Any) -> Any:
    async def go() -> Any:
        try:
            return await getattr(plugin, hook)(acct, arg)
        finally:
            await acct.aclose()

    return meli.run(go())


def test_stock_of_one_variation_keeps_every_other_variation(meli: Any, served: Any) -> None:
    sandbox, url = served
    item = _item(sandbox, variations=True)
    target, *others = item["variations"]
    before = {v["id"]: v["available_quantity"] for v in others}
    update = StockUpdate(sku="V1", platform_product_id=item["id"],
                         platform_variant_id=str(target["id"]), quantity=37)
    [result] = _push(meli, meli.sandbox_account(sandbox, url), "push_stock", [update])
    assert result.outcome == "accepted" and result.key == "V1"
    live = sandbox.items[item["id"]]
    assert {v["id"]: v["available_quantity"] for v in live["variations"][1:]} == before
    assert live["variations"][0]["available_quantity"] == 37
    method, path, body = sandbox.writes[-1]
    assert (method, path) == ("PUT", f"/items/{item['id']}")
    assert body == {"variations": [{"id": target["id"], "available_quantity": 37},
                                   *({"id": v["id"]} for v in others)]}


def test_stock_updates_of_one_item_go_in_one_request(meli: Any, served: Any) -> None:
    sandbox, url = served
    item = _item(sandbox, variations=True)
    plain = _item(sandbox, variations=False)
    updates = [StockUpdate(sku=f"S{i}", platform_product_id=item["id"],
                           platform_variant_id=str(v["id"]), quantity=i)
               for i, v in enumerate(item["variations"])]
    updates.append(StockUpdate(sku="PLAIN", platform_product_id=plain["id"], quantity=0))
    updates.append(StockUpdate(sku="GONE", platform_product_id="MLA1", quantity=3))
    updates.append(StockUpdate(sku="NOVAR", platform_product_id=item["id"],
                               platform_variant_id="42", quantity=3))
    results = _push(meli, meli.sandbox_account(sandbox, url), "push_stock", updates)
    assert [r.outcome for r in results[:-2]] == ["accepted"] * (len(updates) - 2)
    assert [r.key for r in results] == [u.sku for u in updates]
    assert results[-2].outcome == "failed" and not results[-2].retryable
    assert "not found" in (results[-2].error or "")
    assert results[-1].outcome == "failed" and "no variation 42" in (results[-1].error or "")
    puts = [w for w in sandbox.writes if w[0] == "PUT"]
    assert len(puts) == 2
    assert [v["available_quantity"] for v in sandbox.items[item["id"]]["variations"]] == \
        list(range(len(item["variations"])))
    assert sandbox.items[plain["id"]]["status"] == "paused"  # 0 pauses the listing


def test_a_409_lock_is_retried(meli: Any, served: Any) -> None:
    sandbox, url = served
    plain = _item(sandbox, variations=False)
    sandbox.lock_conflicts = 1
    [result] = _push(meli, meli.sandbox_account(sandbox, url), "push_stock",
                     [StockUpdate(sku="P", platform_product_id=plain["id"], quantity=12)])
    assert result.outcome == "accepted" and sandbox.lock_conflicts == 0
    assert sandbox.items[plain["id"]]["available_quantity"] == 12


def _price(item: dict[str, Any], regular: str, promo: str | None = None, *,
           variant: str | None = None, until: datetime | None = None) -> PriceUpdate:
    return PriceUpdate(sku="SKU-P", platform_product_id=item["id"], platform_variant_id=variant,
                       regular=Money(amount=Decimal(regular), currency="ARS"),
                       promotional=Money(amount=Decimal(promo), currency="ARS") if promo else None,
                       promo_to=until)


def test_price_and_promotion_are_set_replaced_and_removed(meli: Any, served: Any) -> None:
    sandbox, url = served
    plain = _item(sandbox, variations=False)
    until = datetime.now(UTC).replace(microsecond=0) + timedelta(days=5)

    def push(update: PriceUpdate) -> hub.PushResult:
        [result] = _push(meli, meli.sandbox_account(sandbox, url), "push_price", [update])
        return result

    assert push(_price(plain, "19999.50", "17999", until=until)).outcome == "accepted"
    assert sandbox.items[plain["id"]]["price"] == 19999.5
    [promo] = sandbox.promotions[plain["id"]]
    assert (promo["type"], promo["price"], promo["status"]) == ("PRICE_DISCOUNT", 17999, "started")
    assert promo["finish_date"] == until.strftime("%Y-%m-%dT%H:%M:%S")
    writes = len(sandbox.writes)
    assert push(_price(plain, "19999.50", "17999", until=until)).outcome == "accepted"
    assert len(sandbox.writes) == writes  # already so: nothing written
    assert push(_price(plain, "19999.50", "16000.25", until=until)).outcome == "accepted"
    assert [p["status"] for p in sandbox.promotions[plain["id"]]] == ["finished", "started"]
    assert sandbox.promotions[plain["id"]][1]["price"] == 16000.25
    assert push(_price(plain, "21000")).outcome == "accepted"
    assert all(p["status"] == "finished" for p in sandbox.promotions[plain["id"]])
    assert sandbox.items[plain["id"]]["price"] == 21000


def test_variation_prices_list_every_variation(meli: Any, served: Any) -> None:
    sandbox, url = served
    item = _item(sandbox, variations=True)
    first, *others = item["variations"]
    [result] = _push(meli, meli.sandbox_account(sandbox, url), "push_price",
                     [_price(item, "18500", variant=str(first["id"]))])
    assert result.outcome == "accepted"
    assert sandbox.items[item["id"]]["variations"][0]["price"] == 18500
    assert len(sandbox.items[item["id"]]["variations"]) == len(others) + 1
    assert sandbox.writes[-1][2] == {"variations": [{"id": first["id"], "price": 18500},
                                                    *({"id": v["id"]} for v in others)]}


def test_prices_the_platform_cannot_take_fail_without_retry(meli: Any, served: Any) -> None:
    sandbox, url = served
    plain = _item(sandbox, variations=False)
    usd = PriceUpdate(sku="U", platform_product_id=plain["id"],
                      regular=Money(amount=Decimal("10"), currency="USD"))
    upside_down = _price(plain, "100", "150")
    results = _push(meli, meli.sandbox_account(sandbox, url), "push_price", [usd, upside_down])
    assert [(r.outcome, r.retryable) for r in results] == [("failed", False), ("failed", False)]
    assert "priced in ARS" in (results[0].error or "")
    assert not sandbox.writes


def _sale(sandbox: Any, mode: str | None, *, status: str = "ready_to_ship",
          tracking: bool | None = None, pack: bool = False) -> str:
    for key, orders in sandbox.sales().items():
        shipment = sandbox.shipment_of(key, orders)
        if key.startswith("pack:") != pack or orders[0]["status"] != "paid":
            continue
        if mode is None and shipment is None:
            return key
        if shipment and shipment["mode"] == mode and shipment["status"] == status and (
                tracking is None or bool(shipment["tracking_number"]) == tracking):
            return key
    raise AssertionError(f"the sandbox has no {mode} {status} sale")


def _shipment(key: str, invoice: bool = False) -> Shipment:
    return Shipment(platform_order_id=key, carrier="OCA", tracking_number="OCA-99887766",
                    tracking_url="https://oca.example/t/OCA-99887766",
                    invoice=Invoice(number="A-0001-00000042", key="30712345678",
                                    value=Money(amount=Decimal("35497.00"), currency="ARS"),
                                    issued_at=datetime(2026, 10, 3, 12, tzinfo=UTC))
                    if invoice else None)


def test_custom_shipping_gets_the_tracking_number_and_no_made_up_invoice(meli: Any,
                                                                         served: Any) -> None:
    sandbox, url = served
    key = _sale(sandbox, "custom")
    result = _push(meli, meli.sandbox_account(sandbox, url), "push_tracking",
                   _shipment(key, invoice=True))
    assert result.outcome == "accepted" and result.key == key
    shipment = sandbox.shipment_of(key)
    assert shipment["tracking_number"] == "OCA-99887766" and shipment["status"] == "shipped"
    assert shipment["comments"] == "OCA https://oca.example/t/OCA-99887766"
    # the invoice is its own record, attached by push_invoice with its real document
    assert sandbox.fiscal_documents.get(key, []) == []


def test_me2_tracking_is_read_back_not_written(meli: Any, served: Any) -> None:
    sandbox, url = served
    with_tracking = _sale(sandbox, "me2", tracking=True)
    without = _sale(sandbox, "me2", tracking=False)
    ok = _push(meli, meli.sandbox_account(sandbox, url), "push_tracking", _shipment(with_tracking))
    assert ok.outcome == "accepted"
    waiting = _push(meli, meli.sandbox_account(sandbox, url), "push_tracking", _shipment(without))
    assert waiting.outcome == "failed" and waiting.retryable
    assert "managed by Mercado Libre" in (waiting.error or "")
    assert not [w for w in sandbox.writes if w[1].startswith("/shipments/")]
    sandbox.set_shipment_status(without, "ready_to_ship", tracking_number="MEL000111222AR")
    later = _push(meli, meli.sandbox_account(sandbox, url), "push_tracking", _shipment(without))
    assert later.outcome == "accepted"


def test_a_sale_without_shipment_cannot_take_tracking(meli: Any, served: Any) -> None:
    sandbox, url = served
    key = _sale(sandbox, None)
    result = _push(meli, meli.sandbox_account(sandbox, url), "push_tracking", _shipment(key))
    assert result.outcome == "failed" and not result.retryable
    assert "no Mercado Libre shipment" in (result.error or "")
