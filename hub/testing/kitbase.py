"""The plumbing every conformance-kit suite shares (see :mod:`hub.testing.kit`).

:class:`KitBase` knows the platform under test, opens a :class:`SandboxHarness`
for it (on the database URL :meth:`KitBase.database_url` gives: SQLite in the
test's temporary directory unless ``HUB_KIT_DATABASE_URL`` names another
server), and skips a test with a written reason when the plugin asks for it or
does not declare the capability the test needs. :func:`kit_test` registers a
test so ``test_no_overrides_DO_NOT_OVERRIDE`` can check nobody replaced it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import pytest

from hub.sandbox import SandboxOptions
from hub.testing.harness import SandboxHarness
from hub.types import Capability, OrderPage, PlatformInfo

KIT_TESTS: list[str] = []
F = TypeVar("F", bound=Callable[..., Any])
DATABASE_ENV = "HUB_KIT_DATABASE_URL"


def kit_test(fn: F) -> F:
    """Register ``fn`` as a kit test (it must not be overridden by a plugin's subclass)."""
    KIT_TESTS.append(fn.__name__)
    return fn


def fresh_database_url(base: str | None, tmp_path: Path) -> str | None:
    """A database of its own for one kit test.

    ``None``: the harness's SQLite file under ``tmp_path``. A ``sqlite`` URL: a
    new file under ``tmp_path``. A PostgreSQL URL: a new schema on that server
    (the URL's ``search_path`` points at it), so tests never see each other's rows.
    """
    if not base:
        return None
    if base.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'kit-hub.db'}"
    import sqlalchemy

    url = base.replace("postgresql://", "postgresql+psycopg://", 1)
    schema = f"kit_{uuid.uuid4().hex[:12]}"
    engine = sqlalchemy.create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(sqlalchemy.text(f"CREATE SCHEMA {schema}"))
    finally:
        engine.dispose()
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"


def check_no_overrides(kit: type, base: type, names: list[str], skips: dict[str, str]) -> None:
    """Every kit test of ``base`` named in ``names`` is still ``base``'s in ``kit``, and each
    skip names one of them with a written reason (the anti-tamper test of each kit)."""
    for name in names:
        mine = getattr(kit, name, None)
        assert mine is not None, f"{name} was removed"
        assert mine is getattr(base, name), (
            f"{name} is overridden; put it in skips = {{{name!r}: 'the reason'}} instead")
    for name, reason in skips.items():
        assert name in names, f"skips names an unknown kit test {name!r}"
        assert isinstance(reason, str) and len(reason.strip()) >= 10, \
            f"skipping {name} needs a written reason"


class KitBase:
    """What every suite needs: the platform, its sandbox options, settings and skips."""

    platform: ClassVar[str] = ""
    sandbox_options: ClassVar[SandboxOptions] = SandboxOptions(orders=30)
    settings: ClassVar[dict[str, str]] = {}
    skips: ClassVar[dict[str, str]] = {}
    max_paging_orders: ClassVar[int] = 1500
    """The most orders the paging tests generate while looking for a listing of several pages."""

    # --- plumbing -----------------------------------------------------------------
    def _options(self, **changes: Any) -> SandboxOptions:
        return replace(self.sandbox_options, **changes)

    def database_url(self, tmp_path: Path) -> str | None:
        """The hub's database for one test: ``HUB_KIT_DATABASE_URL`` when set (a fresh
        schema on PostgreSQL), else SQLite in ``tmp_path``. Override to pin another."""
        return fresh_database_url(os.environ.get(DATABASE_ENV), tmp_path)

    @pytest.fixture
    def harness(self, tmp_path: Path) -> Iterator[SandboxHarness]:
        with self.open_harness(tmp_path) as h:
            yield h

    def open_harness(self, tmp_path: Path, settings: dict[str, str] | None = None,
                     **option_changes: Any) -> SandboxHarness:
        return SandboxHarness(self.platform, tmp_path, self._options(**option_changes),
                              settings={**self.settings, **(settings or {})},
                              database_url=self.database_url(tmp_path))

    def _info(self) -> PlatformInfo:
        from hub.core.plugins import get_host

        return get_host().info(self.platform)  # type: ignore[no-any-return]

    def _check(self, name: str, *capabilities: Capability) -> None:
        if name in self.skips:
            pytest.skip(f"skipped by the plugin: {self.skips[name]}")
        missing = [c for c in capabilities if c not in self._info().capabilities]
        if missing:
            pytest.skip(f"the plugin does not declare {', '.join(map(str, missing))}")

    def all_settings(self, harness: SandboxHarness) -> dict[str, str]:
        return {**harness.sandbox.account_settings(harness.base_url), **self.settings}

    def _pages(self, harness: SandboxHarness, since: datetime,
               until: datetime | None = None) -> list[OrderPage]:
        """Every page ``fetch_orders`` yields for the harness's account."""
        account = harness.app.accounts.open_named(harness.account)

        async def collect() -> list[OrderPage]:
            return [page async for page in harness.app.host.fetch_orders(account, since, until)]

        return harness.run(collect())

    def _fetch(self, harness: SandboxHarness, since: Any) -> list[dict[str, Any]]:
        return [p for page in self._pages(harness, since) for p in page.payloads]
