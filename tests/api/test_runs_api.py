"""``/api/runs``: run history with filters, and one run with each record's outcome."""

from __future__ import annotations

from hub.core.app import HubApp
from hub.core.sync.orders import import_payload
from tests.api.conftest import call, import_all
from tests.fakeplatform import FakePlatform, make_order


def test_runs_list_filters_and_detail(app: HubApp, key: str, account: str, fake: FakePlatform) -> None:
    import asyncio

    fake.add(make_order(1), make_order(2))
    import_all(app)
    bad = make_order(3)
    del bad["status"]  # the plugin cannot parse it: quarantined, the run is partial
    asyncio.run(import_payload(app, "main", bad))

    runs = call(app, "GET", "/api/runs", key=key).json()
    assert runs["total"] == 2
    assert [r["status"] for r in runs["items"]] == ["partial", "ok"]  # newest first
    assert runs["items"][1]["counts"]["imported"] == 2
    failed = call(app, "GET", "/api/runs", key=key, params={"failed": "true"}).json()
    assert [r["id"] for r in failed["items"]] == [runs["items"][0]["id"]]
    assert call(app, "GET", "/api/runs", key=key, params={"account": "main", "flow": "stock"}
                ).json()["total"] == 0
    assert call(app, "GET", "/api/runs", key=key, params={"account": "nobody"}).status_code == 404

    detail = call(app, "GET", f"/api/runs/{failed['items'][0]['id']}", key=key).json()
    assert detail["account"] == "main" and detail["flow"] == "orders"
    [item] = detail["items"]
    assert (item["key"], item["outcome"], item["resolved"]) == ("3", "quarantined", False)
    assert "no status" in item["reason"]
    assert "payload" not in item


def test_unknown_run_is_404_and_a_bad_id_422(app: HubApp, key: str) -> None:
    missing = call(app, "GET", "/api/runs/42", key=key)
    assert missing.status_code == 404 and missing.json()["detail"] == "no run with id 42"
    assert call(app, "GET", "/api/runs/x", key=key).status_code == 422
    bad = call(app, "GET", "/api/runs", key=key, params={"failed": "maybe"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", "failed"]
