"""Tracking in from the operator's side: ``hub tracking poll``, shipment filters, malformed
codes refused when shipping, old shipments left alone, and the daemon's job within each
carrier's rate limit (counted on the sandboxes)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from hub.core import apikeys
from hub.core.jobs import JOBS
from hub.core.plugins import PluginHost, get_host
from hub.core.storage.columns import now
from hub.core.storage.models import Shipment
from hub.core.sync.tracking_in import poll_tracking
from hub.sandbox import SandboxOptions, TokenBucket
from hub.testing.harness import SandboxHarness
from hub.testing.kit_carriers import shipped_order
from tests.api.conftest import call


@pytest.fixture
def host() -> PluginHost:  # the installed plugins (correios, melhorenvio), not the fake shop
    return get_host()


@pytest.fixture
def post(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """A Correios account ``main`` on its sandbox; the CLI works on the same data directory."""
    with SandboxHarness("correios", tmp_path, SandboxOptions(), flows=("tracking_in",)) as h:
        h.authorize()
        monkeypatch.setenv("HUB_DATA_DIR", str(tmp_path / "hub-data"))
        yield h


def test_tracking_poll_and_the_shipment_filters(post: SandboxHarness, hub_cli: Any) -> None:
    box: Any = post.sandbox
    shipped_order(post.app, box.code("4"), "Correios")
    shipped_order(post.app, box.code("2", 2), "SEDEX")
    shipped_order(post.app, "1Z999AA10123456784", "UPS")
    done = hub_cli("tracking", "poll", "--json")
    assert done.code == 0, done.err
    assert done.json()["main"]["new_events"] == 2 and done.json()["main"]["status"] == "ok"
    text = hub_cli("tracking", "poll", "--account", "main")
    assert text.code == 0 and text.err.startswith("main: tracking_in ") and "(run " in text.err
    delivered = hub_cli("shipments", "list", "--carrier", "correios", "--status", "delivered",
                        "--json").json()
    assert [r["tracking_number"] for r in delivered] == [box.code("4")]
    assert len(hub_cli("shipments", "list", "--carrier", "sedex", "--json").json()) == 1
    key = apikeys.create(post.app, "backoffice")[1]
    ups = call(post.app, "GET", "/api/shipments?carrier=UPS", key=key).json()
    assert [r["carrier"] for r in ups] == ["UPS"]
    assert call(post.app, "GET", "/api/shipments?carrier=DHL", key=key).json() == []
    unknown = hub_cli("tracking", "poll", "--account", "nope")
    assert unknown.code != 0 and "nope" in unknown.err


def test_a_malformed_code_is_refused_when_shipping(post: SandboxHarness, hub_cli: Any) -> None:
    order_id = shipped_order(post.app, "AA000000000BR", "UPS")
    bad = hub_cli("orders", "ship", str(order_id), "--carrier", "correios",
                  "--tracking", "AA123456788BR")
    assert bad.code != 0
    assert "tracking code AA123456788BR: check digit should be 5" in bad.err
    assert "Traceback" not in bad.err
    with post.app.db.session() as s:
        assert s.exec(select(Shipment)).one().tracking_number == "AA000000000BR"  # unchanged
    key = apikeys.create(post.app, "backoffice")[1]
    refused = call(post.app, "POST", f"/api/orders/{order_id}/shipments", key=key,
                   json={"carrier": "SEDEX", "tracking_number": "AA123456788BR"})
    assert 400 <= refused.status_code < 500
    assert "check digit should be 5" in refused.text
    good = hub_cli("orders", "ship", str(order_id), "--carrier", "correios",
                   "--tracking", "AA123456785BR")
    assert good.code == 0, good.err
    other = hub_cli("orders", "ship", str(order_id), "--carrier", "Jadlog",
                    "--tracking", "AA123456788BR")  # not the Correios': not judged
    assert other.code == 0, other.err


def test_shipments_older_than_the_setting_are_not_polled(post: SandboxHarness) -> None:
    box: Any = post.sandbox
    shipped_order(post.app, box.code("2", 1), "Correios")
    old = box.code("2", 2)
    shipped_order(post.app, old, "Correios")
    post.app.accounts.update_settings("main", {"tracking_max_age_days": "10"})
    with post.app.db.session() as s:
        row = s.exec(select(Shipment).where(Shipment.tracking_number == old)).one()
        row.created_at = now() - timedelta(days=11)
        s.add(row)
    run = post.run(poll_tracking(post.app, "main"))
    assert run.error is None and box.codes_asked == 1
    post.app.accounts.update_settings("main", {"tracking_max_age_days": "12"})
    with post.app.db.session() as s:
        for sh in s.exec(select(Shipment)):
            sh.checked_at = None
            s.add(sh)
    post.run(poll_tracking(post.app, "main"))
    assert box.codes_asked == 3  # both, once the setting reaches back far enough


def _daemon_poll(tmp_path: Path, cap: str) -> tuple[int, int]:
    """The daemon's tracking_in job for a Melhor Envio account capped at ``cap`` requests a
    second, against a sandbox throttling at 2 requests in a row and 1 a second: (requests answered,
    requests the throttle refused). The margins absorb a busy machine's jitter: capped at 0.8/s, a
    refusal needs two requests to arrive over a second late; uncapped, the third of three
    back-to-back requests is refused unless the three took over a second."""
    with SandboxHarness("melhorenvio", tmp_path, SandboxOptions(), flows=("tracking_in",),
                        settings={"requests_per_second": cap}) as h:
        box: Any = h.sandbox
        box.throttle = TokenBucket(2, 1)
        for n in range(41):  # three batches of 20
            shipped_order(h.app, box.code("2", n + 1), "Melhor Envio")
        run = h.run(JOBS["tracking_in"].run(h.app, "main", asyncio.Event()))
        assert run.error is None, run.error
        assert run.counts.counts["new_events"] == 41
        return box.tracking_requests, box.throttle.rejected


def test_the_daemons_polling_stays_within_the_carriers_rate_limit(tmp_path: Path) -> None:
    answered, refused = _daemon_poll(tmp_path / "capped", "0.8")
    assert (answered, refused) == (3, 0)
    answered, refused = _daemon_poll(tmp_path / "uncapped", "0")  # the control: no limiter
    assert answered == 3 and refused >= 1
