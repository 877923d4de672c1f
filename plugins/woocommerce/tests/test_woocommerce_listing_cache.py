"""The sandbox's cached order listing answers exactly as filtering every order each time would.

The listing caches a query's result until the store changes (:class:`hub.sandbox.Records`).
These tests change the store between page requests in every way a test or the sandbox
does (the REST API, drift, editing ``sandbox.orders`` and its dicts directly, plain dicts
put in and removed) and compare each page with the straightforward implementation below.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.sandbox import SandboxOptions, serve
from hub_woocommerce import plugin
from hub_woocommerce.sandbox import WooCommerceSandbox
from hub_woocommerce.sandbox.store import ORDER_STATUSES

NOW = datetime(2024, 5, 20, 15, 0, tzinfo=UTC)
BOUNDS = ("after", "before", "modified_after", "modified_before")


def reference(orders: dict[int, dict[str, Any]], params: dict[str, Any]) -> list[int]:
    """The listing's ids, filtered and sorted from scratch (the uncached implementation)."""
    statuses = params.get("status", "any").split(",")
    wanted = (set(ORDER_STATUSES) - {"trash"}) if "any" in statuses else set(statuses)
    include = [int(i) for i in params["include"].split(",")] if params.get("include") else []
    exclude = {int(i) for i in params["exclude"].split(",")} if params.get("exclude") else set()
    fields = {"after": "date_created_gmt", "before": "date_created_gmt",
              "modified_after": "date_modified_gmt", "modified_before": "date_modified_gmt"}

    def inside(order: dict[str, Any]) -> bool:
        return all(order[fields[name]] > params[name] if name.endswith("after")
                   else order[fields[name]] < params[name] for name in BOUNDS if name in params)

    found = [o for o in orders.values() if o["status"] in wanted
             and (not include or o["id"] in include) and o["id"] not in exclude and inside(o)]
    orderby = params.get("orderby", "date")
    keys: dict[str, Any] = {
        "date": lambda o: (o["date_created_gmt"], o["id"]),
        "modified": lambda o: (o["date_modified_gmt"], o["id"]),
        "id": lambda o: o["id"],
        "include": lambda o: include.index(o["id"]) if o["id"] in include else o["id"],
    }
    found.sort(key=keys[orderby], reverse=params.get("order", "desc") == "desc")
    return [o["id"] for o in found]


class Current:
    """One server for many examples: requests go to the sandbox of the running example."""

    def __init__(self) -> None:
        self.sandbox: WooCommerceSandbox | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        assert self.sandbox is not None
        await self.sandbox.app(scope, receive, send)


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[Current, str]]:
    current = Current()
    with serve(current) as url:
        yield current, url


@contextmanager
def client(sandbox: WooCommerceSandbox, served: tuple[Current, str]) -> Iterator[httpx.Client]:
    current, url = served
    current.sandbox = sandbox
    settings_ = sandbox.account_settings(url)
    with httpx.Client(base_url=f"{url}/wp-json/wc/v3", timeout=30,
                      auth=(settings_["consumer_key"], settings_["consumer_secret"])) as http:
        yield http


def check_page(http: httpx.Client, sandbox: WooCommerceSandbox, params: dict[str, Any]) -> None:
    expected = reference(sandbox.orders, params)  # before the request: drift comes after it
    answer = http.get("/orders", params={**params, "dates_are_gmt": "true"})
    assert answer.status_code == 200, answer.text
    per_page, page = params["per_page"], params["page"]
    assert [o["id"] for o in answer.json()] == expected[(page - 1) * per_page:page * per_page]
    assert answer.headers["X-WP-Total"] == str(len(expected))
    assert answer.headers["X-WP-TotalPages"] == str(-(-len(expected) // per_page))


def stamps(sandbox: WooCommerceSandbox) -> list[str]:
    return sorted({o[f] for o in sandbox.orders.values()
                   for f in ("date_created_gmt", "date_modified_gmt")}) or ["2024-05-01T00:00:00"]


@st.composite
def queries(draw: st.DrawFn, times: list[str], ids: list[int]) -> dict[str, Any]:
    params: dict[str, Any] = {
        "orderby": draw(st.sampled_from(["date", "id", "modified", "include"])),
        "order": draw(st.sampled_from(["asc", "desc"])),
        "per_page": draw(st.integers(1, 7)),
    }
    statuses = draw(st.lists(st.sampled_from(["any", *ORDER_STATUSES]), max_size=3))
    if statuses:
        params["status"] = ",".join(statuses)
    for name in draw(st.lists(st.sampled_from(BOUNDS), unique=True, max_size=2)):
        params[name] = draw(st.sampled_from(times))  # existing stamps: the strict edges
    some_ids = st.lists(st.sampled_from([*ids, 1, 99999]), max_size=4)
    if include := draw(some_ids) if draw(st.booleans()) else []:
        params["include"] = ",".join(map(str, include))
    if exclude := draw(some_ids) if draw(st.booleans()) else []:
        params["exclude"] = ",".join(map(str, exclude))
    return params


CHANGES = ("put", "direct status", "direct modified", "update", "plain", "plain edit", "delete",
           "drift", "replace")


def change(kind: str, sandbox: WooCommerceSandbox, http: httpx.Client, pick: int, stamp: str,
           status: str, plains: list[dict[str, Any]]) -> None:
    """One change to the store between two page requests, as a test or the sandbox makes it."""
    orders = sandbox.orders
    if not orders and kind not in ("plain", "drift"):
        kind = "plain"
    key = sorted(orders)[pick % len(orders)] if orders else 0
    if kind == "put":
        assert http.put(f"/orders/{key}", json={"status": status}).status_code == 200
    elif kind == "direct status":
        orders[key]["status"] = status
    elif kind == "direct modified":
        orders[key]["date_modified_gmt"] = stamp
    elif kind == "update":
        orders[key].update({"date_created_gmt": stamp, "status": status})
    elif kind == "plain":  # a dict of the test's own, kept and edited later
        plain = {**sandbox.factory.order(NOW, NOW, status, shape=None),
                 "date_created_gmt": stamp, "date_modified_gmt": stamp}
        orders[plain["id"]] = plain
        plains.append(plain)
    elif kind == "plain edit" and plains:
        plains[pick % len(plains)]["date_modified_gmt"] = stamp
        plains[pick % len(plains)]["status"] = status
    elif kind == "delete":
        del orders[key]
    elif kind == "drift":
        if orders:
            sandbox._drift(key)
    elif kind == "replace":
        orders[key] = {**orders[key], "status": status}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), size=st.integers(0, 30), seed=st.integers(1, 5))
def test_every_page_matches_the_uncached_listing_across_changes(
        served: tuple[Current, str], data: st.DataObject, size: int, seed: int) -> None:
    sandbox = plugin.create_sandbox(SandboxOptions(orders=size, seed=seed, now=NOW))
    pool = [data.draw(queries(stamps(sandbox), sorted(sandbox.orders))) for _ in range(3)]
    plains: list[dict[str, Any]] = []
    with client(sandbox, served) as http:
        for _ in range(data.draw(st.integers(1, 12))):
            query = pool[data.draw(st.integers(0, len(pool) - 1))]
            for page in data.draw(st.lists(st.integers(1, 4), min_size=1, max_size=3)):
                check_page(http, sandbox, {**query, "page": page})
            if data.draw(st.booleans()):
                change(data.draw(st.sampled_from(CHANGES)), sandbox, http,
                       data.draw(st.integers(0, 1000)), data.draw(st.sampled_from(stamps(sandbox))),
                       data.draw(st.sampled_from(ORDER_STATUSES)), plains)


def test_drift_mid_scan_is_seen_on_the_next_page(served: tuple[Current, str]) -> None:
    sandbox = plugin.create_sandbox(SandboxOptions(orders=60, now=NOW, drift_page=1))
    query = {"orderby": "modified", "order": "asc", "per_page": 10}
    with client(sandbox, served) as http:
        check_page(http, sandbox, {**query, "page": 1})
        assert sandbox.drifted
        for page in (1, 2, 6, 7):
            check_page(http, sandbox, {**query, "page": page})


def test_an_unchanged_listing_is_computed_once(served: tuple[Current, str],
                                               monkeypatch: Any) -> None:
    sandbox = plugin.create_sandbox(SandboxOptions(orders=200, now=NOW))
    computed: list[object] = []
    matching = sandbox._matching

    def counted(*args: Any) -> Any:
        computed.append(args)
        return matching(*args)

    monkeypatch.setattr(sandbox, "_matching", counted)
    query = {"orderby": "id", "order": "asc", "per_page": 20,
             "modified_after": stamps(sandbox)[10]}
    with client(sandbox, served) as http:
        for page in (1, 2, 3):
            check_page(http, sandbox, {**query, "page": page})
        assert len(computed) == 1
        sandbox.orders[min(sandbox.orders)]["customer_note"] = "not a listed field"
        check_page(http, sandbox, {**query, "page": 4})
        assert len(computed) == 1
        sandbox.orders[min(sandbox.orders)]["status"] = "cancelled"
        check_page(http, sandbox, {**query, "page": 5})
        assert len(computed) == 2


def test_a_plain_dict_a_test_put_in_is_listed_with_its_later_edits(
        served: tuple[Current, str]) -> None:
    sandbox = plugin.create_sandbox(SandboxOptions(orders=30, now=NOW))
    query: dict[str, Any] = {"orderby": "modified", "order": "desc", "per_page": 5, "page": 1}
    plain = {**sandbox.factory.order(NOW, NOW, "processing"), "date_modified_gmt": "2000-01-01T00:00:00"}
    with client(sandbox, served) as http:
        check_page(http, sandbox, query)
        sandbox.orders[plain["id"]] = plain  # kept as it is: the test edits its own dict
        check_page(http, sandbox, {**query, "order": "asc"})
        assert http.get("/orders", params={**query, "order": "asc"}).json()[0]["id"] == plain["id"]
        plain["date_modified_gmt"] = "2099-01-01T00:00:00"
        check_page(http, sandbox, query)
        check_page(http, sandbox, {**query, "order": "asc"})
        plain["status"] = "trash"
        check_page(http, sandbox, query)
        del sandbox.orders[plain["id"]]
        check_page(http, sandbox, {**query, "status": "trash"})
