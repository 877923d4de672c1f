"""Users and roles: the one rule (allows), scrypt hashes with their parameters, sign-in that
refuses unknown, disabled and wrong alike, and ``hub users`` on the command line."""

from __future__ import annotations

import pytest
from sqlmodel import select

from hub.core import users
from hub.core.app import HubApp
from hub.core.principals import (
    Principal,
    Role,
    allows,
    authenticate_key,
    authenticate_user,
    hash_password,
    verify_password,
)
from hub.core.storage.users import HubUser

PASSWORD = "correct horse battery"


def test_viewer_reads_operator_acts_admin_administers() -> None:
    assert [allows(Role.VIEWER, lv) for lv in ("read", "act", "admin")] == [True, False, False]
    assert [allows(Role.OPERATOR, lv) for lv in ("read", "act", "admin")] == [True, True, False]
    assert [allows(Role.ADMIN, lv) for lv in ("read", "act", "admin")] == [True, True, True]


def test_hashes_are_salted_carry_their_parameters_and_verify() -> None:
    one, two = hash_password(PASSWORD), hash_password(PASSWORD)
    assert one != two and one.startswith("scrypt$32768$8$1$")
    assert verify_password(PASSWORD, one) and not verify_password(PASSWORD + "x", one)
    cheap = one.split("$")
    assert not verify_password(PASSWORD, "scrypt$bad") and not verify_password(PASSWORD, "")
    assert not verify_password(PASSWORD, "$".join(["md5", *cheap[1:]]))


def test_sign_in_refuses_wrong_unknown_and_disabled(app: HubApp) -> None:
    users.add_user(app, "alice", "operator", PASSWORD)
    assert authenticate_user(app, "alice", PASSWORD) == Principal("alice", "user", Role.OPERATOR)
    assert authenticate_user(app, "alice", "wrong password!!") is None
    assert authenticate_user(app, "nobody", PASSWORD) is None
    assert authenticate_user(app, "", "") is None and authenticate_user(app, "a" * 500, "x") is None
    with app.db.session() as s:
        stored = s.exec(select(HubUser)).one().password_hash
    assert PASSWORD not in stored
    users.set_password(app, "alice", "another fine passphrase")
    assert authenticate_user(app, "alice", PASSWORD) is None
    assert authenticate_user(app, "alice", "another fine passphrase") is not None
    assert users.disable_user(app, "alice") and not users.disable_user(app, "alice")
    assert authenticate_user(app, "alice", "another fine passphrase") is None


def test_keys_authenticate_with_their_role(app: HubApp) -> None:
    from hub.core import apikeys

    _, key = apikeys.create(app, "ro", "viewer")
    assert authenticate_key(app, key) == Principal("ro", "api_key", Role.VIEWER)
    assert authenticate_key(app, key + "x") is None


def test_cli_adds_lists_disables_and_changes_passwords(hub_cli, app: HubApp,  # type: ignore[no-untyped-def]
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    def stdin(text: str) -> None:
        monkeypatch.setattr("sys.stdin", io.StringIO(text))

    stdin(PASSWORD + "\n")
    assert hub_cli("users", "add", "alice", "--role", "viewer", "--password-stdin").code == 0
    assert authenticate_user(app, "alice", PASSWORD) is not None
    listed = hub_cli("users", "list", "--json")
    assert listed.json()[0]["role"] == "viewer" and PASSWORD not in listed.out
    assert "viewer" in hub_cli("users", "list").out
    for args, text, message in [
            (("users", "add", "bob", "--role", "boss"), "", "unknown role 'boss'"),
            (("users", "add", "bob", "--role", "admin", "--password-stdin"), "\n", "empty"),
            (("users", "add", "bob", "--role", "admin", "--password-stdin"), "short\n", "short"),
            (("users", "add", "bob", "--role", "admin", "--password-stdin"), "bob-bob-bob-bob\n",
             "weak"),
            (("users", "add", "alice", "--role", "admin", "--password-stdin"), PASSWORD + "\n",
             "already exists"),
            (("users", "disable", "nobody"), "", "no user named 'nobody'")]:
        stdin(text)
        result = hub_cli(*args)
        assert result.code != 0 and message in result.err, (args, result.err)
        assert len(result.err.strip().splitlines()) == 1 and "Traceback" not in result.err
    stdin("a new long passphrase\n")
    assert hub_cli("users", "passwd", "alice", "--password-stdin").code == 0
    assert authenticate_user(app, "alice", "a new long passphrase") is not None
    assert hub_cli("users", "disable", "alice").code == 0
    assert hub_cli("users", "list", "--json").json()[0]["disabled"] is True
    assert authenticate_user(app, "alice", "a new long passphrase") is None


def test_cli_api_keys_take_a_role(hub_cli) -> None:  # type: ignore[no-untyped-def]
    assert hub_cli("api-keys", "create", "erp", "--role", "operator").code == 0
    assert hub_cli("api-keys", "create", "old").code == 0
    roles = {k["name"]: k["role"] for k in hub_cli("api-keys", "list", "--json").json()}
    assert roles == {"erp": "operator", "old": "admin"}
    assert "operator" in hub_cli("api-keys", "list").out
    bad = hub_cli("api-keys", "create", "x", "--role", "root")
    assert bad.code != 0 and "unknown role 'root'" in bad.err
