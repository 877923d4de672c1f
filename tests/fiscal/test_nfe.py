"""The NF-e reader: a real-shaped authorised document parses into the right fields, and a
corrupted, unauthorised or malformed one is rejected naming the field at fault."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from hub import NFeError, parse_nfe, valid_key
from hub.fiscal.nfe import check_digit
from hub.testing.nfe import access_key, build_nfe

SAMPLE = Path(__file__).parent / "data" / "nfe-authorised.xml"
KEY = "35261211222333000181550010000012341123456784"
FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures"
BRT = timezone(timedelta(hours=-3))


def test_the_hand_written_document_parses_into_its_fields() -> None:
    nfe = parse_nfe(SAMPLE.read_bytes())
    assert nfe.key == KEY
    assert (nfe.number, nfe.series, nfe.model) == ("1234", "1", "55")
    assert nfe.issued_at == datetime(2026, 12, 4, 15, 42, 10, tzinfo=BRT)
    assert nfe.issued_at.astimezone(UTC) == datetime(2026, 12, 4, 18, 42, 10, tzinfo=UTC)
    assert nfe.total == Decimal("149.80")
    assert nfe.emitter_cnpj == "11222333000181"
    assert (nfe.status, nfe.protocol, nfe.environment) == ("100", "135260123456789", "1")
    assert [(i.code, i.quantity, i.unit_price, i.total, i.ean) for i in nfe.items] == [
        ("TSHIRT-BLK-M", Decimal(2), Decimal("49.90"), Decimal("99.80"), "7891234567895"),
        ("CAP-RED", Decimal(1), Decimal(35), Decimal("35.00"), None)]
    assert nfe.items[0].name == "Camiseta preta M"
    assert nfe.xml == SAMPLE.read_text(encoding="utf-8")  # kept exactly as received


def test_check_digit_matches_the_manual_example() -> None:
    # the MOC's worked example: weights 4,3,2,9..2 over the 43 digits give a sum of 644 -> DV 5
    assert check_digit("5206043300991100250655012000000780026730161") == 5
    assert check_digit(KEY[:43]) == 4
    assert valid_key(KEY)


@pytest.mark.parametrize("digit", [d for d in "0123456789" if d != "4"])
def test_a_corrupted_check_digit_is_rejected(digit: str) -> None:
    bad = KEY[:43] + digit
    assert not valid_key(bad)
    text = SAMPLE.read_text(encoding="utf-8").replace(KEY, bad)
    with pytest.raises(NFeError) as caught:
        parse_nfe(text)
    assert caught.value.field == "infNFe/@Id"
    assert f"check digit {digit}" in str(caught.value) and "give 4" in str(caught.value)


def test_a_swapped_digit_in_the_key_is_rejected() -> None:
    swapped = KEY[:25] + "0000012431" + KEY[35:]  # two digits of nNF swapped
    assert len(swapped) == 44 and not valid_key(swapped)
    with pytest.raises(NFeError, match="infNFe/@Id"):
        parse_nfe(SAMPLE.read_text(encoding="utf-8").replace(KEY, swapped))


def test_an_unauthorised_document_is_refused_with_its_status() -> None:
    denied = SAMPLE.read_text(encoding="utf-8").replace("<cStat>100</cStat>", "<cStat>110</cStat>") \
        .replace("Autorizado o uso da NF-e", "Uso Denegado")
    with pytest.raises(NFeError) as caught:
        parse_nfe(denied)
    assert caught.value.field == "infProt/cStat"
    assert str(caught.value).startswith("infProt/cStat is 110 (denied: Uso Denegado): only an "
                                        "authorised NF-e (cStat 100) can be sent")


def test_a_protocol_for_another_key_is_refused() -> None:
    other = access_key(datetime(2026, 12, 4, tzinfo=BRT), 1235)
    text = SAMPLE.read_text(encoding="utf-8").replace(f"<chNFe>{KEY}</chNFe>", f"<chNFe>{other}</chNFe>")
    with pytest.raises(NFeError, match=r"^infProt/chNFe is"):
        parse_nfe(text)


def test_a_bare_nfe_without_protocol_is_not_proof_of_authorisation() -> None:
    text = SAMPLE.read_text(encoding="utf-8")
    bare = text[text.index("<NFe "):text.index("</NFe>") + len("</NFe>")]
    with pytest.raises(NFeError, match=r"^nfeProc is missing: this is an NF-e without"):
        parse_nfe(bare)


@pytest.mark.parametrize(("old", "new", "field"), [
    ("<nNF>1234</nNF>", "<nNF>1235</nNF>", "infNFe/ide/nNF"),
    ("<serie>1</serie>", "<serie>2</serie>", "infNFe/ide/serie"),
    ("<dhEmi>2026-12-04T15:42:10-03:00</dhEmi>", "<dhEmi>2026-12-04T15:42:10</dhEmi>",
     "infNFe/ide/dhEmi"),
    ("<vNF>149.80</vNF>", "<vNF>149,80</vNF>", "infNFe/total/ICMSTot/vNF"),
    ("<vNF>149.80</vNF>", "", "infNFe/total/ICMSTot/vNF"),
    ("<CNPJ>11222333000181</CNPJ>", "<CNPJ>11222333000262</CNPJ>", "infNFe/emit/CNPJ"),
    ("<qCom>2.0000</qCom>", "<qCom>two</qCom>", "infNFe/det[1]/prod/qCom"),
    ("<cProd>CAP-RED</cProd>", "", "infNFe/det[2]/prod/cProd"),
])
def test_a_malformed_field_is_named(old: str, new: str, field: str) -> None:
    with pytest.raises(NFeError) as caught:
        parse_nfe(SAMPLE.read_text(encoding="utf-8").replace(old, new))
    assert caught.value.field == field, str(caught.value)


def test_not_xml_and_entities_are_refused() -> None:
    with pytest.raises(NFeError, match=r"^document is not well-formed XML"):
        parse_nfe(b"%PDF-1.7 not an xml")
    with pytest.raises(NFeError, match="DOCTYPE"):
        parse_nfe('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><nfeProc/>')
    with pytest.raises(NFeError, match="not an NF-e in the namespace"):
        parse_nfe("<nfeProc/>")


def test_built_documents_round_trip() -> None:
    when = datetime(2026, 11, 30, 23, 59, tzinfo=BRT)
    text = build_nfe(77, [("SKU-1", "Item", 3, "10.50")], issued_at=when, series=2,
                     shipping=Decimal("5"))
    nfe = parse_nfe(text)
    assert (nfe.number, nfe.series, nfe.total, nfe.key[2:6]) == ("77", "2", Decimal("36.50"), "2611")
    with pytest.raises(NFeError, match="is 302 \\(denied"):
        parse_nfe(build_nfe(78, [("SKU-1", "Item", 1, "1")], issued_at=when, status="302"))


def test_shared_nfe_fixtures_parse_when_present() -> None:
    samples = sorted(FIXTURES.glob("**/*nfe*.xml")) if FIXTURES.is_dir() else []
    if not samples:
        pytest.skip("no NF-e samples in ../shared/fixtures (MANIFEST.md lists none); the "
                    "hand-written document in tests/fiscal/data covers the layout")
    for path in samples:
        assert valid_key(parse_nfe(path.read_bytes()).key)
