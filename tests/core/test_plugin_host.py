"""The plugin host: entry-point discovery, broken plugins, platform claims, dispatch."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

import hub
from hub.core.plugins import PluginHost
from hub.errors import NotFound, PluginError
from tests.fakeplatform import FakePlatform


def _install_dist(root: Path, dist: str, module: str, source: str, entry: str) -> None:
    """Make a real distribution visible to importlib.metadata: a module plus its dist-info."""
    (root / f"{module}.py").write_text(textwrap.dedent(source))
    info = root / f"{dist.replace('-', '_')}-1.2.3.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.2.3\n")
    (info / "entry_points.txt").write_text(f"[hub.plugins]\n{entry} = {module}\n")


GOOD = """
import hub
from hub import PlatformInfo, Capability

@hub.hookimpl
def platform_info():
    return PlatformInfo(name="{name}", display_name="{name}", capabilities=[Capability.ORDERS])

@hub.hookimpl
def parse_order(account, payload):
    return "{name}"
"""


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "site"
    root.mkdir()
    monkeypatch.syspath_prepend(str(root))
    yield root
    for name in list(sys.modules):
        if name.startswith("hubtest_"):
            del sys.modules[name]


def test_plugins_are_discovered_through_real_entry_points(site: Path) -> None:
    _install_dist(site, "hub-alpha", "hubtest_alpha", GOOD.format(name="alpha"), "alpha")
    host = PluginHost().load()
    loaded = host.plugins["alpha"]
    assert (loaded.distribution, loaded.version, loaded.platform) == ("hub-alpha", "1.2.3", "alpha")
    assert "parse_order" in loaded.hooks
    assert host.load() is host and len([p for p in host.plugins if p == "alpha"]) == 1


def test_a_broken_plugin_is_reported_and_the_others_still_load(site: Path) -> None:
    _install_dist(site, "hub-alpha", "hubtest_alpha", GOOD.format(name="alpha"), "alpha")
    _install_dist(site, "hub-broken", "hubtest_broken", "raise RuntimeError('boom at import')",
                  "broken")
    _install_dist(site, "hub-typo", "hubtest_typo", """
import hub
@hub.hookimpl
def fetch_ordres(account):
    return []
""", "typo")
    host = PluginHost().load()
    assert "alpha" in host.plugins
    problems = {p.distribution: p.error for p in host.problems}
    assert "boom at import" in problems["hub-broken"]
    assert "fetch_ordres" in problems["hub-typo"]
    assert "broken" not in host.plugins and "typo" not in host.plugins


def test_two_plugins_claiming_one_platform_is_an_error_naming_both(site: Path) -> None:
    _install_dist(site, "hub-alpha", "hubtest_alpha", GOOD.format(name="alpha"), "alpha")
    _install_dist(site, "hub-alpha-fork", "hubtest_fork", GOOD.format(name="alpha"), "fork")
    host = PluginHost().load()
    [problem] = [p for p in host.problems if "claimed" in p.error]
    assert "hub-alpha" in problem.error and "hub-alpha-fork" in problem.error


def test_load_and_disable_environment_variables(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _install_dist(site, "hub-alpha", "hubtest_alpha", GOOD.format(name="alpha"), "alpha")
    _install_dist(site, "hub-beta", "hubtest_beta", GOOD.format(name="beta"), "beta")
    monkeypatch.setenv("HUB_LOAD_PLUGINS", "beta")
    assert set(PluginHost().load().plugins) == {"beta"}
    monkeypatch.delenv("HUB_LOAD_PLUGINS")
    monkeypatch.setenv("HUB_DISABLE_PLUGINS", "beta")
    host = PluginHost().load()
    assert "alpha" in host.plugins and "beta" not in host.plugins
    monkeypatch.setenv("HUB_LOAD_PLUGINS", "")
    assert PluginHost().load().plugins == {}


def test_trace_prints_hook_calls(site: Path, monkeypatch: pytest.MonkeyPatch,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    _install_dist(site, "hub-alpha", "hubtest_alpha", GOOD.format(name="alpha"), "alpha")
    monkeypatch.setenv("HUB_TRACE_PLUGINS", "1")
    host = PluginHost().load()
    host.parse_order(hub.Account(name="a", platform="alpha"), {"id": 1})
    assert "hook parse_order" in capsys.readouterr().err


def test_trace_never_prints_settings_or_tokens(site: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    _install_dist(site, "hub-alpha", "hubtest_alpha", GOOD.format(name="alpha"), "alpha")
    monkeypatch.setenv("HUB_TRACE_PLUGINS", "1")
    host = PluginHost().load()
    account = hub.Account(name="a", platform="alpha", settings={"api_secret": "trace-setting-77"},
                          credentials={"access_token": "trace-token-77"})
    host.parse_order(account, {"id": 1, "note": "trace-token-77"})
    err = capsys.readouterr().err
    assert "hook parse_order" in err and "Account(name='a'" in err
    assert "trace-setting-77" not in err and "trace-token-77" not in err
    assert "trace-" not in repr(account)


def test_platform_hooks_reach_only_the_accounts_platform() -> None:
    host = PluginHost()
    host._loaded = True
    one, two = FakePlatform("one"), FakePlatform("two")
    calls: list[str] = []
    for plugin in (one, two):
        original = plugin.parse_order

        def spy(account, payload, _name=plugin.name, _orig=original):  # type: ignore[no-untyped-def]
            calls.append(_name)
            return _orig(account, payload)

        plugin.parse_order = hub.hookimpl(spy)  # type: ignore[method-assign]
    host.register(one, name="one")
    host.register(two, name="two")
    from tests.fakeplatform import make_order

    order = host.parse_order(hub.Account(name="x", platform="two"), make_order(1))
    assert order.platform_order_id == "1"
    assert calls == ["two"]


def test_wrappers_see_every_platform_and_missing_hooks_are_named(host: PluginHost) -> None:
    from tests.fakeplatform import make_order

    observer = host.plugins["observer"].module
    host.parse_order(hub.Account(name="x", platform="fakeshop"), make_order(1))
    assert observer.wrapped == ["fakeshop"]  # type: ignore[attr-defined]
    with pytest.raises(PluginError, match="does not implement 'authorize'"):
        host.call("authorize", "fakeshop", account=None, session=None)
    with pytest.raises(NotFound, match="no plugin for platform 'nope'"):
        host.info("nope")


def test_one_implementation_is_called_as_pluggy_would(site: Path) -> None:
    """A platform hook with one implementation and no wrapper is called directly (the import's
    hot path): same arguments by name, same result, the plugin's own exception unchanged."""
    _install_dist(site, "hub-beta", "hubtest_beta", """
import hub
from hub import PlatformInfo, Capability

@hub.hookimpl
def platform_info():
    return PlatformInfo(name="beta", display_name="beta", capabilities=[Capability.ORDERS])

@hub.hookimpl
def parse_order(payload):  # names only the argument it uses
    if payload.get("bad"):
        raise LookupError("bad payload")
    return payload.get("id")
""", "beta")
    host = PluginHost().load()
    account = hub.Account(name="b", platform="beta")
    caller = host._caller("parse_order", "beta")
    assert host.parse_order(account, {"id": 7}) == caller(account=account, payload={"id": 7}) == 7
    assert host.parse_order(account, {}) is None
    with pytest.raises(LookupError, match="bad payload"):
        host.parse_order(account, {"bad": True})
