"""Where the hub keeps its data, and the settings read from ``HUB_`` environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import tzinfo
from pathlib import Path

from hub.errors import ConfigError

ENV_DATA_DIR = "HUB_DATA_DIR"
ENV_DATABASE_URL = "HUB_DATABASE_URL"
ENV_SECRET_KEY = "HUB_SECRET_KEY"
ENV_CURRENCY = "HUB_CURRENCY"
DEFAULT_CURRENCY = "USD"


def default_data_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("hub", appauthor=False))


@dataclass(frozen=True)
class Config:
    data_dir: Path
    database_url: str

    @classmethod
    def from_env(cls, data_dir: Path | str | None = None) -> Config:
        """Read the configuration; ``data_dir`` overrides ``HUB_DATA_DIR`` (used by ``hub demo``)."""
        base = Path(data_dir or os.environ.get(ENV_DATA_DIR) or default_data_dir()).expanduser()
        url = os.environ.get(ENV_DATABASE_URL) if data_dir is None else None
        if not url:
            url = f"sqlite:///{base / 'hub.db'}"
        if not url.startswith(("sqlite:", "postgresql:", "postgresql+psycopg:", "postgres:")):
            raise ConfigError(f"{ENV_DATABASE_URL} must be a sqlite:/// or postgresql:// URL, "
                              f"got '{url.split(':', 1)[0]}:...'")
        if url.startswith("postgres:"):
            url = "postgresql:" + url.removeprefix("postgres:")
        if url.startswith("postgresql:"):
            url = "postgresql+psycopg:" + url.removeprefix("postgresql:")
        return cls(data_dir=base, database_url=url)

    def ensure_data_dir(self) -> Path:
        self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        return self.data_dir


def env_currency() -> str | None:
    value = os.environ.get(ENV_CURRENCY, "").strip().upper()
    if value and (len(value) != 3 or not value.isalpha()):
        raise ConfigError(f"{ENV_CURRENCY} must be an ISO 4217 code such as USD, got '{value}'")
    return value or None


ENV_TIMEZONE = "HUB_TIMEZONE"


def hub_timezone() -> tzinfo | None:
    """``HUB_TIMEZONE`` (an IANA name such as Europe/Berlin); None means the system's local zone.

    Dates without a time (promotion windows) are whole days in this zone.
    """
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    name = os.environ.get(ENV_TIMEZONE, "").strip()
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{ENV_TIMEZONE} must be an IANA time zone such as Europe/Berlin or UTC, "
                          f"got '{name}'") from None
