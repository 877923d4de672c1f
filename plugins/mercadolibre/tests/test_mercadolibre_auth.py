"""Authorization: the PKCE code flow, single-use refresh tokens, concurrent refreshes, expiry."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import respx

import hub
from hub_mercadolibre import plugin


def test_authorize_url_uses_the_site_host_state_and_pkce(meli: Any) -> None:
    session = meli.BrowserSession()

    async def go() -> None:
        with respx.mock(assert_all_called=False) as mock:
            mock.post(f"{meli.API}/oauth/token").respond(
                200, json={"access_token": "APP_USR-x", "refresh_token": "TG-y",
                           "expires_in": 21600, "user_id": meli.SELLER})
            mock.get(f"{meli.API}/users/me").respond(200, json={"id": meli.SELLER,
                                                               "nickname": "TIENDA"})

            async def answer(url: str) -> hub.Callback:
                session.opened.append(url)
                return hub.Callback(params={"code": "TG-code-1"})

            session.wait_for_callback = answer  # type: ignore[method-assign]
            acct = meli.account(meli.settings(site="BR"), {}, refreshing=False)
            creds = await plugin.authorize(acct, session)
            await acct.aclose()
            form = parse_qs(mock.calls[0].request.content.decode())
            assert mock.calls[0].request.headers["content-type"] == \
                "application/x-www-form-urlencoded"
            assert {k: v[0] for k, v in form.items()} == {
                "grant_type": "authorization_code", "code": "TG-code-1",
                "redirect_uri": session.redirect_uri, "code_verifier": session.pkce_verifier,
                "client_id": meli.CLIENT_ID, "client_secret": meli.CLIENT_SECRET}
            assert mock.calls[1].request.headers["authorization"] == "Bearer APP_USR-x"
            assert creds["seller_id"] == str(meli.SELLER) and creds["nickname"] == "TIENDA"

    asyncio.run(go())
    url = urlsplit(session.opened[0])
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert f"{url.scheme}://{url.netloc}{url.path}" == \
        "https://auth.mercadolivre.com.br/authorization"
    assert query == {"response_type": "code", "client_id": meli.CLIENT_ID,
                     "redirect_uri": session.redirect_uri, "state": "state-123",
                     "code_challenge": session.pkce_challenge, "code_challenge_method": "S256"}


def test_authorize_against_the_sandbox_stores_tokens_and_the_seller(meli: Any, served: Any) -> None:
    sandbox, url = served
    acct = meli.account(sandbox.account_settings(url), {}, refreshing=False)
    before = datetime.now(UTC)
    creds = meli.run(plugin.authorize(acct, meli.BrowserSession()))
    assert set(creds) >= {"access_token", "refresh_token", "expires_at", "seller_id", "nickname"}
    assert creds["seller_id"] == str(sandbox.seller_id)
    assert creds["nickname"] == sandbox.seller["nickname"]
    expires = datetime.fromisoformat(creds["expires_at"])
    assert timedelta(hours=5, minutes=59) < expires - before <= timedelta(hours=6, seconds=5)
    assert creds["access_token"] in sandbox.tokens.access


def test_the_sandbox_enforces_pkce(meli: Any, served: Any) -> None:
    sandbox, url = served
    session = meli.BrowserSession()
    real = session.wait_for_callback

    async def tampered(auth_url: str) -> hub.Callback:
        callback = await real(auth_url)
        session.pkce_verifier = "w" * 64  # not the verifier the challenge was made from
        return callback

    session.wait_for_callback = tampered  # type: ignore[method-assign]
    acct = meli.account(sandbox.account_settings(url), {}, refreshing=False)
    with pytest.raises(hub.AuthError, match="invalid_grant"):
        meli.run(plugin.authorize(acct, session))


def test_a_wrong_client_secret_is_an_auth_error_without_the_secret(meli: Any, served: Any) -> None:
    sandbox, url = served
    acct = meli.account({**sandbox.account_settings(url), "client_secret": "nope-wrong-secret"},
                        {}, refreshing=False)
    with pytest.raises(hub.AuthError) as caught:
        meli.run(plugin.authorize(acct, meli.BrowserSession()))
    assert "client_id/client_secret" in str(caught.value)
    assert "nope-wrong-secret" not in str(caught.value)


def test_a_denied_authorization_is_an_auth_error(meli: Any) -> None:
    session = meli.BrowserSession()

    async def denied(url: str) -> hub.Callback:
        return hub.Callback(params={"error": "access_denied"})

    session.wait_for_callback = denied  # type: ignore[method-assign]
    with pytest.raises(hub.AuthError, match="did not authorize"):
        meli.run(plugin.authorize(meli.account(refreshing=False), session))


def test_refresh_tokens_are_single_use(meli: Any, served: Any) -> None:
    sandbox, url = served
    creds = sandbox.credentials()
    acct = meli.account(sandbox.account_settings(url), creds, refreshing=False)

    async def go() -> None:
        first = await plugin.refresh_credentials(acct, creds)
        assert first["refresh_token"] != creds["refresh_token"]
        assert first["access_token"] != creds["access_token"]
        with pytest.raises(hub.AuthError, match="invalid_grant"):
            await plugin.refresh_credentials(acct, creds)  # the spent refresh token
        second = await plugin.refresh_credentials(acct, {**creds, **first})
        assert second["access_token"] not in (first["access_token"], creds["access_token"])
        await acct.aclose()

    meli.run(go())
    assert sandbox.tokens.refreshes == 2 and sandbox.tokens.rejected_refreshes == 1


def _refreshers(meli: Any, sandbox: Any, url: str, store: dict[str, Any],
                lock: Any) -> tuple[list[hub.TokenRefresher], list[hub.Account]]:
    """Two processes' refreshers over one stored credentials dict."""

    async def load() -> dict[str, Any]:
        return dict(store)

    async def save(new: dict[str, Any]) -> None:
        store.clear()
        store.update(new)

    accounts = [meli.account(sandbox.account_settings(url), dict(store), refreshing=False)
                for _ in range(2)]
    refreshers = [hub.TokenRefresher(load=load, save=save, lock=lock,
                                     refresh=lambda c, a=a: plugin.refresh_credentials(a, c))
                  for a in accounts]
    return refreshers, accounts


def test_two_concurrent_refreshes_of_one_account_never_invalidate_it(meli: Any, served: Any) -> None:
    sandbox, url = served
    store = sandbox.credentials()
    spent = store["refresh_token"]

    async def go() -> None:
        shared = asyncio.Lock()  # what the core's database lease is across processes
        refreshers, accounts = _refreshers(meli, sandbox, url, store, lambda: shared)
        stale = store["access_token"]
        a, b = await asyncio.gather(*(r.refresh(stale) for r in refreshers))
        assert a["access_token"] == b["access_token"] == store["access_token"] != stale
        assert store["refresh_token"] != spent
        # the account still works: its stored refresh token is the live one
        again = await plugin.refresh_credentials(accounts[0], dict(store))
        assert again["access_token"]
        for acct in accounts:
            await acct.aclose()

    meli.run(go())
    assert sandbox.tokens.refreshes == 2 and sandbox.tokens.rejected_refreshes == 0


def test_without_the_shared_lock_the_second_refresh_is_refused(meli: Any, served: Any) -> None:
    """The control for the test above: the sandbox really rejects a reused refresh token."""
    sandbox, url = served
    store = sandbox.credentials()

    async def go() -> list[Any]:
        refreshers, accounts = _refreshers(meli, sandbox, url, store, None)
        stale = store["access_token"]
        outcome = await asyncio.gather(*(r.refresh(stale) for r in refreshers),
                                       return_exceptions=True)
        for acct in accounts:
            await acct.aclose()
        return outcome

    outcome = meli.run(go())
    assert sum(isinstance(o, hub.AuthError) for o in outcome) == 1
    assert sandbox.tokens.rejected_refreshes == 1


def test_two_accounts_sharing_one_runtime_refresh_once_after_expiry(meli: Any,
                                                                   served: Any) -> None:
    sandbox, url = served
    creds = sandbox.credentials()
    first = meli.account(sandbox.account_settings(url), creds)
    second = hub.Account(name="main", platform="mercadolibre", settings=first.settings,
                         credentials=creds, runtime=hub.AccountRuntime(
                             refresher=first.runtime.refresher))
    sandbox.advance(6 * 3600 + 5)  # every token issued so far has expired on the sandbox's clock

    async def go() -> None:
        got = await asyncio.gather(plugin.fetch_order(first, "1"), plugin.fetch_order(second, "2"))
        assert got == [None, None]  # answered (404), after one refresh
        await first.aclose()
        await second.aclose()

    meli.run(go())
    assert sandbox.tokens.refreshes == 1 and sandbox.tokens.rejected_refreshes == 0


def test_invalid_grant_on_refresh_raises_auth_error(meli: Any) -> None:
    async def go() -> None:
        with respx.mock() as mock:
            mock.post(f"{meli.API}/oauth/token").respond(400, json={
                "message": "Error validating grant. Your authorization code or refresh token may "
                           "be expired or it was already used", "error": "invalid_grant",
                "status": 400, "cause": []})
            acct = meli.account(refreshing=False)
            with pytest.raises(hub.AuthError) as caught:
                await plugin.refresh_credentials(acct, meli.credentials())
            await acct.aclose()
            assert caught.value.hint == "run: hub accounts authorize main"
            form = parse_qs(mock.calls[0].request.content.decode())
            assert form["grant_type"] == ["refresh_token"]
            assert form["refresh_token"] == ["TG-test-refresh-123456789"]

    asyncio.run(go())


def test_no_refresh_token_stored_is_an_auth_error(meli: Any) -> None:
    acct = meli.account(refreshing=False)
    with pytest.raises(hub.AuthError, match="offline_access"):
        meli.run(plugin.refresh_credentials(acct, {"access_token": "APP_USR-1"}))


def test_requests_carry_the_bearer_token_and_a_401_refreshes_once(meli: Any) -> None:
    async def go() -> None:
        with respx.mock() as mock:
            route = mock.get(f"{meli.API}/orders/77").mock(side_effect=[
                httpx.Response(401, json={"message": "expired_token", "error": "unauthorized",
                                          "status": 401, "cause": []}),
                httpx.Response(200, json=meli.order(77, shipping={"id": None}))])
            mock.post(f"{meli.API}/oauth/token").respond(200, json={
                "access_token": "APP_USR-new", "refresh_token": "TG-new", "expires_in": 21600,
                "user_id": meli.SELLER})
            acct = meli.account()
            found = await plugin.fetch_order(acct, "77")
            await acct.aclose()
            assert found is not None and found["id"] == "77"
            first, second = route.calls
            assert first.request.headers["authorization"] == \
                "Bearer APP_USR-5555-test-access-123456789"
            assert second.request.headers["authorization"] == "Bearer APP_USR-new"
            assert acct.credentials["refresh_token"] == "TG-new"
            assert acct.credentials["seller_id"] == str(meli.SELLER)

    asyncio.run(go())
