"""The ``products`` flow: the hub's catalogue published as channel listings, through the outbox.

Off until switched on per account (:func:`set_flow`). Each run first brings the
outbox up to date: for every product the account should list (a published
main product, or one already linked to the account) the values the listing
should show are compared with the values the platform last accepted; a
difference queues the product (coalesced: the latest values win). Sending
hands the plugin only the fields that changed (all of them on a first
publication), with the hub's links so an existing listing is updated; the
plugin looks the SKU up before creating, so a listing is never duplicated.
What the platform accepts becomes the product's links and the item's
``accepted`` value; a refusal is retried with backoff and stays visible in
the run history. :func:`plan` shows old -> new without sending.

A change that came from a platform is recorded as already accepted by that
platform (:func:`mark_accepted`), so it is never echoed back to it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, col, or_, select

from hub.core.storage.catalogue import CategoryMapping, FlowSwitch, ProductDetail
from hub.core.storage.columns import now
from hub.core.storage.models import Account as AccountRow
from hub.core.storage.models import OutboxItem, Price, Product, ProductLink
from hub.core.sync import runs
from hub.core.sync.catalogue_edit import current_values
from hub.core.sync.push import _apply, enqueue
from hub.errors import ConfigError, HubError
from hub.types import ListingDraft, Money, PushResult, VariantDraft

if TYPE_CHECKING:
    from hub.core.app import HubApp

KIND = "product"
FLOWS = {"products": "publish", "contacts": "contacts"}  # flow -> the capability it needs


# --- switching the flows ---------------------------------------------------------------

def flow_on(s: Session, account_id: int, flow: str) -> bool:
    row = s.get(FlowSwitch, (account_id, flow))
    return bool(row and row.on)


def set_flow(app: HubApp, name: str, flow: str, on: bool) -> None:
    """Switch ``flow`` (products or contacts) on or off for account ``name``."""
    if flow not in FLOWS:
        raise ConfigError(f"unknown flow '{flow}'; choose one of {', '.join(FLOWS)}")
    row = app.accounts.row(name)
    info = app.host.info(row.platform)
    if on and FLOWS[flow] not in {str(c) for c in info.capabilities}:
        raise ConfigError(f"{info.display_name} cannot take the {flow} flow "
                          f"(its plugin does not declare the '{FLOWS[flow]}' capability)")
    with app.db.session() as s:
        switch = s.get(FlowSwitch, (row.id, flow)) or FlowSwitch(account_id=row.id or 0, flow=flow)
        switch.on = on
        s.add(switch)


def check_flow(app: HubApp, row: AccountRow, flow: str) -> None:
    """Refuse a disabled or paused account, or one that did not switch ``flow`` on."""
    if not row.enabled:
        raise ConfigError(f"account '{row.name}' is disabled",
                          hint=f"run: hub accounts enable {row.name}")
    if row.paused_reason:
        raise ConfigError(f"account '{row.name}' is paused: {row.paused_reason}")
    with app.db.session() as s:
        if not flow_on(s, row.id or 0, flow):
            raise ConfigError(f"the {flow} flow is off for account '{row.name}'",
                              hint=f"run: hub {flow} flow {row.name} on")


# --- what each listing should show -------------------------------------------------------

def _price(s: Session, product_id: int, account_id: int) -> dict[str, str] | None:
    rows = s.exec(select(Price).where(Price.product_id == product_id,
                                      or_(Price.account_id == 0, Price.account_id == account_id))).all()
    chosen = next((p for p in rows if p.account_id), rows[0] if rows else None)
    return {"amount": str(chosen.regular), "currency": chosen.currency} if chosen else None


def snapshot(s: Session, account_id: int, product: Product, detail: ProductDetail) -> dict[str, Any]:
    """The values ``product``'s listing on the account should show, JSON-ready."""
    values = current_values(s, product, detail)
    mapping = s.get(CategoryMapping, (account_id, product.category_id)) if product.category_id else None
    variants = []
    for child in s.exec(select(ProductDetail).where(ProductDetail.parent_id == product.id)
                        .order_by(col(ProductDetail.product_id))):
        row = s.get(Product, child.product_id)
        if row is None or not row.sku:
            continue
        variants.append({"sku": row.sku, "name": row.name, "barcode": child.barcode,
                         "options": child.attributes or {},
                         "weight": str(child.weight) if child.weight is not None else None,
                         "price": _price(s, row.id or 0, account_id)})
    return {"sku": product.sku, **values, "images": values["images"] or [],
            "attributes": values["attributes"] or {},
            "platform_category": mapping.platform_category if mapping else None,
            "price": _price(s, product.id or 0, account_id), "variants": variants}


def wanted_products(s: Session, account_id: int) -> dict[str, dict[str, Any]]:
    """Outbox key (the hub product id) -> the values its listing should show.

    Candidates are main products (not variants) with catalogue details: those
    published to every channel, and those already linked to this account.
    """
    linked = set(s.exec(select(ProductLink.product_id).where(ProductLink.account_id == account_id)))
    wanted: dict[str, dict[str, Any]] = {}
    for detail in s.exec(select(ProductDetail).where(col(ProductDetail.parent_id).is_(None))
                         .order_by(col(ProductDetail.product_id))):
        if not (detail.publish or detail.product_id in linked):
            continue
        product = s.get(Product, detail.product_id)
        if product is None or not product.sku:
            continue
        wanted[str(product.id)] = snapshot(s, account_id, product, detail)
    return wanted


def changed_fields(old: dict[str, Any] | None, new: dict[str, Any]) -> list[str] | None:
    """The top-level fields that differ (None: nothing accepted yet, everything is new)."""
    if old is None:
        return None
    return sorted(k for k in new if old.get(k) != new[k])


def mark_accepted(s: Session, account_id: int, product_id: int) -> None:
    """Record the product's current values as what the account holds (they came from it)."""
    product, detail = s.get(Product, product_id), s.get(ProductDetail, product_id)
    if product is None or detail is None:
        return
    key = str(product_id)
    payload = snapshot(s, account_id, product, detail)
    item = s.exec(select(OutboxItem).where(OutboxItem.account_id == account_id,
                                           OutboxItem.kind == KIND, OutboxItem.key == key)).first()
    if item is None:
        item = OutboxItem(account_id=account_id, kind=KIND, key=key)
    item.payload, item.accepted, item.status, item.updated_at = payload, payload, "done", now()
    item.last_error = None
    s.add(item)


def queue_changed(s: Session, account_id: int, kind: str, wanted: dict[str, dict[str, Any]],
                  counts: runs.RunCounts) -> None:
    """Queue each wanted value the platform does not hold yet; count the ones it does."""
    items = {i.key: i for i in s.exec(select(OutboxItem).where(
        OutboxItem.account_id == account_id, OutboxItem.kind == kind))}
    for key, payload in wanted.items():
        item = items.get(key)
        if item is not None and item.accepted == payload and item.status == "done":
            counts.add(runs.UNCHANGED)
        else:
            enqueue(s, account_id, kind, key, payload)


def _refresh(s: Session, account_id: int, counts: runs.RunCounts) -> None:
    queue_changed(s, account_id, KIND, wanted_products(s, account_id), counts)


# --- dry run -----------------------------------------------------------------------------

@dataclass
class PlannedListing:
    sku: str
    action: str  # "create or match by SKU" / "update"
    changes: dict[str, tuple[Any, Any]]


@dataclass
class ProductPlan:
    account: str
    items: list[PlannedListing] = field(default_factory=list)
    unchanged: int = 0


def plan(app: HubApp, name: str) -> ProductPlan:
    """What :func:`publish` would send now (field: old -> new), without sending or storing."""
    row = app.accounts.row(name)
    check_flow(app, row, "products")
    result = ProductPlan(account=name)
    with app.db.session() as s:
        accepted = {i.key: i.accepted for i in s.exec(select(OutboxItem).where(
            OutboxItem.account_id == row.id, OutboxItem.kind == KIND))}
        linked = set(s.exec(select(ProductLink.product_id).where(ProductLink.account_id == row.id)))
        for key, payload in wanted_products(s, row.id or 0).items():
            old = accepted.get(key)
            if old == payload:
                result.unchanged += 1
                continue
            fields = changed_fields(old, payload) or list(payload)
            result.items.append(PlannedListing(
                sku=payload["sku"], action="update" if int(key) in linked else "create (or match by SKU)",
                changes={f: ((old or {}).get(f), payload.get(f)) for f in fields}))
    return result


# --- sending -----------------------------------------------------------------------------

def _money(value: dict[str, str] | None) -> Money | None:
    return Money(amount=Decimal(value["amount"]), currency=value["currency"]) if value else None


def draft(s: Session, account_id: int, item: OutboxItem) -> ListingDraft:
    """The :class:`ListingDraft` for one queued product: changed fields and the hub's links."""
    payload = dict(item.payload or {})
    links = s.exec(select(ProductLink).where(ProductLink.account_id == account_id,
                                             ProductLink.product_id == int(item.key))).first()
    variant_skus = [v["sku"] for v in payload.get("variants", [])]
    variant_links: dict[str, str] = {}
    if variant_skus:
        for link_sku, vid in s.exec(
                select(Product.sku, ProductLink.platform_variant_id)
                .join(ProductLink, col(ProductLink.product_id) == Product.id)
                .where(ProductLink.account_id == account_id, col(Product.sku).in_(variant_skus))):
            if link_sku and vid:
                variant_links[link_sku] = vid
    if links is None and variant_skus:  # a variable product is linked through its variants
        links = s.exec(select(ProductLink).join(Product, col(Product.id) == ProductLink.product_id)
                       .where(ProductLink.account_id == account_id,
                              col(Product.sku).in_(variant_skus))).first()
    accepted = item.accepted if item.accepted else None
    quantities = _quantities(s, account_id, [payload["sku"], *variant_skus])
    held = {v.get("sku"): v for v in (accepted or {}).get("variants") or [] if isinstance(v, dict)}

    def variant_changes(variant: dict[str, Any]) -> list[str] | None:
        """What changed on one variant since accepted (None: new, or nothing accepted yet)."""
        old = held.get(variant["sku"]) if links else None
        return changed_fields(old, variant) if old is not None else None

    return ListingDraft(
        sku=payload["sku"], name=payload["name"], description=payload.get("description"),
        brand=payload.get("brand"), barcode=payload.get("barcode"),
        weight=payload.get("weight"), length=payload.get("length"), width=payload.get("width"),
        height=payload.get("height"), images=payload.get("images") or [],
        category=payload.get("category"), platform_category=payload.get("platform_category"),
        attributes=payload.get("attributes") or {}, price=_money(payload.get("price")),
        quantity=quantities.get(payload["sku"]),
        variants=[VariantDraft(sku=v["sku"], name=v.get("name"), barcode=v.get("barcode"),
                               options=v.get("options") or {}, weight=v.get("weight"),
                               price=_money(v.get("price")), quantity=quantities.get(v["sku"]),
                               platform_variant_id=variant_links.get(v["sku"]),
                               changed=variant_changes(v))
                  for v in payload.get("variants", [])],
        platform_product_id=links.platform_product_id if links else None,
        platform_variant_id=(links.platform_variant_id or None) if links and not variant_skus else None,
        changed=changed_fields(accepted, payload) if links else None)


def _quantities(s: Session, account_id: int, skus: list[str]) -> dict[str, int]:
    """Available stock by SKU, for the SKUs whose stock the hub manages for the account."""
    from hub.core.sync.stock import available, managed

    ids = {pid: sku for pid, sku in s.exec(select(Product.id, Product.sku)
                                           .where(col(Product.sku).in_(skus))) if pid and sku}
    owned = managed(s, account_id, ids)
    levels = available(s, account_id, owned)
    return {ids[pid]: levels[pid] for pid in owned}


def _link(s: Session, account_id: int, product_id: int, result: PushResult,
          payload: dict[str, Any]) -> None:
    """Store the platform ids the plugin returned as the product's (and variants') links."""
    if not result.platform_id:
        return
    targets = [(product_id, result.variant_ids.get(payload["sku"], ""), payload["sku"], payload["name"])
               ] if not payload.get("variants") else []
    for variant in payload.get("variants", []):
        vid = result.variant_ids.get(variant["sku"])
        row = s.exec(select(Product).where(Product.sku == variant["sku"])).first()
        if vid and row is not None:
            targets.append((row.id or 0, vid, variant["sku"], variant.get("name") or payload["name"]))
    for pid, vid, sku, name in targets:
        existing = s.exec(select(ProductLink).where(
            ProductLink.account_id == account_id, ProductLink.product_id == pid)).first()
        if existing is None:
            existing = ProductLink(account_id=account_id, product_id=pid,
                                   platform_product_id=result.platform_id, platform_variant_id=vid)
        existing.platform_product_id, existing.platform_variant_id = result.platform_id, vid
        existing.sku, existing.name = sku, name
        s.add(existing)


@dataclass
class PublishRun:
    run_id: int
    counts: runs.RunCounts
    status: str
    error: str | None = None


@dataclass
class OutboxFlow:
    """What differs between the outbox flows of this module and :mod:`.contacts_out`."""

    flow: str  # products / contacts
    kind: str  # the outbox kind
    refresh: Callable[[Session, int, runs.RunCounts], None]
    prepare: Callable[[Session, int, OutboxItem], Any]
    send: Callable[[Any, Any], Awaitable[PushResult]]
    link: Callable[[Session, int, int, PushResult, dict[str, Any]], None]
    #: sends several at once (a platform's batch API), with the batch size; None: one a call
    send_many: Callable[[Any, list[Any]], Awaitable[list[PushResult]]] | None = None
    batch_size: int = 1


async def run_flow(app: HubApp, name: str, spec: OutboxFlow, *, trigger: str = "manual",
                   retry_failed: bool = False) -> PublishRun:
    """Bring the account's outbox of ``spec.kind`` up to date and send what is due, one a call.

    Accepted items store the platform's ids as links; refused ones are retried
    with backoff (or marked failed) and listed in the run's history.
    """
    row = app.accounts.row(name)
    check_flow(app, row, spec.flow)
    account = app.accounts.open(row)
    account_id = row.id or 0
    async with app.accounts.lease(f"run:{spec.flow}:{account_id}", ttl=300, wait=0):
        counts = runs.RunCounts()
        with app.db.session() as s:
            spec.refresh(s, account_id, counts)
            statuses = ["pending", "retrying", *(["failed"] if retry_failed else [])]
            query = select(OutboxItem).where(OutboxItem.account_id == account_id,
                                             OutboxItem.kind == spec.kind,
                                             col(OutboxItem.status).in_(statuses))
            if not retry_failed:
                query = query.where(or_(col(OutboxItem.next_attempt_at).is_(None),
                                        col(OutboxItem.next_attempt_at) <= now()))
            items = list(s.exec(query.order_by(col(OutboxItem.id))).all())
            if not items and trigger == "scheduled":
                runs.note_idle(account_id, spec.flow)
                return PublishRun(run_id=0, counts=runs.RunCounts(), status="idle")
            run_id = runs.start_run(s, account_id, spec.flow, trigger).id or 0
            drafts = [spec.prepare(s, account_id, item) for item in items]
        error: str | None = None
        size = spec.batch_size if spec.send_many is not None else 1
        try:
            for start in range(0, len(items), max(size, 1)):
                batch, prepared = items[start:start + size], drafts[start:start + size]
                if spec.send_many is not None:
                    results = list(await spec.send_many(account, prepared))
                else:
                    results = [await spec.send(account, prepared[0])]
                _apply(app, run_id, account_id, batch, results, counts)
                with app.db.session() as s:
                    for item, result in zip(batch, results, strict=False):
                        if result.outcome == "accepted":
                            spec.link(s, account_id, int(item.key), result, item.payload or {})
        except HubError as exc:
            error = str(exc)
        run = await runs.end(app.db, run_id, counts, error)
        if error:
            app.host.sync_failed(account, spec.flow, run_id, error)
        return PublishRun(run_id=run_id, counts=counts, status=run.status, error=error)


def products_flow(app: HubApp, platform: str) -> OutboxFlow:
    batched = app.host.implements("push_products", platform)
    return OutboxFlow(flow="products", kind=KIND, refresh=_refresh, prepare=draft,
                      send=app.host.push_product, link=_link,
                      send_many=app.host.push_products if batched else None,
                      batch_size=app.host.info(platform).product_batch_size if batched else 1)


async def publish(app: HubApp, name: str, *, trigger: str = "manual",
                  retry_failed: bool = False) -> PublishRun:
    """The ``products`` flow for account ``name`` (see the module docstring)."""
    platform = app.accounts.row(name).platform
    return await run_flow(app, name, products_flow(app, platform), trigger=trigger,
                          retry_failed=retry_failed)
