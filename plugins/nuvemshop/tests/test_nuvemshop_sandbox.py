"""The sandbox keeps Tiendanube's rules, so the plugin's tests can fail: the required
User-Agent, the bearer token, the leaky bucket and its headers, Link paging, the empty listing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from hub.sandbox import SandboxOptions
from hub_nuvemshop.sandbox import NuvemshopSandbox


@pytest.fixture
def store() -> Iterator[tuple[NuvemshopSandbox, str, dict[str, str]]]:
    sandbox = NuvemshopSandbox(SandboxOptions(seed=2, orders=30))
    with sandbox.serve() as url:
        settings = sandbox.account_settings(url)
        headers = {"Authentication": f"bearer {settings['access_token']}",
                   "User-Agent": settings["user_agent"]}
        yield sandbox, f"{settings['base_url']}/{sandbox.store_id}", headers


def get(url: str, headers: dict[str, str], **params: Any) -> httpx.Response:
    return httpx.get(url, headers=headers, params=params)


def test_a_request_without_user_agent_is_refused(store: Any) -> None:
    sandbox, api, headers = store
    no_agent = httpx.Request("GET", f"{api}/orders", headers={"Authentication": headers["Authentication"]})
    assert "user-agent" not in no_agent.headers  # a bare request: httpx adds none of its own
    with httpx.Client() as client:
        answer = client.send(no_agent)
    assert answer.status_code == 400 and "User-Agent" in answer.json()["description"]
    assert sandbox.refused_user_agent == 1
    assert get(f"{api}/orders", {"User-Agent": "x (y@example.com)"}).status_code == 401
    assert get(f"{api}/orders", {**headers, "Authentication": "bearer nope"}).status_code == 401


def test_link_paging_and_total_and_the_empty_listing(store: Any) -> None:
    sandbox, api, headers = store
    first = get(f"{api}/orders", headers, per_page=10, status="any")
    assert first.status_code == 200 and len(first.json()) == 10
    assert first.headers["x-total-count"] == str(len(sandbox.orders))
    nxt = first.links["next"]["url"]
    second = httpx.get(nxt, headers=headers)
    assert {o["id"] for o in second.json()}.isdisjoint({o["id"] for o in first.json()})
    capped = get(f"{api}/orders", headers, per_page=500, status="any")
    assert len(capped.json()) == min(200, len(sandbox.orders))
    empty = get(f"{api}/orders", headers, updated_at_min="2999-01-01T00:00:00+00:00")
    assert empty.status_code == 404 and empty.json()["description"] == "Last page is 0"


def test_the_default_listing_leaves_cancelled_orders_out(store: Any) -> None:
    sandbox, api, headers = store
    cancelled = {str(o["id"]) for o in sandbox.orders.values() if o["status"] == "cancelled"}
    assert cancelled
    default = {str(o["id"]) for o in get(f"{api}/orders", headers, per_page=200).json()}
    explicit = {str(o["id"]) for o in get(f"{api}/orders", headers, per_page=200,
                                          status="cancelled").json()}
    assert not default & cancelled and explicit == cancelled


def test_the_leaky_bucket_answers_429_with_its_headers(store: Any) -> None:
    _, api, headers = store
    with httpx.Client(headers=headers) as client:
        answers = [client.get(f"{api}/store") for _ in range(45)]
    ok = [a for a in answers if a.status_code == 200]
    refused = [a for a in answers if a.status_code == 429]
    assert len(ok) >= 40 and refused, "40 requests fit in the bucket, then 429"
    assert ok[0].headers["x-rate-limit-limit"] == "40"
    assert int(ok[0].headers["x-rate-limit-remaining"]) == 39
    last = refused[-1].headers
    assert last["x-rate-limit-remaining"] == "0" and int(last["x-rate-limit-reset"]) > 15000
    assert refused[-1].json()["code"] == 429


def test_actions_are_refused_as_the_store_refuses_them(store: Any) -> None:
    sandbox, api, headers = store
    shipped = next(o for o in sandbox.orders.values()
                   if o["shipping_status"] == "shipped" and o["status"] == "open")
    answer = httpx.post(f"{api}/orders/{shipped['id']}/cancel", headers=headers, json={})
    assert answer.status_code == 422
    paid = next(o for o in sandbox.orders.values() if o["status"] == "open"
                and o["shipping_status"] == "unpacked")
    bare = httpx.post(f"{api}/orders/{paid['id']}/fulfill", headers=headers, json={})
    assert bare.status_code == 422 and "shipping_tracking_number" in bare.json()["description"]
    variant = next(iter(sandbox.variants.values()))
    bad = httpx.put(f"{api}/products/{variant['product_id']}/variants/{variant['id']}",
                    headers=headers, json={"price": "10.00", "promotional_price": "12.00"})
    assert bad.status_code == 422


def test_customers_need_a_name_and_an_email_no_other_customer_has(store: Any) -> None:
    sandbox, api, headers = store
    blank = httpx.post(f"{api}/customers", headers=headers, json={"email": "x@example.com"})
    assert blank.status_code == 422 and blank.json() == {"name": ["can't be blank"]}
    taken = sandbox.customers["7001"]["email"]
    twice = httpx.post(f"{api}/customers", headers=headers, json={"name": "X", "email": taken})
    assert twice.status_code == 422 and "email" in twice.json()
    made = httpx.post(f"{api}/customers", headers=headers, json={
        "name": "Zé Ninguém", "email": "ze@example.com",
        "addresses": [{"address": "Rua A 1", "city": "Recife", "zipcode": "50000-000"}]})
    assert made.status_code == 201 and made.json()["default_address"]["city"] == "Recife"
    found = get(f"{api}/customers", headers, q="ze@example")
    assert [c["id"] for c in found.json()] == [made.json()["id"]]
    assert get(f"{api}/customers", headers, q="nobody@example").json()["description"] \
        == "Last page is 0"
    later = get(f"{api}/customers", headers, updated_at_min=made.json()["updated_at"])
    assert [c["id"] for c in later.json()] == [made.json()["id"]]


def test_orders_carry_both_documented_spellings_of_the_shipping_status(store: Any) -> None:
    sandbox, _, _ = store
    spelled = {(o["id"] % 2, o["shipping_status"]) for o in sandbox.orders.values()
               if o["shipping_status"] != "unpacked"}
    assert spelled and spelled <= {(1, "unfulfilled"), (1, "fulfilled"),  # the property table's
                                   (0, "unshipped"), (0, "shipped")}  # pack's and fulfill's answers


def test_images_are_copied_by_the_store_and_capped(store: Any) -> None:
    sandbox, api, headers = store
    url = f"{api}/products/101/images"
    assert httpx.post(url, headers=headers, json={"position": 1}).status_code == 422
    first = httpx.post(url, headers=headers, json={"src": "https://img.example/a.png"})
    assert first.status_code == 201 and first.json()["src"] != "https://img.example/a.png"
    second = httpx.post(url, headers=headers, json={"src": "https://img.example/b.png",
                                                    "position": 1})
    assert [i["id"] for i in get(url, headers).json()] == [second.json()["id"], first.json()["id"]]
    assert httpx.delete(f"{url}/{first.json()['id']}", headers=headers).status_code == 200
    assert [i["position"] for i in sandbox.products["101"]["images"]] == [1]
    for n in range(249):
        sandbox._add_image(sandbox.products["101"], f"https://img.example/{n}.png", None)
    full = httpx.post(url, headers=headers, json={"src": "https://img.example/c.png"})
    assert full.status_code == 422 and "250" in full.json()["description"]
