"""The console's pages: each renders for each role, viewers cannot act, forms need their
CSRF token, secrets never show, signing out ends the session, actions are audited."""

from __future__ import annotations

import logging
import re

import pytest
from sqlmodel import select

from hub.core import apikeys, users
from hub.core.app import HubApp
from hub.core.storage.models import Account, Order, OrderEvent, Shipment
from tests.console.conftest import PASSWORD, SECRET, Web, signed_in

PAGES = ["/", "/accounts", "/accounts/main", "/imports", "/runs", "/runs/{run}", "/orders",
         "/orders/{order}", "/orders?store=main", "/stock", "/shipments", "/tickets", "/webhooks",
         "/runs?failed=1&flow=orders&account=main", "/orders?from=2020-01-01&to=2099-12-31"]
ADMIN_PAGES = ["/admin", "/accounts/new", "/accounts/new?platform=fakeshop"]


def _ids(app: HubApp) -> dict[str, int]:
    from hub.core.storage.models import SyncRun

    with app.db.session() as s:
        return {"order": s.exec(select(Order)).first().id,  # type: ignore[union-attr]
                "run": s.exec(select(SyncRun)).first().id}  # type: ignore[union-attr]


@pytest.mark.parametrize("role", ["viewer", "operator", "admin"])
def test_every_page_renders_for_every_role_without_secrets(app: HubApp, people: dict[str, str],
                                                           orders: list[int], role: str) -> None:
    key = apikeys.create(app, "probe", "viewer")[1]
    ids = _ids(app)
    web = signed_in(app, people[role])
    try:
        for path in PAGES + ADMIN_PAGES:
            response = web.get(path.format(**ids))
            if path in ADMIN_PAGES and role != "admin":
                assert response.status_code == 403, path
                assert "this needs the admin role" in response.text
                continue
            assert response.status_code == 200, (path, response.text[:500])
            for secret in (SECRET, PASSWORD, key):
                assert secret not in response.text, (path, "secret rendered")
            assert response.headers["content-type"].startswith("text/html")
            assert "<h1>" in response.text and 'lang="en"' in response.text
        settings = web.get("/accounts/main").text
        assert re.search(r"api_key</th><td>\*\*\*</td>", settings)
    finally:
        web.close()


def test_not_signed_in_goes_to_the_sign_in_page(app: HubApp, web: Web) -> None:
    response = web.get("/orders?store=main")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Forders%3Fstore%3Dmain"
    assert web.post("/orders/1/deduct", {"csrf": "x"}).status_code == 403


def test_the_session_cookie_is_httponly_samesite_strict_and_signed(app: HubApp,
                                                                    people: dict[str, str],
                                                                    web: Web) -> None:
    page = web.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    response = web.post("/login", {"csrf": token, "username": "operator1", "password": PASSWORD})
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    value = web.client.cookies["hub_console"]
    assert web.get("/accounts").status_code == 200
    web.client.cookies.set("hub_console", value[:-1] + ("0" if value[-1] != "0" else "1"))
    assert web.get("/accounts").status_code == 303  # a tampered signature is no session


def test_wrong_password_unknown_user_and_missing_login_token_are_refused(
        app: HubApp, people: dict[str, str], web: Web) -> None:
    assert web.login("operator1", "wrong-password-123").status_code == 401
    assert web.login("nobody").status_code == 401
    assert web.post("/login", {"username": "operator1", "password": PASSWORD},
                    csrf=False).status_code == 403
    assert "hub_console" not in web.client.cookies


def test_an_api_key_signs_in_with_its_role(app: HubApp, orders: list[int]) -> None:
    key = apikeys.create(app, "desk", "viewer")[1]
    web = Web(app)
    try:
        assert web.login(api_key=key).status_code == 303
        page = web.get("/orders")
        assert "api key <strong>desk</strong> (viewer)" in page.text
        assert web.post(f"/orders/{orders[0]}/deduct").status_code == 403
        apikeys.revoke(app, "desk")
        assert web.get("/orders").status_code == 303  # revoked: the session ends with it
    finally:
        web.close()


def test_sign_out_ends_the_session_on_the_server(app: HubApp, people: dict[str, str]) -> None:
    web = signed_in(app, "operator1")
    try:
        copied = web.client.cookies["hub_console"]
        assert web.post("/logout").status_code == 303
        web.client.cookies.set("hub_console", copied)  # a copy of the cookie kept somewhere
        assert web.get("/accounts").status_code == 303
    finally:
        web.close()


def test_disabling_a_user_ends_their_session(app: HubApp, people: dict[str, str]) -> None:
    web = signed_in(app, "operator1")
    try:
        users.disable_user(app, "operator1")
        assert web.get("/accounts").status_code == 303
    finally:
        web.close()


ACTIONS = ["/orders/{order}/deduct", "/orders/{order}/ship", "/orders/{order}/cancel",
           "/accounts/main/flows", "/accounts/main/disable", "/imports", "/runs/{run}/retry",
           "/runs/retry-failed", "/stock/push"]
ADMIN_ACTIONS = ["/accounts/new", "/accounts/main/connect", "/admin/users", "/admin/keys",
                 "/admin/keys/probe/revoke", "/admin/users/viewer1/disable"]
FORM = {"carrier": "correios", "tracking_number": "BR1", "reason": "buyer asked", "flow": "stock",
        "on": "on", "account": "main", "kind": "stock", "name": "newname", "role": "viewer",
        "password": PASSWORD, "platform": "fakeshop"}


def test_a_viewer_can_act_on_nothing(app: HubApp, people: dict[str, str],
                                     orders: list[int]) -> None:
    apikeys.create(app, "probe", "viewer")
    ids = _ids(app)
    web = signed_in(app, "viewer1")
    try:
        for path in ACTIONS + ADMIN_ACTIONS:
            response = web.post(path.format(**ids), FORM)
            assert response.status_code == 403, path
            assert "this needs the" in response.text
    finally:
        web.close()
    with app.db.session() as s:
        assert s.exec(select(Shipment)).first() is None
        assert all(o.stock_deducted_at is None for o in s.exec(select(Order)))
        assert not s.exec(select(Account)).one().flow_stock


def test_an_operator_cannot_administer(app: HubApp, people: dict[str, str],
                                       orders: list[int]) -> None:
    apikeys.create(app, "probe", "viewer")
    web = signed_in(app, "operator1")
    try:
        for path in ADMIN_ACTIONS:
            assert web.post(path, FORM).status_code == 403, path
    finally:
        web.close()
    assert [k["revoked"] for k in apikeys.list_keys(app)] == [False]


def test_every_form_needs_its_csrf_token(app: HubApp, people: dict[str, str],
                                         orders: list[int]) -> None:
    ids = _ids(app)
    web = signed_in(app, "admin1")
    try:
        for path in ACTIONS + ADMIN_ACTIONS + ["/logout"]:
            assert web.post(path.format(**ids), FORM, csrf=False).status_code == 403, path
            assert web.post(path.format(**ids), {**FORM, "csrf": "forged"}).status_code == 403
        assert web.get("/accounts").status_code == 200  # still signed in: logout was refused
    finally:
        web.close()
    with app.db.session() as s:
        assert s.exec(select(Shipment)).first() is None


def test_operator_ships_deducts_and_cancels_recorded_as_themselves(
        app: HubApp, people: dict[str, str], orders: list[int],
        caplog: pytest.LogCaptureFixture) -> None:
    web = signed_in(app, "operator1")
    first, second = orders[0], orders[1]
    try:
        with caplog.at_level(logging.INFO, logger="hub.audit"):
            answer = web.post(f"/orders/{first}/ship", {
                "carrier": "correios", "tracking_number": "BR123", "invoice_number": "NF-9",
                "invoice_value": "44.00", "invoice_date": "2026-12-01"})
        assert answer.status_code == 303 and "notice=shipment+recorded" in answer.headers["location"]
        assert web.post(f"/orders/{first}/deduct").status_code == 303
        again = web.post(f"/orders/{first}/deduct")
        assert "error=" in again.headers["location"]  # the service's own refusal, shown
        assert web.post(f"/orders/{second}/cancel", {"reason": "buyer asked"}).status_code == 303
        page = web.get(f"/orders/{first}").text
        assert "BR123" in page and "NF-9" in page and "deducted" in page
        carriers = web.get("/shipments?carrier=correios").text
        assert f'href="/orders/{first}"' in carriers and "BR123" in carriers
    finally:
        web.close()
    with app.db.session() as s:
        shipment = s.exec(select(Shipment)).one()
        assert (shipment.carrier, shipment.tracking_number) == ("correios", "BR123")
        assert s.get(Order, first).stock_deducted_at is not None  # type: ignore[union-attr]
        assert s.get(Order, second).state == "cancelled"  # type: ignore[union-attr]
        actors = {e.actor for e in s.exec(select(OrderEvent).where(OrderEvent.actor.is_not(None)))}  # type: ignore[union-attr]
    assert actors == {"user:operator1"}
    assert any("POST /orders/" in r.getMessage() and "user 'operator1' (operator): 303"
               in r.getMessage() for r in caplog.records)


def test_bad_ship_input_is_a_message_not_a_500(app: HubApp, people: dict[str, str],
                                               orders: list[int]) -> None:
    web = signed_in(app, "operator1")
    try:
        for form in ({"carrier": "", "tracking_number": "x"},
                     {"carrier": "c", "tracking_number": "t", "invoice_value": "abc"},
                     {"carrier": "c", "tracking_number": "t", "invoice_value": "-1"},
                     {"carrier": "c", "tracking_number": "t", "invoice_date": "yesterday"}):
            answer = web.post(f"/orders/{orders[0]}/ship", form)
            assert answer.status_code == 303 and "error=" in answer.headers["location"], form
        assert web.post("/orders/999999/ship", {"carrier": "c", "tracking_number": "t"}
                        ).status_code == 303
    finally:
        web.close()
    with app.db.session() as s:
        assert s.exec(select(Shipment)).first() is None


def test_flow_switches_use_the_cli_rules(app: HubApp, people: dict[str, str], account: str,
                                         hub_cli) -> None:  # type: ignore[no-untyped-def]
    web = signed_in(app, "operator1")
    try:
        assert web.post("/accounts/main/flows", {"flow": "stock", "on": "on"}).status_code == 303
        assert app.accounts.row("main").flow_stock
        page = web.get("/accounts/main").text
        assert 'aria-checked="true" aria-label="stock flow"' in page
        refused = web.post("/accounts/main/flows", {"flow": "tracking_in", "on": "on"})
        cli = hub_cli("accounts", "flows", "main", "--tracking-in", "on")
        assert cli.code != 0
        message = cli.err.strip().removeprefix("hub: error: ").split(";")[0]
        assert message and message.replace(" ", "+") in refused.headers["location"]
        web.post("/accounts/main/flows", {"flow": "stock", "on": "off"})
        assert not app.accounts.row("main").flow_stock
    finally:
        web.close()


def test_adding_an_account_validates_like_the_cli(app: HubApp, people: dict[str, str],
                                                  hub_cli) -> None:  # type: ignore[no-untyped-def]
    web = signed_in(app, "admin1")
    try:
        bad = web.post("/accounts/new", {"platform": "fakeshop", "name": "shop2",
                                         "set_base_url": "not-a-url", "set_api_key": "k-123456"})
        assert bad.status_code == 422
        cli = hub_cli("accounts", "add", "fakeshop", "--name", "shop3",
                      "--set", "base_url=not-a-url", "--set", "api_key=k-123456")
        message = cli.err.strip().removeprefix("hub: error: ")
        assert "must be an http(s) URL" in message
        assert message.replace("'", "&#39;") in bad.text
        assert "k-123456" not in bad.text  # a typed secret is not sent back
        missing = web.post("/accounts/new", {"platform": "fakeshop", "name": "shop2",
                                             "set_base_url": "https://shop2.example.com"})
        assert missing.status_code == 422 and "missing FakeShop setting" in missing.text
        good = web.post("/accounts/new", {"platform": "fakeshop", "name": "shop2",
                                          "set_base_url": "https://shop2.example.com",
                                          "set_api_key": "k-123456", "set_mode": "a"})
        assert good.status_code == 303 and good.headers["location"].startswith("/accounts/shop2")
        shown = web.get("/accounts/shop2").text
        assert "k-123456" not in shown and "***" in shown
    finally:
        web.close()
    assert app.accounts.row("shop2").settings == {"base_url": "https://shop2.example.com",
                                                  "mode": "a"}


def test_orders_filter_by_store(app: HubApp, people: dict[str, str], orders: list[int],
                                fake) -> None:  # type: ignore[no-untyped-def]
    from tests.api.conftest import import_all
    from tests.fakeplatform import make_order

    app.accounts.add("fakeshop", "second", {"base_url": "https://b.example.com", "api_key": "kk"})
    fake.orders.clear()
    fake.add(make_order(7))
    import_all(app, "second")
    web = signed_in(app, "viewer1")
    try:
        every = web.get("/orders").text
        only = web.get("/orders?store=second").text
        assert "4 order(s)" in every and "1 order(s)" in only
        assert re.findall(r'class="store">([^<]+)<', only) == ["second"]
        unknown = web.get("/orders?store=nope")
        assert unknown.status_code == 200 and "no account named" in unknown.text
        dated = web.get("/orders?from=2099-01-01").text
        assert "0 order(s)" in dated
    finally:
        web.close()


def test_admin_creates_a_key_shown_once(app: HubApp, people: dict[str, str]) -> None:
    web = signed_in(app, "admin1")
    try:
        answer = web.post("/admin/keys", {"name": "robot", "role": "operator"})
        key = re.search(r'id="new-key">([^<]+)<', answer.text).group(1)  # type: ignore[union-attr]
        assert apikeys.lookup(app, key) == ("robot", "operator")
        assert key not in web.get("/admin").text
    finally:
        web.close()


def test_webhook_subscriptions_show_no_secret_and_admins_switch_them(
        app: HubApp, people: dict[str, str], orders: list[int]) -> None:
    from hub.core import outbound

    sub, secret = outbound.add_subscription(app, "main", "https://erp:hunter2pass@erp.example.com/in")
    web = signed_in(app, "admin1")
    try:
        page = web.get("/webhooks").text
        assert "erp.example.com" in page and "hunter2pass" not in page and secret not in page
        answer = web.post(f"/webhooks/subscriptions/{sub.id}/disable")
        assert "notice=subscription" in answer.headers["location"]
        assert [s["enabled"] for s in outbound.list_subscriptions(app)] == [False]
    finally:
        web.close()
    operator = signed_in(app, "operator1")
    try:
        assert operator.post(f"/webhooks/subscriptions/{sub.id}/enable").status_code == 403
    finally:
        operator.close()


def test_sessions_expire_and_old_ones_are_pruned_at_the_next_sign_in(
        app: HubApp, people: dict[str, str]) -> None:
    from datetime import timedelta

    from hub.core.storage.columns import now
    from hub.core.storage.console import ConsoleSession

    web = signed_in(app, "viewer1")
    try:
        with app.db.session() as s:
            row = s.exec(select(ConsoleSession)).one()
            row.expires_at = now() - timedelta(days=31)
            s.add(row)
        assert web.get("/accounts").status_code == 303  # expired: sign in again
    finally:
        web.close()
    signed_in(app, "viewer1").close()
    with app.db.session() as s:
        assert len(s.exec(select(ConsoleSession)).all()) == 1  # the old row went


def test_repeated_failed_sign_ins_are_throttled_per_name(app: HubApp, people: dict[str, str],
                                                         web: Web) -> None:
    for _ in range(10):
        assert web.login("operator1", "wrong-password-123").status_code == 401
    blocked = web.login("operator1")  # the right password, too late
    assert blocked.status_code == 429 and "too many failed sign-ins" in blocked.text
    assert web.login("viewer1").status_code == 303  # another name is not locked out


def test_tickets_list_and_a_reply_goes_through_the_ticket_service(
        app: HubApp, people: dict[str, str], account: str) -> None:
    from hub.core.storage.columns import now
    from hub.core.storage.tickets import Ticket

    with app.db.session() as s:
        s.add(Ticket(account_id=app.accounts.row("main").id or 0, platform="fakeshop",
                     platform_ticket_id="T-1", kind="question", status="open",
                     buyer_name="Ana <b>", subject="Where is my mug?", platform_created_at=now(),
                     platform_updated_at=now(), fingerprint="f"))
    viewer = signed_in(app, "viewer1")
    try:
        page = viewer.get("/tickets?status=open").text
        assert "Where is my mug?" in page and "Ana &lt;b&gt;" in page and "Send</button>" not in page
        assert "unknown status" in viewer.get("/tickets?status=bogus").text
    finally:
        viewer.close()
    web = signed_in(app, "operator1")
    try:
        assert "Send</button>" in web.get("/tickets").text
        off = web.post("/tickets/1/reply", {"text": "On its way!"})
        assert "the tickets flow is off for account" in off.headers["location"].replace("+", " ")
        app.accounts.set_flags("main", flow_tickets=True)
        answer = web.post("/tickets/1/reply", {"text": "On its way!"})
        assert answer.status_code == 303 and "reply" in answer.headers["location"]
    finally:
        web.close()
    from hub.core.sync.tickets import show_ticket

    replies = show_ticket(app, "1")["replies"]
    assert [(r["text"], r["source"]) for r in replies] == [("On its way!", "console")]
