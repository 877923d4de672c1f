"""Users of the hub (``hub users``): add, list, disable, change a password.

Each has a role (see :mod:`hub.core.principals`); the password is checked for length
and variety, then stored only as a salted scrypt hash. A disabled user can no longer
sign in; the row stays, for the record (names are not reused).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlmodel import Session, col, select

from hub.core.principals import check_name, check_password, hash_password, parse_role
from hub.core.storage.columns import now
from hub.core.storage.users import HubUser
from hub.errors import ConfigError, NotFound

if TYPE_CHECKING:
    from hub.core.app import HubApp


def add_user(app: HubApp, name: str, role: str, password: str) -> HubUser:
    """Create user ``name`` with ``role`` and ``password`` (ConfigError when any is refused)."""
    name = check_name(name, "user")
    parsed = parse_role(role)
    check_password(name, password)
    with app.db.session() as s:
        if s.exec(select(HubUser).where(HubUser.name == name)).first():
            raise ConfigError(f"a user named '{name}' already exists",
                              hint="choose another name (see: hub users list)")
        row = HubUser(name=name, role=parsed.value, password_hash=hash_password(password))
        s.add(row)
        s.flush()
        s.refresh(row)
        s.expunge(row)
    return row


def _user(s: Session, name: str) -> HubUser:
    row = s.exec(select(HubUser).where(HubUser.name == name)).first()
    if row is None:
        raise NotFound(f"no user named '{name}'", hint="see: hub users list")
    return row


def list_users(app: HubApp) -> list[dict[str, Any]]:
    """Every user's name, role and dates (never the password or its hash)."""
    with app.db.session() as s:
        return [{"name": u.name, "role": u.role, "created_at": u.created_at,
                 "password_changed_at": u.password_changed_at,
                 "disabled": u.disabled_at is not None, "disabled_at": u.disabled_at}
                for u in s.exec(select(HubUser).order_by(col(HubUser.name)))]


def disable_user(app: HubApp, name: str) -> bool:
    """Disable user ``name``: they cannot sign in from now on. False when already disabled."""
    with app.db.session() as s:
        row = _user(s, name)
        if row.disabled_at is not None:
            return False
        row.disabled_at = now()
        s.add(row)
    return True


def set_password(app: HubApp, name: str, password: str) -> None:
    """Give user ``name`` a new password (checked like a new user's)."""
    with app.db.session() as s:
        row = _user(s, name)
        check_password(row.name, password)
        row.password_hash = hash_password(password)
        row.password_changed_at = now()
        s.add(row)
