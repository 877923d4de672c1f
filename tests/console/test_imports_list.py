"""The imports page lists the console's imports from their runs, so a restarted daemon still
shows who started each one and what it read; scheduled imports are not listed."""

from __future__ import annotations

import re

from hub.core.app import HubApp
from tests.api.conftest import import_all
from tests.console.conftest import signed_in
from tests.fakeplatform import FakePlatform, make_order


def rows(page: str) -> list[str]:
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r"<tr>(.*?)</tr>", body)


def test_console_imports_are_listed_from_their_runs_after_a_restart(
        app: HubApp, people: dict[str, str], account: str, fake: FakePlatform) -> None:
    fake.add(*(make_order(n) for n in range(1, 6)))
    import_all(app)  # a run the console did not start: not listed
    fake.add(make_order(6), make_order(7))
    web = signed_in(app, people["operator"])
    try:
        started = web.post("/imports", {"account": "main", "full": "on"})
        web.get(started.headers["location"] + "/events")  # follows it to the end
        app.accounts.set_flags("main", enabled=False)
        web.post("/imports", {"account": "main"})  # refused before any run: kept in memory
        web.get("/imports/2/events")
        before = rows(web.get("/imports").text)
    finally:
        web.close()
    assert len(before) == 2
    assert "failed" in before[0] and 'href="/imports/2"' in before[0]
    assert 'href="/imports/1"' in before[1] and "user &#39;operator1&#39;" in before[1]
    assert "7 / 7" in before[1] and ">ok<" in before[1]

    restarted = signed_in(app, people["viewer"])  # a new server: nothing kept in memory
    try:
        after = rows(restarted.get("/imports").text)
        assert restarted.get("/imports/1").status_code == 404
    finally:
        restarted.close()
    assert len(after) == 1  # the refused import opened no run; the scheduled one is not listed
    [row] = after
    assert "main" in row and "user &#39;operator1&#39;" in row and "7 / 7" in row
    assert ">ok<" in row and "/imports/" not in row
    run_id = re.search(r'href="/runs/(\d+)"', row)
    assert run_id is not None and int(run_id.group(1)) > 1
