"""One typed settings model per account: defaults from the schema, core settings named once."""

from __future__ import annotations

import pytest

import hub
from hub.core.accounts import validate_settings
from hub.settings import BACKFILL_DAYS, CORE_SETTINGS, ORDERS_INTERVAL, schema_for
from hub.types import Capability, PlatformInfo, SettingSpec

INFO = PlatformInfo(name="plat", display_name="Plat", capabilities=[Capability.ORDERS], settings=[
    SettingSpec(name="colour", default="blue", description="a colour"),
    SettingSpec(name="requests_per_second", default="5", description="platform rate"),
    SettingSpec(name="webhook_secret", secret=True, aliases=["hook_secret"], description="secret"),
])


def _account(**settings: str) -> hub.Account:
    return hub.Account(name="a", platform="plat", settings=settings, schema=schema_for(INFO.settings))


def test_declared_defaults_apply_and_core_settings_are_typed() -> None:
    account = _account()
    assert account.setting("colour") == "blue"  # SettingSpec.default is no longer documentation only
    assert account.setting("colour", "red") == "red"  # an explicit default still wins
    core = account.core
    assert (core.backfill_days, core.orders_interval) == (BACKFILL_DAYS, ORDERS_INTERVAL)
    assert core.requests_per_second == 5.0  # the plugin's default for a core setting
    assert _account(requests_per_second="0").core.requests_per_second is None  # 0: no cap
    assert _account(eligible_statuses="paid, ready").core.eligible_statuses == ["paid", "ready"]
    assert {s.name for s in CORE_SETTINGS} >= {"backfill_days", "orders_interval", "concurrency",
                                               "requests_per_second", "webhook_secret"}


def test_old_setting_names_keep_working() -> None:
    stored = _account(hook_secret="old-name-secret-1")  # an account saved before the rename
    assert stored.setting("webhook_secret") == "old-name-secret-1"
    assert stored.setting("hook_secret") == "old-name-secret-1"
    assert stored.core.webhook_secret is not None
    assert stored.core.webhook_secret.get_secret_value() == "old-name-secret-1"
    plain, secret = validate_settings(INFO, {"hook_secret": "given-by-old-name"})
    assert secret == {"webhook_secret": "given-by-old-name"} and plain == {}
    assert INFO.setting("hook_secret") is INFO.setting("webhook_secret")


def test_a_bad_core_value_is_a_config_error() -> None:
    with pytest.raises(hub.ConfigError, match=r"setting 'concurrency' must be a whole number >= 1, got '0'"):
        _ = _account(concurrency="0").core
    with pytest.raises(hub.ConfigError, match="must be a number >= 0"):
        validate_settings(INFO, {"requests_per_second": "fast"})


def test_plugins_share_the_core_names() -> None:
    from hub_mercadolibre.info import INFO as MELI
    from hub_vtex.info import INFO as VTEX

    for info, old in ((VTEX, "hook_secret"), (MELI, "notification_secret")):
        spec = info.setting(old)
        assert spec is not None and spec.name == "webhook_secret" and spec.secret
    meli = hub.Account(name="m", platform="mercadolibre", schema=schema_for(MELI.settings))
    assert meli.core.requests_per_second == 10.0 and meli.core.concurrency == 8
