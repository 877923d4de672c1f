"""Encryption at rest for account secrets and credentials (Fernet, key from ``HUB_SECRET_KEY``).

Where ``HUB_SECRET_KEY`` is not set, a key is generated once into the data
directory (``secret.key``, permissions 0600) with a notice on stderr. Losing the
key means re-entering every credential, so back it up with the database.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

from hub.core.config import ENV_SECRET_KEY, Config
from hub.core.http.redact import register_secret
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
            key = Fernet.generate_key()
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(key)
            print(f"hub: generated a secret key in {path} (set {ENV_SECRET_KEY} to use your own; "
                  "back this file up with the database)", file=sys.stderr)
        return cls(Path(path).read_bytes().strip())

    def encrypt(self, data: dict[str, Any]) -> str:
        return self._fernet.encrypt(json.dumps(data, sort_keys=True).encode()).decode()

    def decrypt(self, token: str | None, *, what: str = "credentials") -> dict[str, Any]:
        if not token:
            return {}
        try:
            data: dict[str, Any] = json.loads(self._fernet.decrypt(token.encode()))
        except InvalidToken:
            raise ConfigError(f"cannot decrypt the stored {what}: the secret key differs from the "
                              f"one they were stored with; restore it or set {ENV_SECRET_KEY}") from None
        for value in data.values():
            if isinstance(value, str):
                register_secret(value)
        return data
