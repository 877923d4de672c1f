"""The hub catalogue as a source: add/edit/show/list, CSV import with bad rows, the API."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from hub.core.app import HubApp
from hub.core.storage.catalogue import CatalogueEvent, ProductDetail
from hub.core.sync.catalogue_edit import gtin_problem
from tests.api.conftest import call
from tests.conftest import Result


@pytest.mark.parametrize("code", ["4006381333931", "73513537", "036000291452", "10012345678902"])
def test_valid_gtins_pass(code: str) -> None:
    assert gtin_problem(code) is None


def test_a_wrong_check_digit_is_named() -> None:
    assert gtin_problem("4006381333932") == "barcode '4006381333932' has check digit 2, expected 1"
    assert "8, 12, 13 or 14 digits" in (gtin_problem("12345") or "")


def test_add_edit_show_list_through_the_cli(app: HubApp, hub_cli) -> None:  # type: ignore[no-untyped-def]
    added: Result = hub_cli("products", "add", "TEE", "--name", "Tee", "--brand", "Acme",
                            "--barcode", "4006381333931", "--weight", "0.2", "--category", "Shirts",
                            "--image", "https://img.example/tee.jpg", "--attr", "material=cotton")
    assert added.code == 0, added.err
    variant = hub_cli("products", "add", "TEE-M", "--name", "Tee M", "--parent", "TEE",
                      "--attr", "Size=M", "--barcode", "73513537")
    assert variant.code == 0, variant.err
    edited = hub_cli("products", "edit", "TEE", "--name", "Tee shirt")
    assert edited.code == 0 and "name 'Tee' -> 'Tee shirt'" in edited.err
    shown = hub_cli("products", "show", "TEE", "--json").json()
    assert shown["name"] == "Tee shirt" and shown["brand"] == "Acme" and shown["weight"] == "0.2"
    assert shown["images"] == ["https://img.example/tee.jpg"] and shown["category"] == "Shirts"
    assert shown["attributes"] == {"material": "cotton"} and shown["variants"] == ["TEE-M"]
    assert [e["kind"] for e in shown["events"]] == ["created", "updated"]
    listed = hub_cli("products", "list", "--json").json()
    assert {p["sku"] for p in listed} == {"TEE", "TEE-M"}


def test_bad_input_is_one_line_naming_what_to_fix(app: HubApp, hub_cli) -> None:  # type: ignore[no-untyped-def]
    bad = hub_cli("products", "add", "X", "--name", "X", "--barcode", "4006381333932")
    assert bad.code == 2 and "check digit 2, expected 1" in bad.err and "Traceback" not in bad.err
    assert hub_cli("products", "add", "X", "--name", "X").code == 0
    again = hub_cli("products", "add", "X", "--name", "X")
    assert again.code == 2 and "already exists" in again.err
    missing = hub_cli("products", "edit", "NOPE", "--name", "Y")
    assert missing.code != 0 and "no product with SKU 'NOPE'" in missing.err
    image = hub_cli("products", "edit", "X", "--image", "ftp://x")
    assert image.code == 2 and "http(s) URL" in image.err


def test_csv_import_reports_bad_rows_with_line_and_reason_and_saves_the_rest(
        app: HubApp, hub_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "products.csv"
    path.write_text(
        "sku,name,barcode,weight,images,attributes,parent_sku\n"
        "MUG,Mug,4006381333931,0.35,https://i.example/m1.jpg|https://i.example/m2.jpg,colour=white,\n"
        "BAD1,Bad,4006381333932,,,,\n"
        "BAD2,Bad,,heavy,,,\n"
        "MUG-RED,Mug red,,,,colour=red,MUG\n"
        "ORPHAN,Orphan,,,,,NOPARENT\n"
        ",,,,,,\n")
    result = hub_cli("products", "import", str(path), "--json")
    assert result.code == 3
    body = result.json()
    assert body["created"] == 2 and body["updated"] == 0
    assert body["errors"] == [
        "line 3: barcode: barcode '4006381333932' has check digit 2, expected 1",
        "line 4: weight: 'heavy' is not a number",
        "line 6: product 'ORPHAN': parent_sku 'NOPARENT' is not in the catalogue; add the parent first",
        "line 7: sku: Field required"]
    with app.db.session() as s:
        details = s.exec(select(ProductDetail)).all()
        assert len(details) == 2
        mug = next(d for d in details if d.parent_id is None)
        assert mug.images == ["https://i.example/m1.jpg", "https://i.example/m2.jpg"]
    again = hub_cli("products", "import", str(path), "--json").json()
    assert again["created"] == 0 and again["unchanged"] == 2


def test_api_saves_good_items_and_reports_bad_ones(app: HubApp) -> None:
    from hub.core import apikeys

    key = apikeys.create(app, "backoffice")[1]
    answer = call(app, "POST", "/api/products", key=key, json=[
        {"sku": "CAP", "name": "Cap", "barcode": "036000291452", "brand": "Acme"},
        {"sku": "CAP-2", "name": "Cap 2", "parent_sku": "GHOST"},
        {"sku": "HAT"}])
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["saved"], body["rejected"]) == (1, 2)
    assert "parent_sku 'GHOST'" in body["results"][1]["error"]
    assert "needs a name" in body["results"][2]["error"]
    bad = call(app, "POST", "/api/products", key=key, json=[{"sku": "E", "barcode": "123"}])
    assert bad.status_code == 422 and "barcode" in bad.text
    patched = call(app, "PATCH", "/api/products/CAP", key=key, json={"name": "Blue cap"})
    assert patched.json()["changed"] == {"name": {"old": "Cap", "new": "Blue cap"}}
    shown = call(app, "GET", "/api/products/CAP", key=key).json()
    assert shown["name"] == "Blue cap" and shown["barcode"] == "036000291452"
    assert call(app, "GET", "/api/products/NONE", key=key).status_code == 404
    listed = call(app, "GET", "/api/products?limit=10", key=key).json()
    assert [(p["sku"], p["name"]) for p in listed] == [("CAP", "Blue cap")]
    with app.db.session() as s:
        assert [e.kind for e in s.exec(select(CatalogueEvent))] == ["created", "updated"]
