"""User mistakes in the environment and the data folder: one line, exit 2, what to fix.

Also the data folder's safety: a lost ``secret.key`` is never silently replaced,
and ``hub.db`` and its ``-wal``/``-shm`` files are private (0600).
"""

from __future__ import annotations

import os
import socket
import stat
import sys
from pathlib import Path

import pytest

from hub.core.config import Config, load_env
from hub.core.secrets import SecretBox
from hub.core.storage.db import Database
from hub.errors import ConfigError

ADD = ("accounts", "add", "fakeshop", "--name", "main", "--set", "base_url=https://shop.example.com",
       "--set", "api_key=sk_live_very_secret_1")


def _one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err and "internal error" not in err
    return lines[0]


def test_lost_secret_key_is_reported_not_replaced(hub_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert hub_cli(*ADD).code == 0
    key = tmp_path / "data" / "secret.key"
    assert key.exists()
    key.unlink()
    result = hub_cli("accounts", "show", "main")
    assert result.code == 2
    line = _one_line(result.err)
    assert "secret key is missing" in line and str(key) in line
    assert "1 in account.secrets_enc" in line and "restore secret.key" in line
    assert not key.exists()  # no new key next to data encrypted with the old one


def test_a_key_is_generated_for_an_empty_database(tmp_path: Path) -> None:
    config = Config(data_dir=tmp_path / "d", database_url=f"sqlite:///{tmp_path / 'd' / 'hub.db'}")
    Database(config.database_url).ensure_schema()  # tables, but nothing encrypted yet
    box = SecretBox.from_config(config)
    assert box.decrypt(box.encrypt({"a": "b"})) == {"a": "b"}
    assert stat.S_IMODE((tmp_path / "d" / "secret.key").stat().st_mode) == 0o600


def test_database_files_are_private_whatever_the_umask(tmp_path: Path) -> None:
    folder = tmp_path / "open"
    folder.mkdir(mode=0o755)
    os.chmod(folder, 0o755)
    old = os.umask(0o002)
    try:
        db = Database(f"sqlite:///{folder / 'hub.db'}")
        db.ensure_schema()
        from sqlalchemy import text

        with db.engine.begin() as conn:  # a write creates -wal and -shm
            conn.execute(text("CREATE TABLE probe (x INTEGER)"))
            conn.execute(text("INSERT INTO probe VALUES (1)"))
            files = {p.name: stat.S_IMODE(p.stat().st_mode) for p in folder.iterdir()}
        db.dispose()
    finally:
        os.umask(old)
    assert {"hub.db", "hub.db-wal", "hub.db-shm"} <= set(files)
    assert all(mode == 0o600 for mode in files.values()), files


def test_an_existing_world_readable_database_is_tightened(tmp_path: Path) -> None:
    path = tmp_path / "hub.db"
    path.touch(mode=0o644)
    os.chmod(path, 0o644)
    Database(f"sqlite:///{path}").dispose()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.mark.parametrize(("value", "expected"), [
    ("abc", "HUB_OAUTH_PORT must be a port number from 0 to 65535 (0: any free port), got 'abc'"),
    ("70000", "HUB_OAUTH_PORT must be a port number from 0 to 65535 (0: any free port), got '70000'"),
])
def test_bad_oauth_port_is_a_one_line_error(hub_cli, monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
                                            value: str, expected: str) -> None:
    monkeypatch.setenv("HUB_OAUTH_PORT", value)
    result = hub_cli("accounts", "authorize", "main")
    assert result.code == 2
    assert _one_line(result.err) == f"hub: error: {expected}; fix or unset HUB_OAUTH_PORT"


def test_bad_environment_is_named_without_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_DATABASE_URL", "mysql://root:pw-in-url@db/hub")
    with pytest.raises(ConfigError) as caught:
        load_env()
    assert str(caught.value) == ("HUB_DATABASE_URL must be a sqlite:/// or postgresql:// URL, got "
                                 "'mysql:...'; fix or unset HUB_DATABASE_URL")
    monkeypatch.delenv("HUB_DATABASE_URL")
    monkeypatch.setenv("HUB_CURRENCY", " eur ")
    assert load_env().currency == "EUR"


def test_data_dir_that_is_a_file_is_a_config_error(hub_cli, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    for data_dir in (blocker, blocker / "below"):
        monkeypatch.setenv("HUB_DATA_DIR", str(data_dir))
        result = hub_cli("accounts", "list")
        assert result.code == 2
        line = _one_line(result.err)
        assert f"cannot use {data_dir} as the data directory (HUB_DATA_DIR)" in line
        assert "set HUB_DATA_DIR to a writable folder" in line


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_unwritable_data_dir_is_a_config_error(hub_cli, tmp_path: Path,  # type: ignore[no-untyped-def]
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    monkeypatch.setenv("HUB_DATA_DIR", str(locked))
    result = hub_cli("accounts", "list")
    assert result.code == 2 and "it is not writable" in _one_line(result.err)


def test_unreachable_data_dir_is_a_config_error(hub_cli, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("HUB_DATA_DIR", "/proc/hub-cannot-live-here")
    result = hub_cli("accounts", "list")
    assert result.code == 2
    assert "cannot use /proc/hub-cannot-live-here as the data directory" in _one_line(result.err)


def test_postgres_url_without_the_driver_says_what_to_install(hub_cli,  # type: ignore[no-untyped-def]
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_DATABASE_URL", "postgresql://hub:pw@127.0.0.1:1/hub")
    monkeypatch.setitem(sys.modules, "psycopg", None)  # as if the [postgres] extra were absent
    result = hub_cli("accounts", "list")
    assert result.code == 2
    line = _one_line(result.err)
    assert "PostgreSQL driver (psycopg) is not installed" in line
    assert "pip install 'commerce-hub[postgres]'" in line and "pw" not in line


def test_busy_oauth_port_is_a_config_error(hub_cli, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    assert hub_cli(*ADD).code == 0
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        monkeypatch.setenv("HUB_OAUTH_PORT", str(port))
        result = hub_cli("accounts", "authorize", "main")
    assert result.code == 2
    line = _one_line(result.err)
    assert f"cannot listen for the OAuth redirect on 127.0.0.1:{port}" in line
    assert "set HUB_OAUTH_PORT (or --port) to a free one" in line
