"""The kit runs on whatever database it is given: SQLite by default, PostgreSQL when asked."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hub.sandbox import SandboxOptions
from hub.testing.kit import PlatformKit, stored_text
from hub.testing.kitbase import DATABASE_ENV, fresh_database_url

PG_URL = os.environ.get("HUB_TEST_DATABASE_URL")


class WooKit(PlatformKit):  # not collected (no Test prefix): used to open the kit's harness
    platform = "woocommerce"
    sandbox_options = SandboxOptions(orders=12, seed=3)


def test_without_a_url_the_harness_uses_sqlite_in_the_test_directory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DATABASE_ENV, raising=False)
    assert fresh_database_url(None, tmp_path) is None
    assert fresh_database_url("sqlite:///elsewhere.db", tmp_path) == f"sqlite:///{tmp_path / 'kit-hub.db'}"
    with WooKit().open_harness(tmp_path) as h:
        assert h.app.db.engine.dialect.name == "sqlite"


@pytest.mark.postgres
def test_the_kit_runs_on_postgresql_and_finds_no_plaintext_secret(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if not PG_URL:
        pytest.skip("HUB_TEST_DATABASE_URL is not set")
    monkeypatch.setenv(DATABASE_ENV, PG_URL)
    kit = WooKit()
    with kit.open_harness(tmp_path) as h:
        assert h.app.db.engine.dialect.name == "postgresql"
        assert h.import_orders().error is None
        stored = stored_text(h)
        assert h.sandbox.eligible_order_ids() <= h.order_ids()
        secret = kit.all_settings(h)["consumer_secret"]
        assert secret not in stored and "woocommerce" in stored
    assert not list(tmp_path.rglob("*.db")), "the kit wrote a SQLite file while on PostgreSQL"
