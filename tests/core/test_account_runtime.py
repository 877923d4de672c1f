"""What plugins read once per account lives in the account's runtime, not in module globals."""

from __future__ import annotations

import asyncio

import httpx
import respx

import hub
from hub.core.app import HubApp
from hub.core.config import Config


def test_memo_is_per_account_runtime() -> None:
    one, two = hub.Account(name="one", platform="p"), hub.Account(name="two", platform="p")
    one.runtime.memo("plugin")["currency"] = "USD"
    assert one.runtime.memo("plugin") == {"currency": "USD"}
    assert two.runtime.memo("plugin") == {}


def test_no_plugin_module_keeps_a_client_keyed_cache_in_shopify_or_woocommerce() -> None:
    import hub_shopify.client
    import hub_woocommerce.client

    for module in (hub_shopify.client, hub_woocommerce.client):
        assert not hasattr(module, "_memo")


# --- the live account of a long-running process (the daemon) ------------------------------

API = "https://api.fakeshop.test"


def _rate(live: hub.Account) -> float:
    """How a plugin sizes its limiter: from the account's core setting, else its default."""
    return live.core.requests_per_second or 2.0


def test_limiter_state_survives_a_settings_change_unless_the_rate_changed(app: HubApp,
                                                                          account: str) -> None:
    live = app.accounts.open_named(account)
    limiter = live.limiter(rate=_rate(live), burst=1.0)
    limiter.pause(600)  # what the daemon learned: the platform answered 429

    app.accounts.update_settings(account, {"api_key": "sk_live_rotated_456"})
    after = app.accounts.open_named(account)
    assert after is not live and after.setting("api_key") == "sk_live_rotated_456"
    assert after.limiter(rate=_rate(after), burst=1.0) is limiter  # still paused for 600 s

    app.accounts.update_settings(account, {"requests_per_second": "8"})
    faster = app.accounts.open_named(account)
    fresh = faster.limiter(rate=_rate(faster), burst=1.0)
    assert fresh is not limiter and fresh.rate == 8.0


@respx.mock
def test_a_live_daemon_uses_the_token_of_an_account_reauthorized_elsewhere(
        app: HubApp, account: str) -> None:
    app.accounts.save_credentials(1, {"access_token": "token-old", "refresh_token": "r-old"})
    sent: list[str] = []
    respx.get(f"{API}/orders").mock(side_effect=lambda r: (
        sent.append(r.headers["authorization"]), httpx.Response(200, json={}))[1])
    cli = HubApp(Config(data_dir=app.config.data_dir, database_url=app.config.database_url),
                 host=app.host)  # `hub accounts authorize main` run while the daemon lives

    async def run() -> hub.Account:  # one scheduled run: the row is read afresh each time
        live = app.accounts.open(app.accounts.row(account))
        client = live.client(API, token_header="Authorization", rate=_rate(live))
        await client.get("/orders")
        return live

    async def daemon() -> tuple[hub.Account, hub.Account, hub.Account]:
        first = await run()
        cli.accounts.save_credentials(1, {"access_token": "token-new", "refresh_token": "r-new"})
        second = await run()
        third = await run()
        await app.accounts.aclose()
        return first, second, third

    try:
        first, second, third = asyncio.run(daemon())
    finally:
        cli.close()
    assert sent == ["Bearer token-old", "Bearer token-new", "Bearer token-new"]
    assert second is not first and third is second  # reopened once, then kept
    assert second.limiter() is first.limiter()  # the rate did not change: its state carried
