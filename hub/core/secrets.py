"""Encryption at rest for account secrets and credentials (Fernet, key from ``HUB_SECRET_KEY``).

Where ``HUB_SECRET_KEY`` is not set, a key is generated once into the data
directory (``secret.key``, permissions 0600) with a notice on stderr. Losing the
key means re-entering every credential, so back it up with the database. A key
is never generated next to a database that already holds encrypted values: that
is a lost key, reported as a configuration error (exit 2) naming the file to restore.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

from hub.core.config import ENV_SECRET_KEY, Config
from hub.core.http.redact import register_secret, replace_secrets
from hub.errors import ConfigError

KEY_FILE = "secret.key"


class SecretBox:
    """Encrypts and decrypts small JSON objects; decrypted string values are registered for redaction."""

    def __init__(self, key: bytes) -> None:
        try:
            self._fernet = Fernet(key)
        except (ValueError, TypeError):
            raise ConfigError(
                f"{ENV_SECRET_KEY} is not a valid key; generate one with: "
                "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
            ) from None

    @classmethod
    def from_config(cls, config: Config) -> SecretBox:
        env = os.environ.get(ENV_SECRET_KEY, "").strip()
        if env:
            return cls(env.encode())
        path = config.ensure_data_dir() / KEY_FILE
        if not path.exists():
            holders = encrypted_data(config.database_url)
            if holders:
                raise ConfigError(
                    f"the secret key is missing: {path} does not exist and {ENV_SECRET_KEY} is not "
                    f"set, but the database holds values encrypted with it ({', '.join(holders)})",
                    hint=f"restore {KEY_FILE} from your backup into {path.parent} (or set "
                         f"{ENV_SECRET_KEY} to it); if it is lost for good, move the database aside "
                         "and add the accounts again to re-enter their credentials")
            key = Fernet.generate_key()
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "wb") as fh:
                    fh.write(key)
            except OSError as exc:
                raise ConfigError(f"cannot write the secret key {path}: {exc.strerror}",
                                  hint=f"make {path.parent} writable, or set {ENV_SECRET_KEY}") from None
            print(f"hub: generated a secret key in {path} (set {ENV_SECRET_KEY} to use your own; "
                  "back this file up with the database)", file=sys.stderr)
        return cls(Path(path).read_bytes().strip())

    def encrypt(self, data: dict[str, Any]) -> str:
        return self._fernet.encrypt(json.dumps(data, sort_keys=True).encode()).decode()

    def decrypt(self, token: str | None, *, what: str = "credentials",
                owner: str | None = None) -> dict[str, Any]:
        """Decrypt ``token``; its string values are masked in redacted text from now on.

        :param owner: register the values as this owner's whole set (replacing what it
            held, e.g. an account's previous tokens); without it they are loose values.
        """
        if not token:
            if owner is not None:
                replace_secrets(owner, ())
            return {}
        try:
            data: dict[str, Any] = json.loads(self._fernet.decrypt(token.encode()))
        except InvalidToken:
            raise ConfigError(f"cannot decrypt the stored {what}: the secret key differs from the "
                              f"one they were stored with; restore it or set {ENV_SECRET_KEY}") from None
        if owner is not None:
            replace_secrets(owner, data.values())
            return data
        for value in data.values():
            if isinstance(value, str):
                register_secret(value)
        return data


def encrypted_data(database_url: str) -> list[str]:
    """Where the database at ``database_url`` holds encrypted values (``table.column``, with a count).

    Looks at every ``*_enc`` column, so it needs no list of what is encrypted. An
    SQLite file that does not exist yet holds nothing (and is not created here).
    """
    from sqlalchemy import inspect, text
    from sqlalchemy.exc import SQLAlchemyError

    from hub.core.storage.db import create_engine_or_explain

    if database_url.startswith("sqlite:"):
        path = database_url.removeprefix("sqlite:///")
        if not path or path == ":memory:" or not Path(path).exists():
            return []
    engine = create_engine_or_explain(database_url)
    found: list[str] = []
    try:
        with engine.connect() as conn:
            inspector = inspect(conn)
            for table in inspector.get_table_names():
                for column in inspector.get_columns(table):
                    name = str(column["name"])
                    if not name.endswith("_enc"):
                        continue
                    count = conn.execute(text(
                        f'SELECT COUNT(*) FROM "{table}" WHERE "{name}" IS NOT NULL')).scalar()
                    if count:
                        found.append(f"{count} in {table}.{name}")
    except SQLAlchemyError as exc:
        raise ConfigError(f"cannot open the database to check for encrypted data: "
                          f"{getattr(exc, 'orig', exc)}; check HUB_DATABASE_URL") from None
    finally:
        engine.dispose()
    return found
