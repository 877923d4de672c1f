"""Account settings: the schema plugins declare, defaults applied, core settings named once.

Every account's settings are strings stored per account. This module turns them
into typed values:

* :class:`CoreSettings` names the settings the core owns, whatever the platform
  (backfill, overlap, intervals, matching, statuses, request rate and
  concurrency, the webhook secret), each with its type and default. It is the
  one place those defaults live; :data:`CORE_SETTINGS` is its schema as
  :class:`hub.SettingSpec` rows (what ``hub accounts add`` validates and the
  README documents).
* A plugin may declare a core setting again in ``PlatformInfo.settings`` to give
  it a platform default or description (Mercado Libre's request rate); the type
  stays the core's. A plugin may also list ``aliases`` on a spec: old names that
  keep working for existing accounts (VTEX's ``hook_secret`` is an alias of
  ``webhook_secret``).
* :func:`schema_for` merges both into one schema, and :class:`SettingsView`
  reads an account's values through it: aliases resolved, the schema's default
  when a value is empty.

Plugins read core settings as ``account.core.requests_per_second`` and their own
as ``account.setting("name")`` (the declared default applies).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from hub.errors import ConfigError
from hub.types import SettingSpec

BACKFILL_DAYS = 60
"""Days of orders the first import of an account fetches."""
BACKFILL_SLICE_DAYS = 7
OVERLAP_MINUTES = 10
ORDERS_INTERVAL = 120
"""Seconds between the daemon's scheduled order imports of an account."""
PUSH_INTERVAL = 30
TRACKING_INTERVAL = 3600
"""Seconds between a carrier account's tracking polls (carriers cache answers for long:
Melhor Envio's tracking route for an hour)."""
CATALOGUE_INTERVAL = 300
"""Seconds between the daemon's scheduled product and contact pushes (the products and contacts flows)."""
CATALOGUE_IN_INTERVAL = 900
"""Seconds between the daemon's reads of the products and customers created or changed on a channel."""
TRACKING_MAX_AGE_DAYS = 60
"""Days after a shipment was recorded that its carrier is still asked about it."""


class CoreSettings(BaseModel):
    """The settings every account has, typed, with their defaults."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    backfill_days: int = Field(BACKFILL_DAYS, ge=0, description="days of orders the first import fetches")
    backfill_slice_days: int = Field(BACKFILL_SLICE_DAYS, ge=0, description=(
        "a backfill commits its cursor after each slice of this many days"))
    overlap_minutes: int = Field(OVERLAP_MINUTES, ge=0, description=(
        "each incremental import re-reads this many minutes before the cursor"))
    product_key: Literal["sku", "platform_id", "name"] = Field(
        "sku", description="how order lines are matched to hub products")
    eligible_statuses: list[str] | None = Field(
        None, description="platform statuses that are imported (default: the plugin's)")
    excluded_statuses: list[str] | None = Field(
        None, description="platform statuses never imported (default: the plugin's)")
    orders_interval: int = Field(ORDERS_INTERVAL, ge=0, description="seconds between scheduled order imports")
    push_interval: int = Field(PUSH_INTERVAL, ge=0, description=(
        "seconds between scheduled stock, price and tracking pushes"))
    tracking_interval: int = Field(TRACKING_INTERVAL, ge=0, description=(
        "carrier accounts: seconds between scheduled tracking polls"))
    tracking_max_age_days: int = Field(TRACKING_MAX_AGE_DAYS, ge=1, description=(
        "carrier accounts: shipments recorded more than this many days ago are no longer "
        "polled (a parcel lost for good)"))
    catalogue_interval: int = Field(CATALOGUE_INTERVAL, ge=0, description=(
        "seconds between scheduled product and contact pushes (flows products, contacts)"))
    catalogue_in_interval: int = Field(CATALOGUE_IN_INTERVAL, ge=0, description=(
        "seconds between scheduled reads of the products and customers created or changed "
        "on the channel (flows products_in, contacts_in)"))
    requests_per_second: float | None = Field(None, ge=0, description=(
        "cap on requests per second to the platform for this account (empty or 0: no cap)"))
    concurrency: int = Field(4, ge=1, description="requests in flight at once where a job sends many")
    webhook_secret: SecretStr | None = Field(None, description=(
        "the secret incoming webhooks are verified with"))
    retry_budget_seconds: int = Field(300, ge=0, description=(
        "seconds a request keeps retrying 429s, 5xx and network errors "
        "(honouring Retry-After) before the run fails"))
    zero_unmanaged_stock: bool = Field(False, description=(
        "push 0 for listings whose stock the hub does not manage (off: leave them)"))
    apply_on: list[str] | None = Field(None, description=(
        "platform statuses that mean the sale is final on the shop: an order reaching one "
        "is applied in the hub (its stock deducted); empty: never (deduct by hand)"))

    # ---- connections (a 3PL serving client stores; seed 004) ----
    back_office_currency: str | None = Field(None, description=(
        "the back office's currency for this account's orders, an ISO 4217 code "
        "(empty: the hub's currency)"))
    carrier_account: str | None = Field(None, description=(
        "the carrier account that ships this connection's orders (recorded on each new order)"))
    shipping_rules: str | None = Field(None, description=(
        "the shipping rules applied to this connection's orders (recorded on each new order)"))
    shipment_billing: Literal["hub", "store"] = Field("hub", description=(
        "who is billed for the shipments of this connection's orders: the hub's operator "
        "(the 3PL) or the client store (recorded on each new order)"))
    tickets_handled_by: Literal["hub", "store"] = Field("hub", description=(
        "which side creates and answers support tickets of this connection's orders "
        "(recorded on each new order)"))
    brand_contact: str | None = Field(None, description=(
        "the brand's contact person (name, e-mail, phone)"))
    brand_company: str | None = Field(None, description="the brand's company name")
    store_url: str | None = Field(None, description="the URL of the store the orders come from",
                                  json_schema_extra={"kind": "url"})
    shipping_warehouse: str | None = Field(None, description=(
        "the warehouse the brand ships from (its name or address)"))
    orders_per_month: Literal["0-100", "100-500", "500-2000", "2000-10000", "10000+"] | None = Field(
        None, description="the range of orders the brand ships a month")

    @field_validator("back_office_currency", mode="after")
    @classmethod
    def _iso_currency(cls, value: str | None) -> str | None:
        if value is None:
            return None
        code = value.strip().upper()
        if len(code) != 3 or not code.isalpha():
            raise ValueError("must be a three-letter ISO 4217 code such as EUR")
        return code

    @field_validator("eligible_statuses", "excluded_statuses", "apply_on", mode="before")
    @classmethod
    def _comma_list(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("requests_per_second", mode="after")
    @classmethod
    def _no_cap(cls, value: float | None) -> float | None:
        return value if value else None


_SECRET_FIELDS = {"webhook_secret"}
CORE_SETTING_NAMES = frozenset(CoreSettings.model_fields)


def _choices(annotation: Any) -> list[str] | None:
    """The values of a ``Literal`` annotation (``Literal[...] | None`` too), else None."""
    for arg in (annotation, *get_args(annotation)):
        if get_origin(arg) is Literal:
            return [str(a) for a in get_args(arg)]
    return None


def _kind(annotation: Any) -> Literal["str", "int", "float", "bool", "url", "list"]:
    args = set(get_args(annotation)) - {type(None)} or {annotation}
    if bool in args:
        return "bool"
    if int in args:
        return "int"
    if float in args:
        return "float"
    if any(getattr(a, "__origin__", None) is list for a in args) or list in args:
        return "list"
    return "str"


def _core_specs() -> list[SettingSpec]:
    specs = []
    for name, info in CoreSettings.model_fields.items():
        choices = _choices(info.annotation)
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        default = info.default if info.default is not None else None
        if isinstance(default, bool):
            default = str(default).lower()
        specs.append(SettingSpec(name=name, description=info.description or name,
                                 secret=name in _SECRET_FIELDS, choices=choices,
                                 default=None if default is None else str(default),
                                 kind=extra.get("kind") or _kind(info.annotation)))
    return specs


CORE_SETTINGS: list[SettingSpec] = _core_specs()
"""The core-owned settings as :class:`hub.SettingSpec` rows (one per :class:`CoreSettings` field)."""


def schema_for(plugin_specs: Iterable[SettingSpec]) -> dict[str, SettingSpec]:
    """One account schema: the core's settings, refined by the plugin's, then the plugin's own.

    A plugin spec named like a core setting changes only its default, description
    and aliases: the type and secrecy stay the core's.
    """
    schema = {spec.name: spec for spec in CORE_SETTINGS}
    for spec in plugin_specs:
        core = schema.get(spec.name)
        if core is not None and spec.name in CORE_SETTING_NAMES:
            spec = core.model_copy(update={
                "default": spec.default if spec.default is not None else core.default,
                "description": spec.description or core.description,
                "aliases": [*core.aliases, *spec.aliases]})
        schema[spec.name] = spec
    return schema


def alias_map(schema: Mapping[str, SettingSpec]) -> dict[str, str]:
    """Old name -> current name, for every alias in ``schema``."""
    return {alias: spec.name for spec in schema.values() for alias in spec.aliases}


def canonical_values(schema: Mapping[str, SettingSpec], values: Mapping[str, str]) -> dict[str, str]:
    """``values`` with aliases renamed to their current names (a current name wins over an alias)."""
    aliases = alias_map(schema)
    out: dict[str, str] = {}
    for name, value in values.items():
        current = aliases.get(name, name)
        if current != name and current in values:
            continue
        out[current] = value
    return out


class SettingsView:
    """An account's settings read through its schema: aliases resolved, defaults applied."""

    def __init__(self, schema: Mapping[str, SettingSpec], values: Mapping[str, str],
                 label: str = "account") -> None:
        self.schema = schema
        self.values = canonical_values(schema, values)
        self.aliases = alias_map(schema)
        self.label = label
        self._core: CoreSettings | None = None

    def raw(self, name: str) -> str | None:
        """The stored value of ``name`` (or of the setting it is an alias of); None when empty."""
        value = self.values.get(self.aliases.get(name, name))
        return None if value in (None, "") else value

    def get(self, name: str, default: str | None = None) -> str | None:
        """The value, else ``default``, else the schema's default."""
        value = self.raw(name)
        if value is not None:
            return value
        if default is not None:
            return default
        spec = self.schema.get(self.aliases.get(name, name))
        return spec.default if spec is not None and spec.default not in (None, "") else None

    @property
    def core(self) -> CoreSettings:
        """The core settings, typed, with the schema's defaults (a plugin's default wins)."""
        if self._core is None:
            data: dict[str, Any] = {}
            for name in CORE_SETTING_NAMES:
                value = self.get(name)
                if value is not None:
                    data[name] = value
            try:
                self._core = CoreSettings.model_validate(data)
            except ValidationError as exc:
                error = exc.errors()[0]
                name = str(error["loc"][0]) if error["loc"] else "?"
                shown = "" if name in _SECRET_FIELDS else f", got '{data.get(name)}'"
                raise ConfigError(f"{self.label}: setting '{name}' {_expected(name, error)}{shown}",
                                  hint=f"fix it with: hub accounts set NAME {name}=VALUE") from None
        return self._core


def _expected(name: str, error: Any) -> str:
    kind = _kind(CoreSettings.model_fields[name].annotation) if name in CoreSettings.model_fields else ""
    if kind == "int":
        return "must be a whole number >= " + ("1" if name == "concurrency" else "0")
    if kind == "float":
        return "must be a number >= 0"
    message = str(error.get("msg", "is invalid"))
    if message.startswith("Value error, "):  # a validator's own sentence, kept as written
        return message.removeprefix("Value error, ")
    return message.lower()
