"""The database handle: engine, sessions, automatic migrations and leases."""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError, OperationalError
from sqlmodel import Session, create_engine

from hub.core.storage.columns import now
from hub.core.storage.models import Lease
from hub.errors import ConfigError

log = logging.getLogger("hub.db")
T = TypeVar("T")

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
HEAD = "0015_customer_document"  # the newest revision in hub/core/migrations/versions


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


PING_AFTER_IDLE = 10.0
"""A pooled PostgreSQL connection idle this long is pinged before use (a restarted server)."""


def _idle_since(_dbapi_connection: Any, record: Any) -> None:
    record.info["idle_since"] = time.monotonic()


def _ping_if_idle(dialect: Any, dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    """``pool_pre_ping``, but only for a connection idle :data:`PING_AFTER_IDLE` seconds.

    Pinging at every checkout cost a worker 8 of its ~30 round trips per job;
    connections in steady use are known good. A dead one is replaced (the pool
    retries the checkout on :class:`DisconnectionError`).
    """
    since = record.info.get("idle_since")
    if since is None or time.monotonic() - since < PING_AFTER_IDLE:
        return
    try:
        alive = dialect.do_ping(dbapi_connection)
    except Exception as exc:
        raise DisconnectionError(f"pooled connection is dead: {type(exc).__name__}") from exc
    if alive is False:
        raise DisconnectionError("pooled connection is dead")


_LZ4_TOAST = ("SELECT set_config('default_toast_compression', 'lz4', false) FROM pg_settings "
              "WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)")


def _lz4_toast(dbapi_connection: Any, _record: Any) -> None:
    """Compress large values (an order's raw payload, ~2.4 kB of JSON) with lz4, not pglz.

    PostgreSQL compresses a value that makes its row outgrow ~2 kB; with pglz that
    was a third of the server's CPU for a page's ``COPY`` of orders (issue 17), lz4
    does it in a third of the time and reads back faster. What is stored and read
    is the same value. Columns without a compression of their own follow this
    setting; a server built without lz4 (or older than 14) keeps its own, unasked.
    """
    with dbapi_connection.cursor() as cursor:
        cursor.execute(_LZ4_TOAST)
    dbapi_connection.commit()


def _private_files(db_path: Path) -> None:
    """Make the SQLite file (and its ``-wal``/``-shm``) readable by the owner only (0600).

    The file is created empty with mode 0600 before SQLite opens it, whatever the
    umask and the folder's mode; SQLite gives the ``-wal`` and ``-shm`` files it
    creates later the database file's mode. Files an older hub created 0644 are
    tightened here too.
    """
    try:
        db_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(db_path, os.O_WRONLY | os.O_CREAT, 0o600)
        os.close(fd)
        for path in (db_path, db_path.with_name(db_path.name + "-wal"),
                     db_path.with_name(db_path.name + "-shm")):
            if path.exists() and path.stat().st_mode & 0o077:
                os.chmod(path, 0o600)
    except OSError as exc:
        raise ConfigError(f"cannot create the database file {db_path}: {exc.strerror}",
                          hint="check that the folder exists and is writable, or set HUB_DATA_DIR") from None


def create_engine_or_explain(url: str, **options: Any) -> Engine:
    """``create_engine``, with a missing database driver reported as what to install."""
    try:
        return create_engine(url, **options)
    except ModuleNotFoundError as exc:
        if url.startswith("postgresql"):
            raise ConfigError("HUB_DATABASE_URL is a PostgreSQL URL but the PostgreSQL driver "
                              f"(psycopg) is not installed ({exc.name} is missing)",
                              hint="install it: pip install 'commerce-hub[postgres]'") from None
        raise


class Database:
    """One engine per process; :meth:`session` opens a unit of work."""

    def __init__(self, url: str) -> None:
        self.url = url
        if url.startswith("sqlite:"):
            path = url.removeprefix("sqlite:///")
            if path and path != ":memory:" and not path.startswith("file:"):
                _private_files(Path(path))
            self.engine: Engine = create_engine(url, connect_args={"timeout": 30})
            event.listen(self.engine, "connect", _sqlite_pragmas)
        else:
            self.engine = create_engine_or_explain(url, pool_size=5, max_overflow=10)
            event.listen(self.engine, "connect", _lz4_toast)
            event.listen(self.engine.pool, "checkin", _idle_since)
            event.listen(self.engine.pool, "checkout", functools.partial(
                _ping_if_idle, self.engine.dialect))
        self._ready = False

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    async def off_loop(self, call: Callable[..., T], *args: Any) -> T:
        """``call(*args)``: on PostgreSQL in a thread, so its commit (a WAL flush, ~4 ms) does
        not stall the other jobs of the event loop (``hub worker --concurrency``); on SQLite
        here. ``call`` opens its own session or connection (the engine's pool gives each
        thread its own connection) and must not touch a session of the loop's."""
        if self.dialect == "postgresql":
            return await asyncio.to_thread(call, *args)
        return call(*args)

    def ensure_schema(self) -> None:
        """Apply migrations when the database is behind (run on first use, cheap when current)."""
        if self._ready:
            return
        try:
            with self.engine.connect() as conn:
                current = self._current_revision(conn)
        except OperationalError as exc:
            raise ConfigError(f"cannot open the database: {exc.orig}; check HUB_DATABASE_URL") from None
        if current != HEAD:
            self.upgrade()
        self._ready = True

    @staticmethod
    def _current_revision(conn: Any) -> str | None:
        if not inspect(conn).has_table("alembic_version"):
            return None
        row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
        return row[0] if row else None

    def upgrade(self, revision: str = "head") -> None:
        from alembic import command
        from alembic.config import Config as AlembicConfig

        cfg = AlembicConfig()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        with self.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
        log.info("database upgraded to %s", revision)

    def revision(self) -> str | None:
        with self.engine.connect() as conn:
            return self._current_revision(conn)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session committed on success and rolled back on error."""
        self.ensure_schema()
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    # --- leases ----------------------------------------------------------------
    def acquire_lease(self, name: str, holder: str, ttl: float) -> bool:
        """Take the lease ``name`` for ``ttl`` seconds unless another holder has a live one."""
        self.ensure_schema()
        at = now()
        expires = at + timedelta(seconds=ttl)
        table = Lease.__table__  # type: ignore[attr-defined]
        with self.engine.begin() as conn:
            insert = self._insert(Lease).values(name=name, holder=holder, expires_at=expires)
            # RETURNING, not rowcount: psycopg reports -1 for this INSERT, so every lease
            # cost a second statement (the UPDATE below) even when the row was new
            if conn.execute(insert.on_conflict_do_nothing().returning(table.c.name)).first():
                return True
            result = conn.execute(
                table.update()
                .where(table.c.name == name)
                .where((table.c.expires_at < at) | (table.c.holder == holder))
                .values(holder=holder, expires_at=expires)
            )
            return result.rowcount == 1

    def take_over_lease(self, name: str, old_holder: str, holder: str, ttl: float) -> bool:
        """Take ``name`` from ``old_holder`` (known dead) unless someone else took it first."""
        table = Lease.__table__  # type: ignore[attr-defined]
        with self.engine.begin() as conn:
            result = conn.execute(table.update().where(table.c.name == name)
                                  .where(table.c.holder == old_holder)
                                  .values(holder=holder, expires_at=now() + timedelta(seconds=ttl)))
            return result.rowcount == 1

    def release_lease(self, name: str, holder: str) -> None:
        table = Lease.__table__  # type: ignore[attr-defined]
        with self.engine.begin() as conn:
            conn.execute(table.delete().where(table.c.name == name).where(table.c.holder == holder))

    def lease_holder(self, name: str) -> tuple[str, datetime] | None:
        table = Lease.__table__  # type: ignore[attr-defined]
        with self.engine.connect() as conn:
            row = conn.execute(table.select().where(table.c.name == name)).first()
        return (row.holder, row.expires_at) if row and row.expires_at > now() else None

    def _insert(self, model: Any) -> Any:
        return dialect_insert(self.dialect, model)

    def dispose(self) -> None:
        self.engine.dispose()


def dialect_insert(dialect: str, table: Any) -> Any:
    """``INSERT`` with the database's own ``ON CONFLICT`` clauses (PostgreSQL or SQLite)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        return postgresql_insert(table)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table)
