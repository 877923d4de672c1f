"""Garbage into every console form and page: never a 500 (as the API is fuzzed)."""

from __future__ import annotations

import random
import re
from urllib.parse import quote

import pytest
from fastapi.routing import APIRoute

from hub.core.app import HubApp
from hub.core.console import ops, pages
from hub.core.console import orders as order_pages
from tests.console.conftest import Web, signed_in

FIELDS = ["csrf", "account", "flow", "on", "kind", "dry_run", "full", "carrier",
          "tracking_number", "tracking_url", "invoice_number", "invoice_key", "invoice_date",
          "invoice_value", "force", "reason", "name", "role", "password", "platform",
          "set_base_url", "set_api_key", "set_mode", "text", "username", "api_key", "next",
          "status", "store", "from", "to", "page", "failed", "sku", "overdue"]


def garbage(rng: random.Random) -> str:
    return rng.choice([
        "", " ", "main", "on", "off", "stock", "tracking_in", "-1", "0", "1e999", "NaN",
        "9" * 40, "2026-02-30", "2026-12-01", "x" * 5000, "\x00", "'; DROP TABLE hub_order;--",
        "<script>alert(1)</script>", "ção ✓ 🚀", "../../etc/passwd", "//evil.example", "%ZZ",
        "admin", "viewer", "fakeshop", "https://shop.example.com", "12.5", "a" * 101,
        "".join(chr(rng.randrange(1, 0x2FFF)) for _ in range(rng.randrange(1, 30)))])


def paths(route: APIRoute, rng: random.Random, order_id: int) -> str:
    def value(match: re.Match[str]) -> str:
        if match.group(2) == "int":
            return str(rng.choice([order_id, 1, 999999, 2 ** 31 - 1]))
        return quote(rng.choice(["main", "ghost", "probe", "viewer1", "x" * 150, "ção",
                                 "enable", "disable"]), safe="")
    return re.sub(r"\{(\w+)(?::(\w+))?\}", value, route.path)


@pytest.mark.parametrize(("who", "tries"), [("admin1", 12), ("viewer1", 4), (None, 4)])
def test_no_form_or_page_answers_500(app: HubApp, people: dict[str, str], orders: list[int],
                                     who: str | None, tries: int) -> None:
    from hub.core import apikeys

    apikeys.create(app, "probe", "viewer")
    rng = random.Random(24)
    routes = [r for router in (pages.router, order_pages.router, ops.router) for r in router.routes
              if isinstance(r, APIRoute) and r.path not in ("/logout", "/imports/{import_id:int}/events")]
    web = signed_in(app, who) if who else Web(app)
    seen = 0
    try:
        for route in routes:
            for _ in range(tries):
                method = "POST" if "POST" in route.methods else "GET"
                path = paths(route, rng, orders[0])
                form = {rng.choice(FIELDS): garbage(rng) for _ in range(rng.randrange(0, 8))}
                if method == "POST":
                    if rng.random() < 0.8:
                        form["csrf"] = web.csrf
                    answer = web.post(path, form, csrf=False)
                else:
                    answer = web.get(path, params=form)
                seen += 1
                assert answer.status_code < 500, (method, path, form, answer.text[:300])
                if who != "admin1" and method == "POST" and path != "/login":
                    assert answer.status_code == 403, (who, path)  # never acted
                if answer.status_code == 303:
                    location = answer.headers["location"]
                    assert location.startswith("/") and not location.startswith("//"), location
        if who is None:
            return
        raw = web.request("POST", "/orders/1/ship", content=b"\xff\xfe=%%%&&==",
                          headers={"content-type": "application/x-www-form-urlencoded"})
        assert raw.status_code == 403  # unreadable: no CSRF token in it
        big = web.request("POST", "/orders/1/ship", content=b"a=" + b"x" * 100_000,
                          headers={"content-type": "application/x-www-form-urlencoded"})
        assert big.status_code == 403
    finally:
        web.close()
    assert seen >= len(routes) * tries
