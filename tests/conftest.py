"""Shared fixtures: a hub on a temporary data directory (SQLite, or PostgreSQL when
``HUB_TEST_DATABASE_URL`` is set for the tests marked ``postgres``), with the fake platform."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from hub.cli import main
from hub.core.app import HubApp
from hub.core.config import Config
from hub.core.plugins import PluginHost, reset_host
from tests.fakeplatform import FakePlatform, Observer

PG_URL = os.environ.get("HUB_TEST_DATABASE_URL")


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("HUB_DATABASE_URL", "HUB_SECRET_KEY", "HUB_CURRENCY", "HUB_LOAD_PLUGINS",
                 "HUB_DISABLE_PLUGINS", "HUB_TRACE_PLUGINS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HUB_DATA_DIR", str(tmp_path / "data"))


@pytest.fixture
def fake() -> FakePlatform:
    return FakePlatform()


@pytest.fixture
def observer() -> Observer:
    return Observer()


@pytest.fixture
def host(fake: FakePlatform, observer: Observer) -> PluginHost:
    host = PluginHost()
    host._loaded = True  # no entry points: only what the test registers
    host.register(fake, name="fakeshop", distribution="hub-fakeshop", version="1.0")
    host.register(observer, name="observer", distribution="hub-observer", version="1.0")
    return host


def postgres_url() -> str:
    """A fresh schema on the test PostgreSQL server, so tests never see each other's rows."""
    if not PG_URL:
        pytest.skip("HUB_TEST_DATABASE_URL is not set (PostgreSQL tests run in .ci/run when a "
                    "local server answers)")
    import sqlalchemy

    schema = f"t_{uuid.uuid4().hex[:12]}"
    url = PG_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    engine = sqlalchemy.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sqlalchemy.text(f"CREATE SCHEMA {schema}"))
    engine.dispose()
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{schema}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'data' / 'hub.db'}"
    return postgres_url()


@pytest.fixture
def app(host: PluginHost, tmp_path: Path) -> Iterator[HubApp]:
    app = HubApp(Config(data_dir=tmp_path / "data", database_url=f"sqlite:///{tmp_path / 'data' / 'hub.db'}"),
                 host=host)
    yield app
    app.close()


@pytest.fixture
def any_db_app(host: PluginHost, tmp_path: Path, db_url: str) -> Iterator[HubApp]:
    """The same hub on SQLite and on PostgreSQL (when configured)."""
    app = HubApp(Config(data_dir=tmp_path / "data", database_url=db_url), host=host)
    yield app
    app.close()


@pytest.fixture
def account(app: HubApp) -> str:
    app.accounts.add("fakeshop", "main", {"base_url": "https://shop.example.com",
                                          "api_key": "sk_live_topsecret_123"})
    return "main"


class Result:
    """What one in-process ``hub`` command printed, and its exit code."""

    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err

    def json(self) -> Any:
        return json.loads(self.out)


@pytest.fixture
def hub_cli(host: PluginHost, monkeypatch: pytest.MonkeyPatch,
            capsys: pytest.CaptureFixture[str]) -> Iterator[Callable[..., Result]]:
    """Run ``hub ARGS`` in-process on the same data directory as the ``app`` fixture."""
    reset_host(host)

    def invoke(*args: str) -> Result:
        monkeypatch.setattr("sys.argv", ["hub", *args])
        capsys.readouterr()
        try:
            main()
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    yield invoke
    reset_host(None)
