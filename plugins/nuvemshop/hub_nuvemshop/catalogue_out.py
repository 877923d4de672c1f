"""Publishing hub products as Tiendanube listings (``push_product``).

A linked listing is updated (``PUT /products/{id}``, then each variant); an
unlinked one is first looked up by SKU (``GET /products/sku/{sku}``, the product
one of whose variants has it) and updated when found, so a listing is never
duplicated; otherwise ``POST /products`` creates it with its variants. Texts go
in the store's main language (``main_language`` of ``GET /store``); options
become the product's ``attributes`` and each variant's ``values``.

Images (resources/product.md, product_image.md): a new product carries them as
``images`` ``[{"src": URL}]``; on a listing, a changed image list is added with
``POST /products/{id}/images`` (``src``, ``position``) and the images the listing
had before are then removed (``DELETE /products/{id}/images/{image_id}``). The
store copies each image to its own CDN and answers another ``src``, so the
listing's images cannot be compared with the hub's URLs: the list is replaced
when it changed, never diffed. A listing matched by SKU keeps its images when
the hub has none. A product holds at most 250 images.
"""

from __future__ import annotations

from typing import Any

from hub import DataError, ListingDraft, PlatformError, PushResult, TransientError, json_object
from hub_nuvemshop.client import StoreClient

MAX_IMAGES = 250  # "Product is not allowed to have more than 250 images"


async def language(client: StoreClient) -> str:
    """The store's main language (read once per account runtime)."""
    cached = client.memo.get("language")
    if cached is None:
        store = json_object(await client.get("store"), "store")
        cached = client.memo["language"] = str(store.get("main_language") or "pt")
    return str(cached)


def _amount(draft_price: Any) -> str | None:
    return None if draft_price is None else f"{draft_price.amount:.2f}"


def _options(product: ListingDraft) -> list[str]:
    names: list[str] = []
    for variant in product.variants:
        names += [k for k in variant.options if k not in names]
    return names


def _variants(product: ListingDraft, lang: str) -> list[dict[str, Any]]:
    """The variants as the API takes them (the product itself when it has none)."""
    if not product.variants:
        own: dict[str, Any] = {"sku": product.sku, "price": _amount(product.price),
                               "barcode": product.barcode}
        if product.weight is not None:
            own["weight"] = f"{product.weight:.3f}"
        if product.quantity is not None:
            own.update(stock_management=True, stock=product.quantity)
        return [own]
    names = _options(product)
    found = []
    for variant in product.variants:
        body: dict[str, Any] = {"sku": variant.sku, "price": _amount(variant.price or product.price),
                                "barcode": variant.barcode,
                                "values": [{lang: variant.options.get(n, "-")} for n in names]}
        if variant.weight is not None:
            body["weight"] = f"{variant.weight:.3f}"
        if variant.quantity is not None:
            body.update(stock_management=True, stock=variant.quantity)
        found.append(body)
    return found


def _fields(product: ListingDraft, lang: str, everything: bool) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if everything or product.sends("name"):
        body["name"] = {lang: product.name}
    if product.description is not None and (everything or product.sends("description")):
        body["description"] = {lang: product.description}
    if product.brand is not None and (everything or product.sends("brand")):
        body["brand"] = product.brand
    if product.platform_category and (everything or product.sends("category")):
        body["categories"] = [int(product.platform_category)]
    return body


async def _replace_images(client: StoreClient, listing_id: str, current: dict[str, Any],
                          urls: list[str]) -> None:
    """Add ``urls`` in order (positions 1..n), then remove the images the listing had (first,
    when both would not fit in the 250 a product holds)."""
    before = [image["id"] for image in current.get("images") or [] if isinstance(image, dict)]
    wanted = urls[:MAX_IMAGES]

    async def remove() -> None:
        for image_id in before:
            await client.delete(f"products/{listing_id}/images/{image_id}", expect={404})

    if len(before) + len(wanted) > MAX_IMAGES:
        await remove()
        before = []
    for position, url in enumerate(wanted, start=1):
        await client.post(f"products/{listing_id}/images", {"src": url, "position": position})
    await remove()


def _ids(answer: dict[str, Any]) -> dict[str, str]:
    return {str(v["sku"]): str(v["id"]) for v in answer.get("variants") or [] if v.get("sku")}


async def push_product(client: StoreClient, product: ListingDraft) -> PushResult:
    """Create or update the listing (see the module's docstring)."""
    key = product.sku
    if product.platform_category and not product.platform_category.isdigit():
        return PushResult.failed(key, f"the Tiendanube category must be a category id, got "
                                      f"'{product.platform_category}' (set it with hub categories "
                                      "map)", retryable=False)
    try:
        lang = await language(client)
        listing_id = product.platform_product_id
        everything = product.changed is None
        if listing_id is None:
            probe = product.variants[0].sku if product.variants else product.sku
            found = await client.get(f"products/sku/{probe}", expect={404})
            if found.status_code != 404:
                listing_id, everything = str(json_object(found, f"product {probe}")["id"]), True
        if listing_id is None:
            body = {**_fields(product, lang, True), "variants": _variants(product, lang)}
            if product.images:
                body["images"] = [{"src": url} for url in product.images[:MAX_IMAGES]]
            names = _options(product)
            if names:
                body["attributes"] = [{lang: n} for n in names]
            created = json_object(await client.post("products", body), f"product {key}")
            return PushResult(key=key, outcome="accepted", action="created",
                              platform_id=str(created["id"]), variant_ids=_ids(created))
        fields = _fields(product, lang, everything)
        current = json_object(await (client.put(f"products/{listing_id}", fields) if fields
                                     else client.get(f"products/{listing_id}")),
                              f"product {listing_id}")
        # a listing just matched by SKU keeps its own images unless the hub has some
        images_changed = bool(product.images) if everything else product.sends("images")
        if images_changed:
            await _replace_images(client, str(listing_id), current, product.images)
        by_sku = {str(v.get("sku")): v for v in current.get("variants") or []}
        for wanted in _variants(product, lang):
            have = by_sku.get(str(wanted["sku"]))
            if have is None and len(by_sku) == 1 and not product.variants:
                have = next(iter(by_sku.values()))  # the product's own variant, SKU changed
            if have is None:
                answer = json_object(await client.post(f"products/{listing_id}/variants", wanted),
                                     f"variant {wanted['sku']}")
                by_sku[str(answer.get("sku"))] = answer
            elif everything or product.sends("price") or product.sends("variants"):
                update = {k: v for k, v in wanted.items() if k not in ("stock", "stock_management")}
                if not everything:
                    update.pop("values", None)
                answer = json_object(await client.put(
                    f"products/{listing_id}/variants/{have['id']}", update), f"variant {have['id']}")
                by_sku[str(answer.get("sku"))] = answer
    except PlatformError as exc:
        return PushResult.failed(key, exc.message, retryable=False)
    except (TransientError, DataError) as exc:
        return PushResult.failed(key, exc.message, retryable=isinstance(exc, TransientError))
    ids = {sku: str(v["id"]) for sku, v in by_sku.items() if sku and sku != "None"}
    return PushResult(key=key, outcome="accepted", action="updated", platform_id=str(listing_id),
                      variant_ids=ids)
