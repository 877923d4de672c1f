"""Mercado Libre's own published payloads (its legacy Java SDK's test responses) read by the plugin.

Read from ``../shared/fixtures/mercadolibre/java-sdk`` beside the repository
(see its MANIFEST.md); skipped with the reason where that folder is absent.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

import hub
from hub_mercadolibre import plugin
from hub_mercadolibre.sites import SITES

FIXTURES = Path(__file__).resolve().parents[3].parent / "shared" / "fixtures" / "mercadolibre" \
    / "java-sdk"


def _load(name: str) -> Any:
    path = FIXTURES / name
    if not path.is_file():
        pytest.skip(f"published fixture {path} is absent (../shared/fixtures is not beside the "
                    "repository)")
    return json.loads(path.read_text(encoding="utf-8"))


def test_the_published_token_answer_becomes_credentials(meli: Any) -> None:
    answer = _load("authorization_success.json")
    user = _load("get_custid_success.json")

    async def go() -> dict[str, Any]:
        with respx.mock() as mock:
            mock.post(f"{meli.API}/oauth/token").respond(200, json=answer)
            mock.get(f"{meli.API}/users/me").respond(200, json=user)
            session = meli.BrowserSession()

            async def approve(url: str) -> hub.Callback:
                return hub.Callback(params={"code": "TG-published"})

            session.wait_for_callback = approve  # type: ignore[method-assign]
            acct = meli.account(refreshing=False)
            creds = await plugin.authorize(acct, session)
            await acct.aclose()
            return creds

    creds = asyncio.run(go())
    assert creds["access_token"] == "APP_USR-6092-3246532-cb45c82853f6e620bb0deda096b128d3-8035443"
    assert creds["refresh_token"] == "TG-5005b6b3e4b07e60756a3353"
    assert creds["scope"] == "write read"
    assert (creds["seller_id"], creds["nickname"], creds["site_id"]) == \
        ("206946886", "TETE6838590", "MLA")
    left = datetime.fromisoformat(creds["expires_at"]) - datetime.now(UTC)
    assert 10700 < left.total_seconds() <= 10800  # the published expires_in: 3 hours


def test_the_published_invalid_client_answer_is_an_auth_error(meli: Any) -> None:
    answer = _load("authorization_bad_request.json")

    async def go() -> None:
        with respx.mock() as mock:
            mock.post(f"{meli.API}/oauth/token").mock(return_value=httpx.Response(400, json=answer))
            acct = meli.account(refreshing=False)
            with pytest.raises(hub.AuthError) as caught:
                await plugin.refresh_credentials(acct, meli.credentials())
            await acct.aclose()
            assert "client_id/client_secret" in str(caught.value)
            assert "invalid client_id or client_secret." in str(caught.value)

    asyncio.run(go())


def test_the_published_item_maps_to_a_product(meli: Any) -> None:
    product = plugin.map_product(meli.account(), _load("post_item_success.json"))
    assert product.platform_product_id == "MLA600190449"
    assert product.name == "Iphone 6 64gb Space Gray Liberado"
    assert product.price == hub.Money(amount=Decimal("16550"), currency="ARS")
    assert product.quantity == Decimal(2)
    assert product.category == "MLA352543"
    assert product.sku is None and product.barcode is None and product.variants == []


def test_every_configured_site_is_a_published_site() -> None:
    published = {site["id"]: site["name"] for site in _load("get_sites_success.json")}
    assert {site.site_id for site in SITES.values()} <= set(published)
    assert published[SITES["BR"].site_id] == "Brasil"
    assert published[SITES["AR"].site_id] == "Argentina"
