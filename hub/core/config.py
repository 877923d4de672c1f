"""Where the hub keeps its data, and the settings read from ``HUB_`` environment variables.

:class:`HubEnv` reads every ``HUB_`` variable the core knows (names matched
without regard to case, empty values as unset, as pydantic-settings reads them;
a plain pydantic model, because importing pydantic-settings cost every command
a tenth of a second). :func:`load_env` validates them once at start (the CLI calls
it before any command runs), so a bad value is a one-line configuration error
(exit 2) naming the variable and what it takes, never a crash later on.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from datetime import tzinfo
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from hub.errors import ConfigError

ENV_PREFIX = "HUB_"
ENV_DATA_DIR = "HUB_DATA_DIR"
ENV_DATABASE_URL = "HUB_DATABASE_URL"
ENV_SECRET_KEY = "HUB_SECRET_KEY"
ENV_CURRENCY = "HUB_CURRENCY"
DEFAULT_CURRENCY = "USD"
_DATABASE_SCHEMES = ("sqlite:", "postgresql:", "postgresql+psycopg:", "postgres:")


class HubEnv(BaseModel):
    """The hub's ``HUB_`` environment, typed. Unset variables take the defaults shown."""

    model_config = ConfigDict(extra="ignore", frozen=True, validate_default=True)

    def __init__(self, **values: Any) -> None:
        """Values given here win over the environment's."""
        environ = {key.lower(): value for key, value in os.environ.items()}
        found = {name: environ[key] for name in type(self).model_fields
                 if (key := f"{ENV_PREFIX.lower()}{name}") in environ and environ[key] != ""}
        super().__init__(**{**found, **values})

    data_dir: Path | None = None
    """Where the database and the generated key live (default: the user data directory)."""
    database_url: str | None = None
    """``sqlite:///path.db`` or ``postgresql://user@host/db`` (default: SQLite in the data dir)."""
    secret_key: SecretStr | None = None
    """The Fernet key encrypting credentials at rest (default: ``secret.key`` in the data dir)."""
    currency: str | None = None
    """The hub's currency, an ISO 4217 code."""
    oauth_port: Annotated[int, Field(ge=0, le=65535)] = 0
    """The loopback port of ``hub accounts authorize``'s redirect listener (0: a free one)."""
    public_url: str | None = None
    """The daemon's address as platforms and browsers see it."""
    timezone: str | None = None
    """IANA zone in which dates without a time are whole days (default: the system's)."""
    executor: Literal["inprocess", "procrastinate"] = "inprocess"
    """Who runs the daemon's jobs: ``inprocess`` (the daemon itself, the default) or
    ``procrastinate`` (the daemon defers them to ``hub worker`` processes; PostgreSQL only)."""

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        if value:
            try:
                ZoneInfo(value.strip())
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError("must be an IANA time zone") from None
        return value.strip() if value else None

    @field_validator("database_url")
    @classmethod
    def _database_scheme(cls, value: str | None) -> str | None:
        if value and not value.startswith(_DATABASE_SCHEMES):
            raise ValueError("must be a sqlite:/// or postgresql:// URL")
        return value

    @field_validator("currency", mode="before")
    @classmethod
    def _iso_code(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.strip().upper()
            if value and (len(value) != 3 or not value.isalpha()):
                raise ValueError("must be an ISO 4217 code")
            return value or None
        return value


_EXPECTED = {
    "oauth_port": "a port number from 0 to 65535 (0: any free port)",
    "currency": "an ISO 4217 code such as USD",
    "database_url": "a sqlite:/// or postgresql:// URL",
    "timezone": "an IANA time zone such as Europe/Berlin or UTC",
    "executor": "inprocess or procrastinate",
}


def load_env() -> HubEnv:
    """Read and validate the ``HUB_`` environment.

    Parsed once per distinct ``HUB_`` environment (a job reads the hub's currency:
    building the settings every time cost a worker ~6 ms of CPU per job).

    :raises ConfigError: one line naming the first bad variable, what it takes and
        what it got (the value is left out for ``HUB_SECRET_KEY``).
    """
    return _load_env(tuple(sorted((k, v) for k, v in os.environ.items()
                                  if k.upper().startswith(ENV_PREFIX))))


@functools.lru_cache(maxsize=16)
def _load_env(_environment: tuple[tuple[str, str], ...]) -> HubEnv:
    try:
        return HubEnv()
    except ValidationError as exc:
        error = exc.errors()[0]
        field = str(error["loc"][0]) if error["loc"] else "?"
        name = ENV_PREFIX + field.upper()
        raw = os.environ.get(name, "")
        if field == "secret_key":
            shown = ""
        elif field == "database_url":  # the scheme only: the URL may hold a password
            shown = f", got '{raw.split(':', 1)[0]}:...'"
        else:
            shown = f", got '{raw.strip()[:60]}'"
        expected = _EXPECTED.get(field, str(error["msg"]).removeprefix("Value error, "))
        raise ConfigError(f"{name} must be {expected}{shown}",
                          hint=f"fix or unset {name}") from None


def default_data_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("hub", appauthor=False))


@dataclass(frozen=True)
class Config:
    data_dir: Path
    database_url: str
    executor: str = "inprocess"
    """``inprocess`` or ``procrastinate`` (``HUB_EXECUTOR``; see :mod:`hub.core.executor`)."""

    @classmethod
    def from_env(cls, data_dir: Path | str | None = None) -> Config:
        """Read the configuration; ``data_dir`` overrides ``HUB_DATA_DIR`` (used by ``hub demo``)."""
        env = load_env()
        base = Path(data_dir or env.data_dir or default_data_dir()).expanduser()
        url = env.database_url if data_dir is None else None
        if not url:
            url = f"sqlite:///{base / 'hub.db'}"
        if url.startswith("postgres:"):
            url = "postgresql:" + url.removeprefix("postgres:")
        if url.startswith("postgresql:"):
            url = "postgresql+psycopg:" + url.removeprefix("postgresql:")
        if env.executor == "procrastinate" and not url.startswith("postgresql"):
            raise ConfigError("HUB_EXECUTOR=procrastinate needs a PostgreSQL database "
                              "(HUB_DATABASE_URL=postgresql://...)",
                              hint="set HUB_DATABASE_URL or unset HUB_EXECUTOR")
        return cls(data_dir=base, database_url=url, executor=env.executor)

    def ensure_data_dir(self) -> Path:
        """Create the data directory (0700) if needed; a file or an unwritable place is a config error."""
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            raise ConfigError(f"cannot use {self.data_dir} as the data directory ({ENV_DATA_DIR}): "
                              f"{_why(exc)}", hint=f"set {ENV_DATA_DIR} to a writable folder") from None
        if not os.access(self.data_dir, os.W_OK | os.X_OK):
            raise ConfigError(f"cannot use {self.data_dir} as the data directory ({ENV_DATA_DIR}): "
                              "it is not writable", hint=f"set {ENV_DATA_DIR} to a writable folder")
        return self.data_dir


def _why(exc: OSError) -> str:
    if isinstance(exc, FileExistsError | NotADirectoryError):
        return "a file is in the way (it must be a folder)"
    return (exc.strerror or str(exc)).lower()


def env_currency() -> str | None:
    return load_env().currency


ENV_TIMEZONE = "HUB_TIMEZONE"


def hub_timezone() -> tzinfo | None:
    """``HUB_TIMEZONE`` (an IANA name such as Europe/Berlin); None means the system's local zone.

    Dates without a time (promotion windows) are whole days in this zone.
    """
    from zoneinfo import ZoneInfo

    name = load_env().timezone
    return ZoneInfo(name) if name else None
