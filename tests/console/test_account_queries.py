"""The accounts page reads every account's authorization and last run with a fixed number of
statements: 20 accounts cost the same statements as one."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from hub.core.app import HubApp
from hub.core.storage.models import SyncRun
from hub.core.storage.queries import record_authorized
from tests.console.conftest import Web, signed_in


def add_accounts(app: HubApp, first: int, last: int) -> None:
    """Accounts ``shop{first}`` .. ``shop{last}``, each authorized and with two runs."""
    for n in range(first, last + 1):
        row = app.accounts.add("fakeshop", f"shop{n}", {"base_url": f"https://shop{n}.example.com",
                                                        "api_key": f"sk_live_key_{n}"})
        record_authorized(app.db, row.id or 0)
        with app.db.session() as s:
            for flow, status in (("orders", "ok"), ("push", "failed")):
                s.add(SyncRun(account_id=row.id or 0, flow=flow, trigger="scheduled",
                              status=status))


@contextmanager
def statements(app: HubApp) -> Iterator[list[str]]:
    seen: list[str] = []

    def capture(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(app.db.engine, "before_cursor_execute", capture)
    try:
        yield seen
    finally:
        event.remove(app.db.engine, "before_cursor_execute", capture)


def accounts_page(web: Web) -> tuple[str, list[str]]:
    with statements(web.app) as seen:
        page = web.get("/accounts")
    assert page.status_code == 200
    return page.text, seen


def test_the_accounts_page_costs_the_same_statements_for_1_and_20_accounts(
        app: HubApp, people: dict[str, str]) -> None:
    add_accounts(app, 1, 1)
    web = signed_in(app, people["viewer"])
    try:
        accounts_page(web)  # the first page of a session may write its last-seen time
        text_one, one = accounts_page(web)
        add_accounts(app, 2, 20)
        text_twenty, twenty = accounts_page(web)
    finally:
        web.close()
    assert len(twenty) == len(one), "\n".join(twenty)
    assert text_one.count("push failed") == 1 and text_twenty.count("push failed") == 20
    assert text_twenty.count("no: ") == 0  # every account authorized (one statement for all)
    for n in (1, 7, 20):
        assert f'href="/accounts/shop{n}"' in text_twenty
