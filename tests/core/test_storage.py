"""Storage on SQLite and (when HUB_TEST_DATABASE_URL is set) PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import col, select

from hub.core.app import HubApp
from hub.core.storage.db import HEAD, Database
from hub.core.storage.models import Account, Order, SyncRun
from hub.core.sync.orders import import_orders
from tests.fakeplatform import FakePlatform, make_order


def test_schema_is_migrated_on_first_use_and_values_stay_exact_and_aware(db_url: str) -> None:
    db = Database(db_url)
    with db.session() as s:
        s.add(Account(name="a", platform="p"))
        s.flush()
        s.add(Order(account_id=1, platform="p", platform_order_id="1", status="paid",
                    platform_created_at=datetime(2026, 1, 1, 12, tzinfo=UTC),
                    platform_updated_at=datetime(2026, 1, 1, 9, tzinfo=UTC) + timedelta(hours=3),
                    currency="USD", total=Decimal("0.1") + Decimal("0.2"), fingerprint="x"))
    assert db.revision() == HEAD
    with db.session() as s:
        order = s.exec(select(Order)).one()
    assert order.total == Decimal("0.3") and isinstance(order.total, Decimal)
    assert order.platform_created_at == datetime(2026, 1, 1, 12, tzinfo=UTC)
    assert order.platform_created_at.tzinfo is not None
    db.dispose()


def test_naive_datetimes_and_float_money_are_refused(db_url: str) -> None:
    db = Database(db_url)
    with pytest.raises(Exception, match="naive datetime"), db.session() as s:
        s.add(Account(name="a", platform="p", created_at=datetime(2026, 1, 1)))
    with pytest.raises(Exception, match="float"), db.session() as s:
        s.add(Account(name="b", platform="p"))
        s.flush()
        s.add(Order(account_id=1, platform="p", platform_order_id="1", status="x",
                    platform_created_at=datetime.now(UTC), platform_updated_at=datetime.now(UTC),
                    currency="USD", total=0.1, fingerprint="x"))  # type: ignore[arg-type]
    db.dispose()


def test_leases_exclude_a_second_holder_until_released_or_expired(db_url: str) -> None:
    one, two = Database(db_url), Database(db_url)  # two daemons sharing a database
    assert one.acquire_lease("run:orders:1", "daemon-a", ttl=30)
    assert not two.acquire_lease("run:orders:1", "daemon-b", ttl=30)
    assert one.acquire_lease("run:orders:1", "daemon-a", ttl=30)  # renewal by the holder
    one.release_lease("run:orders:1", "daemon-a")
    assert two.acquire_lease("run:orders:1", "daemon-b", ttl=0.01)
    import time

    time.sleep(0.05)
    assert one.acquire_lease("run:orders:1", "daemon-a", ttl=30)  # the expired lease is taken over
    one.dispose()
    two.dispose()


def test_import_pipeline_runs_on_each_database(any_db_app: HubApp, fake: FakePlatform) -> None:
    any_db_app.accounts.add("fakeshop", "main", {"base_url": "https://s.example.com",
                                                 "api_key": "key-123456"})
    fake.add(*(make_order(i) for i in range(1, 6)))
    result = asyncio.run(import_orders(any_db_app, "main"))
    again = asyncio.run(import_orders(any_db_app, "main", full=True))
    assert result.counts.counts["imported"] == 5 and again.counts.counts["unchanged"] == 5
    with any_db_app.db.session() as s:
        assert len(s.exec(select(Order)).all()) == 5
        assert [r.status for r in s.exec(select(SyncRun))] == ["ok", "ok"]


def test_two_processes_never_run_one_account_and_flow_at_once(any_db_app: HubApp,
                                                              fake: FakePlatform) -> None:
    """A second hub (another daemon) on the same database is refused while the first runs."""
    from hub.core.accounts import LeaseBusy
    from hub.core.config import Config

    any_db_app.accounts.add("fakeshop", "main", {"base_url": "https://s.example.com",
                                                 "api_key": "key-123456"})
    other = HubApp(Config(data_dir=any_db_app.config.data_dir,
                          database_url=any_db_app.config.database_url), host=any_db_app.host)
    fake.add(make_order(1))
    started, release = asyncio.Event(), asyncio.Event()

    async def hold() -> None:
        started.set()
        await release.wait()

    fake.before_fetch = hold

    async def scenario() -> None:
        first = asyncio.create_task(import_orders(any_db_app, "main"))
        await started.wait()
        with pytest.raises(LeaseBusy):
            await import_orders(other, "main")
        release.set()
        assert (await first).counts.counts["imported"] == 1

    asyncio.run(scenario())
    other.close()


def test_the_database_holds_no_plaintext_secret(app: HubApp, tmp_path: Path) -> None:
    secret, token = "cs_supersecret_value_42", "APP_USR-token-abcdef-987"
    app.accounts.add("fakeshop", "main", {"base_url": "https://s.example.com", "api_key": secret})
    app.accounts.save_credentials(1, {"access_token": token, "seller_id": "123"})
    with app.db.engine.connect() as conn:
        conn.execute(text("PRAGMA wal_checkpoint(FULL)"))
    raw = b"".join(p.read_bytes() for p in (tmp_path / "data").glob("hub.db*"))
    assert secret.encode() not in raw and token.encode() not in raw
    live = app.accounts.open_named("main")
    assert live.settings["api_key"] == secret and live.credentials["access_token"] == token


def test_a_wrong_secret_key_is_a_clear_error(app: HubApp, monkeypatch: pytest.MonkeyPatch) -> None:
    from cryptography.fernet import Fernet

    from hub.core.secrets import SecretBox
    from hub.errors import ConfigError

    app.accounts.add("fakeshop", "main", {"base_url": "https://s.example.com", "api_key": "k" * 10})
    monkeypatch.setenv("HUB_SECRET_KEY", Fernet.generate_key().decode())
    app.__dict__["box"] = SecretBox.from_config(app.config)
    with pytest.raises(ConfigError, match="secret key differs"):
        app.accounts.open_named("main")


def test_generated_key_file_is_private(app: HubApp, tmp_path: Path) -> None:
    app.accounts.add("fakeshop", "main", {"base_url": "https://s.example.com", "api_key": "k" * 10})
    key = tmp_path / "data" / "secret.key"
    assert key.exists() and key.stat().st_mode & 0o777 == 0o600


def test_bulk_insert_stores_what_the_orm_stores_and_raises_sqlalchemy_errors(db_url: str) -> None:
    """insert_rows (executemany on SQLite, COPY on PostgreSQL): exact money, aware datetimes,
    JSON documents and NULLs read back as the ORM wrote them; a duplicate key is the
    IntegrityError SQLAlchemy raises for a statement, and the transaction is rolled back."""
    from sqlalchemy.exc import IntegrityError

    from hub.core.storage.bulk import insert_rows

    db = Database(db_url)
    at = datetime(2026, 3, 1, 9, 30, 0, 123456, tzinfo=UTC)
    with db.session() as s:
        s.add(Account(name="a", platform="p"))
        s.flush()
        s.add(Order(account_id=1, platform="p", platform_order_id="orm", status="paid",
                    platform_created_at=at, platform_updated_at=at, currency="USD",
                    total=Decimal("10.10"), fingerprint="x",
                    billing_address={"name": "Zoë \\ \"Q\"\tTab", "line1": None},
                    raw={"id": 1, "note": "a\nb", "n": [1.5, None, True]}))
    fields = {"account_id": 1, "platform": "p", "status": "paid", "platform_created_at": at,
              "platform_updated_at": at, "currency": "USD", "total": Decimal("10.10"),
              "fingerprint": "x", "billing_address": {"name": "Zoë \\ \"Q\"\tTab", "line1": None},
              "raw": {"id": 1, "note": "a\nb", "n": [1.5, None, True]}, "subtotal": None}
    with db.session() as s:
        insert_rows(s, Order, [{"platform_order_id": "bulk", **fields}])
    with db.session() as s:
        orm, bulk = (s.exec(select(Order).where(Order.platform_order_id == key)).one()
                     for key in ("orm", "bulk"))
        own = ("id", "platform_order_id", "imported_at", "updated_at")  # keys; defaults of now
        assert {k: v for k, v in bulk.model_dump().items() if k not in own} == \
            {k: v for k, v in orm.model_dump().items() if k not in own}
        raw = s.execute(text("SELECT raw, billing_address, total FROM hub_order ORDER BY id")).all()
    assert str(raw[0]) == str(raw[1])  # the stored JSON text and decimal string, byte for byte
    with pytest.raises(IntegrityError), db.session() as s:
        insert_rows(s, Order, [{"platform_order_id": "new", **fields},
                               {"platform_order_id": "bulk", **fields}])
    with db.session() as s:
        assert s.exec(select(Order.platform_order_id).order_by(col(Order.id))).all() == ["orm", "bulk"]
    db.dispose()


def test_bulk_insert_converts_a_shared_object_once_and_equal_values_each_as_given(
        db_url: str) -> None:
    """Rows sharing one object (a page's timestamp) are stored as rows with copies of it are;
    equal but distinct values keep their own text (1.0 is not stored as 1.00)."""
    from hub.core.storage import bulk

    calls: list[object] = []

    def proc(value: object) -> str:
        calls.append(value)
        return f"<{value}>"

    stamp, other = datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 2, tzinfo=UTC)
    assert bulk._converted([stamp, stamp, None, stamp], proc) == \
        ["<2026-03-01 00:00:00+00:00>"] * 2 + ["<None>", "<2026-03-01 00:00:00+00:00>"]
    assert calls == [stamp, None]  # once per distinct object
    assert bulk._converted([stamp, other], proc) == [f"<{stamp}>", f"<{other}>"]

    db = Database(db_url)
    at = datetime(2026, 3, 1, 9, 30, 0, 123456, tzinfo=UTC)
    with db.session() as s:
        s.add(Account(name="a", platform="p"))
    total = Decimal("10.10")
    with db.session() as s:
        bulk.insert_rows(s, Order, [
            {"account_id": 1, "platform": "p", "platform_order_id": key, "status": "paid",
             "platform_created_at": created, "platform_updated_at": created, "currency": "USD",
             "total": amount, "fingerprint": "x", "imported_at": created, "updated_at": created}
            for key, created, amount in [
                ("shared-1", at, total), ("shared-2", at, total), ("shared-3", at, total),
                ("copy", at.replace(), Decimal("10.10")), ("tens", at, Decimal("10.1")),
                ("utc-3", at.astimezone(timezone(timedelta(hours=-3))), Decimal("10.100"))]])
    with db.session() as s:
        stored = {key: (created, imported, total_text) for key, created, imported, total_text in
                  s.execute(text("SELECT platform_order_id, platform_created_at, imported_at, "
                                 "total FROM hub_order")).all()}
    assert stored["shared-1"] == stored["shared-2"] == stored["shared-3"] == stored["copy"]
    assert stored["tens"][2] == "10.1" and stored["utc-3"][2] == "10.100"
    assert stored["utc-3"][:2] == stored["copy"][:2]  # the same instant, stored in UTC
    db.dispose()


def test_every_migrated_table_is_declared_once_every_table_module_is_loaded(db_url: str) -> None:
    """The table classes load lazily (issue 17); :func:`load_all` must still reach every one
    of them (asked in a fresh interpreter: this one may have loaded them all already), and
    every lazily exported name must lead to its class."""
    import json
    import subprocess
    import sys

    from sqlalchemy import inspect

    from hub.core.storage import models

    declared = json.loads(subprocess.run(
        [sys.executable, "-c", "import json; from sqlmodel import SQLModel; "
         "from hub.core.storage.models import load_all; load_all(); "
         "print(json.dumps({t.name: sorted(str(i.name) for i in t.indexes) "
         "for t in SQLModel.metadata.tables.values()}))"],
        capture_output=True, text=True, check=True).stdout)
    db = Database(db_url)
    db.ensure_schema()
    with db.engine.connect() as conn:
        migrated = {name for name in inspect(conn).get_table_names()  # not the job queue's
                    if name != "alembic_version" and not name.startswith("procrastinate_")}
    db.dispose()
    assert set(declared) == migrated
    assert "uq_customer_unspecified" in declared["customer"]
    for name in models._LAZY:
        assert getattr(models, name).__name__ == name
    with pytest.raises(AttributeError):
        models.NoSuchTable  # noqa: B018


FOREIGN_KEYS = """
import importlib, sys
from sqlmodel import SQLModel
import hub.core.storage.models
if sys.argv[1] != "models":
    importlib.import_module("hub.core.storage." + sys.argv[1])
for table in SQLModel.metadata.tables.values():
    for key in table.foreign_keys:
        key.column  # raises NoReferencedTableError when the table it names is not loaded
"""


def test_each_table_module_loads_the_tables_its_foreign_keys_name() -> None:
    """A flush resolves every foreign key of the tables involved: the tables loaded first
    (models) and each lazily loaded module, alone in a fresh interpreter, must bring the
    tables they refer to (a backfill failed on product.category_id once)."""
    import subprocess
    import sys

    from hub.core.storage import models

    for module in ["models", *sorted({*models._LAZY.values(), *models._OTHER_TABLE_MODULES})]:
        done = subprocess.run([sys.executable, "-c", FOREIGN_KEYS, module], capture_output=True,
                              text=True)
        assert done.returncode == 0, f"{module}: {done.stderr[-400:]}"


def test_an_imported_raw_payload_is_compressed_with_lz4_where_the_server_has_it(
        any_db_app: HubApp, fake: FakePlatform) -> None:
    if any_db_app.db.dialect != "postgresql":
        pytest.skip("PostgreSQL's TOAST compression")
    big = make_order(1)
    big["note"] = " ".join(f"line {i} of a long customer note" for i in range(200))  # > 2 kB
    fake.add(big)
    any_db_app.accounts.add("fakeshop", "main", {"base_url": "https://s.example.com",
                                                 "api_key": "k" * 10})
    asyncio.run(import_orders(any_db_app, "main"))
    with any_db_app.db.engine.connect() as conn:
        lz4 = conn.execute(text("SELECT 'lz4' = ANY(enumvals) FROM pg_settings "
                                "WHERE name = 'default_toast_compression'")).scalar()
        stored, method = conn.execute(text(
            "SELECT raw::text, pg_column_compression(raw) FROM hub_order")).one()
    assert method == ("lz4" if lz4 else "pglz")
    with any_db_app.db.session() as s:
        assert s.exec(select(Order)).one().raw == big  # the same payload comes back
    assert "line 199 of a long customer note" in stored
