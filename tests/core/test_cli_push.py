"""``hub stock``/``hub prices``: push summaries, dry runs, negatives and bad input as one-line errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.fakeplatform import FakePlatform, make_order


def _setup(hub_cli: Any, fake: FakePlatform) -> None:
    fake.add(make_order(1))
    assert hub_cli("orders", "import", "--account", "main").code == 0
    assert hub_cli("warehouses", "add", "main").code == 0
    assert hub_cli("accounts", "flows", "main", "--stock", "on", "--price", "on").code == 0


def test_push_summary_says_pushed_failed_not_managed(hub_cli: Any, fake: FakePlatform, account: str) -> None:
    _setup(hub_cli, fake)
    empty = hub_cli("prices", "push", "--json")
    assert empty.code == 0 and "imported" not in empty.out
    counts = empty.json()["main"]
    assert (counts["pushed"], counts["failed"], counts["not_managed"]) == (0, 0, 2)
    hub_cli("stock", "set", "SKU-1", "4", "--warehouse", "main")
    done = hub_cli("stock", "push")
    assert done.code == 0
    assert "main: stock pushed 1, failed 0, not managed 1, unchanged 0" in done.err
    assert "SKU-2-RED" in done.err and "imported" not in done.err
    assert [{u.sku: u.quantity for u in c} for c in fake.stock_calls] == [{"SKU-1": 4}]


def test_dry_run_prints_old_and_new_and_sends_nothing(hub_cli: Any, fake: FakePlatform, account: str) -> None:
    _setup(hub_cli, fake)
    hub_cli("stock", "set", "SKU-1", "4", "--warehouse", "main")
    hub_cli("stock", "push")
    hub_cli("stock", "set", "SKU-1", "9", "--warehouse", "main")
    hub_cli("stock", "manage", "SKU-2-RED")
    hub_cli("prices", "set", "SKU-1", "19.90")
    dry = hub_cli("stock", "push", "--dry-run")
    assert dry.code == 0 and "nothing sent" in dry.err
    rows = {line.split()[0]: line.split()[1:] for line in dry.out.splitlines()[1:] if line.strip()}
    assert rows["SKU-1"][:3] == ["4", "->", "9"] and rows["SKU-2-RED"][:3] == ["unknown", "->", "0"]
    data = hub_cli("prices", "push", "--dry-run", "--json").json()["main"]
    assert data["would_push"][0]["sku"] == "SKU-1" and data["would_push"][0]["old"] == "unknown"
    assert data["counts"] == {"would_push": 1, "not_managed": 1, "unchanged": 0}
    assert len(fake.stock_calls) == 1 and fake.price_calls == []  # the dry runs sent nothing


def test_negative_numbers_get_what_is_allowed(hub_cli: Any, fake: FakePlatform, account: str) -> None:
    _setup(hub_cli, fake)
    neg = hub_cli("stock", "set", "SKU-1", "-5", "--warehouse", "main")
    assert neg.code == 2 and "No such option" not in neg.err
    assert "level on hand: a whole number 0 or more, got '-5'" in neg.err
    assert len(neg.err.strip().splitlines()) == 1
    typo = hub_cli("stock", "set", "SKU-1", "5", "--warehose", "main")
    assert typo.code == 2 and "No such option '--warehose'" in typo.err
    for value, says in (("NaN", "a number such as 19.90"), ("inf", "a number such as 19.90"),
                        ("-1", "0 or more"), ("abc", "a number such as 19.90")):
        bad = hub_cli("prices", "set", "SKU-1", value)
        assert bad.code == 2 and says in bad.err and "internal error" not in bad.err, value
        assert len(bad.err.strip().splitlines()) == 1


def test_a_binary_csv_names_the_line(hub_cli: Any, fake: FakePlatform, account: str, tmp_path: Path) -> None:
    _setup(hub_cli, fake)
    binary = tmp_path / "levels.csv"
    binary.write_bytes(b"sku,warehouse,quantity\nSKU-1,main,3\n\xff\xfe\x00\x01,main,1\n")
    bad = hub_cli("stock", "import", str(binary))
    assert bad.code == 2 and "line 3 is not UTF-8 text" in bad.err and "internal" not in bad.err
    nul = tmp_path / "nul.csv"
    nul.write_bytes(b"sku,warehouse,quantity\nSKU-1,main,3\x00\n")
    assert "line 2 holds a NUL byte" in hub_cli("stock", "import", str(nul)).err


def test_promotion_dates_are_whole_days_in_hub_timezone(hub_cli: Any, fake: FakePlatform, account: str,
                                                        monkeypatch: Any) -> None:
    _setup(hub_cli, fake)
    monkeypatch.setenv("HUB_TIMEZONE", "America/New_York")
    assert hub_cli("prices", "set", "SKU-1", "20", "--promo", "15", "--from", "2030-12-01",
                   "--to", "2030-12-31").code == 0
    assert hub_cli("prices", "push").code == 0
    sent = fake.price_calls[0][0]
    assert sent.promo_from is not None and sent.promo_to is not None
    assert sent.promo_from.isoformat() == "2030-12-01T05:00:00+00:00"
    assert sent.promo_to.isoformat() == "2031-01-01T05:00:00+00:00"  # the end of 31 Dec, New York
    monkeypatch.setenv("HUB_TIMEZONE", "Mars/Olympus")
    bad = hub_cli("prices", "set", "SKU-1", "20", "--promo", "15", "--to", "2030-12-31")
    assert bad.code == 2 and "HUB_TIMEZONE must be an IANA time zone" in bad.err
