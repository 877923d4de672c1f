"""hub.sandbox.Records: every change a listing depends on moves the version, copies are plain."""

from __future__ import annotations

import copy
import json
import pickle
from typing import Any

import pytest

from hub.sandbox import Record, Records

WATCHED = ("status", "modified")


def _records() -> Records[int]:
    return Records(WATCHED, {n: {"id": n, "status": "new", "modified": f"2024-01-0{n}",
                                 "note": "", "lines": [{"sku": "A"}]} for n in (1, 2, 3)})


def _moves(records: Records[int], change: Any) -> bool:
    before = records.version
    change(records)
    return records.version != before


@pytest.mark.parametrize("change", [
    lambda r: r[1].__setitem__("status", "paid"),
    lambda r: r[1].update(modified="2024-02-01"),
    lambda r: r[1].pop("status"),
    lambda r: r[1].__delitem__("modified"),
    lambda r: (dict.pop(r[1], "status"), r[1].setdefault("status", "x")),
    lambda r: r[1].clear(),
    lambda r: r[1].popitem(),
    lambda r: r[1].__ior__({"status": "x"}),
    lambda r: r.__setitem__(9, {"id": 9, "status": "new", "modified": "2024-01-09"}),
    lambda r: r.__setitem__(1, dict(r[1])),
    lambda r: r.__delitem__(2),
    lambda r: r.pop(2),
    lambda r: r.popitem(),
    lambda r: r.clear(),
    lambda r: r.update({7: {"id": 7}}),
    lambda r: r.setdefault(8, {"id": 8}),
    lambda r: r.track(6, {"id": 6}),
], ids=lambda _: "")
def test_every_change_that_can_move_a_record_bumps_the_version(change: Any) -> None:
    assert _moves(_records(), change)


def test_a_field_no_listing_reads_leaves_cached_listings_alone() -> None:
    records = _records()
    assert not _moves(records, lambda r: r[1].__setitem__("note", "ring twice"))
    assert not _moves(records, lambda r: r[1]["lines"].append({"sku": "B"}))
    assert records[1]["note"] == "ring twice"  # the record itself did change


def test_a_plain_dict_put_in_is_watched_by_its_values() -> None:
    records = _records()
    plain = {"id": 5, "status": "new", "modified": "2024-01-05"}
    records[5] = plain
    assert records[5] is plain  # identity kept: a test may keep editing its own dict
    assert not _moves(records, lambda r: plain.__setitem__("note", "x"))
    assert _moves(records, lambda r: plain.__setitem__("status", "paid"))
    assert not _moves(records, lambda r: None)
    del records[5]
    assert not _moves(records, lambda r: plain.__setitem__("status", "gone"))


def test_a_record_of_another_store_is_watched_as_a_plain_dict() -> None:
    first, second = _records(), _records()
    second[4] = first[1]
    assert _moves(second, lambda r: first[1].__setitem__("status", "paid"))


def test_cached_results_last_until_a_change() -> None:
    records = _records()
    computed: list[int] = []

    def compute() -> list[int]:
        computed.append(1)
        return sorted(records)

    assert records.query("all", compute) == records.query("all", compute) == [1, 2, 3]
    assert len(computed) == 1
    records[2]["status"] = "paid"
    records.query("all", compute)
    assert len(computed) == 2
    built = records.index("by-status", lambda rs: sorted(r["status"] for r in rs))
    assert built == ["new", "new", "paid"]
    records[3]["status"] = "cancelled"
    assert records.index("by-status", lambda rs: sorted(r["status"] for r in rs)) == [
        "cancelled", "new", "paid"]


def test_only_the_latest_queries_are_kept() -> None:
    records = _records()
    for n in range(40):
        records.query(("q", n), lambda: [])
    assert len(records._queries) <= 16


def test_copies_and_pickles_are_plain_and_detached() -> None:
    records = _records()
    for copied in (copy.deepcopy(records), pickle.loads(pickle.dumps(records))):
        assert type(copied) is dict and type(copied[1]) is dict and copied == records
    one = copy.deepcopy(records[1])
    assert type(one) is dict and one == records[1]
    one["lines"].append({"sku": "C"})
    assert records[1]["lines"] == [{"sku": "A"}]
    assert type(copy.copy(records[1])) is dict
    assert json.loads(json.dumps(records)) == {str(k): v for k, v in records.items()}
    assert isinstance(records[1], Record)
