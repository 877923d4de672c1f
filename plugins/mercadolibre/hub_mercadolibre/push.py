"""Pushing stock, prices and promotional prices, one write per listing, confirmed.

Updates are grouped by item. The items are read first (``GET /items?ids=``, 20
a request) to know their variations: ``PUT /items/{id}`` with ``variations``
must list every variation of the item, or Mercado Libre deletes the ones left
out, so a variation update sends ``{"id": ..}`` for the others. An item
without variations gets ``{"available_quantity": n}`` or ``{"price": x}``.
A 409 (the listing is locked by a recent update) is retried with backoff by
the client. Each update is accepted only when the answered item shows its value.

Promotional prices are seller promotions of type ``PRICE_DISCOUNT`` on the
item (``/seller-promotions/items/{id}?app_version=v2``): created with the
hub's window (``promotion_days`` long when the hub gives no end), replaced
when they differ, deleted when the hub has none.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Generic, TypeVar

from hub import (
    DataError,
    HubError,
    PlatformError,
    PriceUpdate,
    PushResult,
    RateLimited,
    StockUpdate,
    TransientError,
    parse_datetime,
    parse_decimal,
)
from hub_mercadolibre import products
from hub_mercadolibre.client import MeliClient, json_list

U = TypeVar("U", StockUpdate, PriceUpdate)
PROMOTION = "PRICE_DISCOUNT"
LIVE_PROMOTION = frozenset({"started", "pending", "candidate"})


@dataclass
class Group(Generic[U]):
    """The updates of one item, with their positions in the pushed list."""

    item_id: str
    entries: list[tuple[int, U]] = field(default_factory=list)


def group(updates: Sequence[U]) -> dict[str, Group[U]]:
    """Updates by item id, in first-seen order."""
    groups: dict[str, Group[U]] = {}
    for index, update in enumerate(updates):
        groups.setdefault(update.platform_product_id,
                          Group(update.platform_product_id)).entries.append((index, update))
    return groups


def failure(exc: HubError) -> tuple[str, bool]:
    """An error as (message, retryable): 4xx refusals and bad data are not retried."""
    retryable = isinstance(exc, TransientError | RateLimited) or (
        isinstance(exc, PlatformError) and exc.status == 409)
    return exc.message, retryable


class Listing:
    """One item's pending updates and their results."""

    def __init__(self, item: Mapping[str, Any] | None, item_id: str,
                 entries: list[tuple[int, Any]], results: list[PushResult | None]) -> None:
        self.item = item
        self.item_id = item_id
        self.results = results
        self.valid: list[tuple[int, Any]] = []
        self.variations = {str(v.get("id")): v for v in (item or {}).get("variations") or []}
        for index, update in entries:
            problem = self._problem(update)
            if problem:
                results[index] = PushResult.failed(update.sku, problem, retryable=False)
            else:
                self.valid.append((index, update))

    def _problem(self, update: Any) -> str | None:
        if self.item is None:
            return f"item {self.item_id} was not found on Mercado Libre"
        variant = update.platform_variant_id
        if variant and variant not in self.variations:
            return f"item {self.item_id} has no variation {variant}"
        if not variant and self.variations:
            return (f"item {self.item_id} has variations; the hub must link each variation "
                    "(sync products again)")
        return None

    def body(self, name: str, values: Mapping[str, Any]) -> dict[str, Any]:
        """The PUT body setting ``name`` to ``values`` (by variant id; '' for the item)."""
        if not self.variations:
            return {name: values[""]}
        return {"variations": [{"id": v["id"], name: values[vid]} if vid in values
                               else {"id": v["id"]} for vid, v in self.variations.items()]}

    def value(self, variant: str, name: str) -> Any:
        """The item's (``variant`` '') or a variation's current ``name`` value."""
        source = self.variations.get(variant) if variant else self.item
        return (source or {}).get(name)

    def fail(self, message: str, retryable: bool) -> None:
        """Fail every valid update of the item."""
        for index, update in self.valid:
            self.results[index] = PushResult.failed(update.sku, message, retryable=retryable)

    def confirm(self, answered: Mapping[str, Any], name: str,
                expected: Callable[[Any], Any], read: Callable[[Any], Any]) -> None:
        """Accept each update whose value the answered item shows; fail the others."""
        answered_variations = {str(v.get("id")): v for v in answered.get("variations") or []}
        for index, update in self.valid:
            variant = update.platform_variant_id
            source = answered_variations.get(variant or "") if variant else answered
            got = read(source.get(name)) if isinstance(source, Mapping) else None
            want = expected(update)
            if got == want:
                self.results[index] = PushResult.ok(update.sku)
            else:
                self.results[index] = PushResult.failed(
                    update.sku, f"Mercado Libre answered {name} {got}, not {want}")


async def _read(client: MeliClient, groups: Mapping[str, Group[Any]]) -> dict[str, dict[str, Any]]:
    return {str(item["id"]): item for item in await products.items(client, list(groups))}


def number(value: Decimal) -> int | float:
    """A JSON number for the API: whole amounts as integers (CLP, COP...), else a float."""
    return int(value) if value == value.to_integral_value() else float(value)


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else parse_decimal(value, field="price")


def _stock_quantity(update: StockUpdate) -> int:
    return max(0, update.quantity)


async def push_stock(client: MeliClient, updates: list[StockUpdate]) -> list[PushResult]:
    """Set available quantities: one ``PUT /items/{id}`` per item, all its variations listed."""
    groups = group(updates)
    results: list[PushResult | None] = [None] * len(updates)
    found = await _read(client, groups)

    async def one(g: Group[StockUpdate]) -> None:
        listing = Listing(found.get(g.item_id), g.item_id, g.entries, results)
        if not listing.valid:
            return
        values = {(u.platform_variant_id or ""): _stock_quantity(u) for _, u in listing.valid}
        try:
            answered = await client.put(f"/items/{g.item_id}",
                                        listing.body("available_quantity", values))
        except (PlatformError, TransientError, RateLimited, DataError) as exc:
            listing.fail(*failure(exc))
            return
        listing.confirm(answered, "available_quantity", _stock_quantity,
                        lambda v: int(v) if isinstance(v, int | float | Decimal) else v)

    await client.bounded(one(g) for g in groups.values())
    return [r or PushResult.failed(u.sku, "not pushed") for r, u in zip(results, updates, strict=True)]


@dataclass
class Promotion:
    """The promotional price an item should carry."""

    deal_price: Decimal
    start: datetime
    finish: datetime
    finish_given: bool


def _naive_utc(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def wanted_promotion(entries: list[tuple[int, PriceUpdate]], now: datetime,
                     days: int) -> Promotion | None:
    """The first current promotional price among an item's updates, or None."""
    for _, update in entries:
        if update.promotional is None:
            continue
        finish = update.promo_to or (max(update.promo_from or now, now) + timedelta(days=days))
        if finish <= now:
            continue
        start = max(update.promo_from or now, now)
        return Promotion(update.promotional.amount, start, finish, update.promo_to is not None)
    return None


def _same(existing: Mapping[str, Any], wanted: Promotion) -> bool:
    if _decimal(existing.get("price")) != wanted.deal_price:
        return False
    if not wanted.finish_given:
        return True
    try:
        finish = parse_datetime(existing.get("finish_date"), field="finish_date", assume_utc=True)
    except DataError:
        return False
    return abs((finish - wanted.finish).total_seconds()) < 60


async def sync_promotion(client: MeliClient, item_id: str, wanted: Promotion | None) -> None:
    """Make the item's PRICE_DISCOUNT match ``wanted`` (create, replace or delete it)."""
    path = f"/seller-promotions/items/{item_id}"
    response = await client.get(path, {"app_version": "v2"})
    current = [p for p in json_list(response, f"GET {path}") if isinstance(p, Mapping)
               and p.get("type") == PROMOTION and p.get("status") in LIVE_PROMOTION]
    if wanted is not None and any(_same(p, wanted) for p in current):
        return
    if current:
        await client.http.delete(path, params={"promotion_type": PROMOTION, "app_version": "v2"})
    if wanted is not None:
        await client.http.post(path, params={"app_version": "v2"}, json={
            "promotion_type": PROMOTION, "deal_price": number(wanted.deal_price),
            "start_date": _naive_utc(wanted.start), "finish_date": _naive_utc(wanted.finish)})


async def push_price(client: MeliClient, updates: list[PriceUpdate], *,
                     promotion_days: int) -> list[PushResult]:
    """Set regular prices (per variation where needed) and the item's promotional price."""
    groups = group(updates)
    results: list[PushResult | None] = [None] * len(updates)
    found = await _read(client, groups)
    now = datetime.now(UTC)

    async def one(g: Group[PriceUpdate]) -> None:
        listing = Listing(found.get(g.item_id), g.item_id, g.entries, results)
        currency = str((listing.item or {}).get("currency_id") or "")
        for index, update in list(listing.valid):
            problem = None
            if update.regular.currency != currency:
                problem = f"item {g.item_id} is priced in {currency}, not {update.regular.currency}"
            elif update.promotional is not None and update.promotional.amount >= update.regular.amount:
                problem = "the promotional price must be lower than the regular price"
            if problem:
                results[index] = PushResult.failed(update.sku, problem, retryable=False)
                listing.valid.remove((index, update))
        if not listing.valid:
            return
        prices = {(u.platform_variant_id or ""): u.regular.amount for _, u in listing.valid}
        answered: Mapping[str, Any] = listing.item or {}
        try:
            if any(_decimal(listing.value(key, "price")) != price for key, price in prices.items()):
                body = listing.body("price", {k: number(v) for k, v in prices.items()})
                answered = await client.put(f"/items/{g.item_id}", body)
            await sync_promotion(client, g.item_id,
                                 wanted_promotion(listing.valid, now, promotion_days))
        except (PlatformError, TransientError, RateLimited, DataError) as exc:
            listing.fail(*failure(exc))
            return
        listing.confirm(answered, "price", lambda u: u.regular.amount, _decimal)

    await client.bounded(one(g) for g in groups.values())
    return [r or PushResult.failed(u.sku, "not pushed") for r, u in zip(results, updates, strict=True)]
