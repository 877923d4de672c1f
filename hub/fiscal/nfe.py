"""Brazil's NF-e: read the authorised document (``nfeProc``) into what the hub records.

The file an ERP hands over after SEFAZ authorised an NF-e (layout 4.00, namespace
``http://www.portalfiscal.inf.br/nfe``) is ``nfeProc``: the signed ``NFe`` (its
``infNFe``) plus ``protNFe/infProt``, the authorisation protocol. Only that pair
proves the invoice may be used, so :func:`parse_nfe` accepts a document only when
``infProt/cStat`` is 100 (authorised) or 150 (authorised out of time) and the
protocol's ``chNFe`` is the key of the ``infNFe`` it travels with.

The 44-character access key is ``cUF(2) AAMM(4) CNPJ(14) mod(2) serie(3) nNF(9)
tpEmis(1) cNF(8) cDV(1)``; ``cDV`` is a mod-11 check digit over the first 43
(weights 2..9 from the right, repeating; a remainder of 0 or 1 gives 0). Since
the alphanumeric CNPJ (NT 2025.001) the CNPJ part may hold capital letters,
whose value in the check digit is their ASCII code minus 48; every other part
stays numeric. The key must also agree with the document: ``Id`` is ``"NFe"`` +
key, and its model, series and number are those of ``ide``.

Every rejection is a :class:`NFeError` naming the field at fault, such as
``infProt/cStat is 110 (denied): only an authorised NF-e (cStat 100) can be sent``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation

from hub.errors import DataError

NS = "http://www.portalfiscal.inf.br/nfe"
AUTHORISED = frozenset({"100", "150"})
"""``cStat`` values that authorise the use of an NF-e (150: authorised out of time)."""
DENIED = frozenset({"110", "301", "302", "303"})
KEY_PATTERN = re.compile(r"^\d{6}[0-9A-Z]{12}\d{26}$")
MAX_BYTES = 5_000_000  # an NF-e holds at most 990 items; a few MB is already far beyond one


class NFeError(DataError):
    """The document is not a readable, authorised NF-e; ``field`` names the part at fault."""

    def __init__(self, fieldname: str, problem: str) -> None:
        super().__init__(f"{fieldname} {problem}",
                         hint="use the authorised NF-e XML (nfeProc) the ERP or SEFAZ returned")
        self.field = fieldname


def check_digit(first43: str) -> int:
    """The mod-11 check digit (``cDV``) of the first 43 characters of an access key."""
    total, weight = 0, 2
    for char in reversed(first43):
        total += (ord(char) - 48) * weight
        weight = 2 if weight == 9 else weight + 1
    remainder = total % 11
    return 0 if remainder < 2 else 11 - remainder


def key_problem(key: str) -> str | None:
    """Why ``key`` is not a valid NF-e access key, or None when it is."""
    if len(key) != 44:
        return f"must have 44 characters, not {len(key)}"
    if not KEY_PATTERN.match(key):
        return "must be 44 digits (the CNPJ part may hold capital letters)"
    expected = check_digit(key[:43])
    if int(key[43]) != expected:
        return f"has check digit {key[43]}, but its first 43 digits give {expected} (mod 11)"
    return None


def valid_key(key: str) -> bool:
    """Whether ``key`` is a 44-character access key with the right check digit."""
    return key_problem(key) is None


@dataclass(frozen=True)
class NFeItem:
    """One ``det/prod`` of the NF-e."""

    number: int
    code: str
    """``cProd``: the emitter's product code (usually the SKU)."""
    name: str
    quantity: Decimal
    unit_price: Decimal
    total: Decimal
    ean: str | None = None
    """``cEAN``, or None when the document says ``SEM GTIN``."""


@dataclass(frozen=True)
class NFe:
    """What the hub keeps of an authorised NF-e (``xml`` is the document as received)."""

    key: str
    number: str
    series: str
    model: str
    issued_at: datetime
    total: Decimal
    emitter_cnpj: str
    protocol: str
    status: str
    environment: str
    """``tpAmb``: ``1`` production, ``2`` homologation (test)."""
    items: list[NFeItem] = field(default_factory=list)
    xml: str = field(default="", repr=False)


def _q(path: str) -> str:
    return "/".join(f"{{{NS}}}{part}" for part in path.split("/"))


def _text(parent: ET.Element, path: str, where: str, *, required: bool = True) -> str:
    node = parent.find(_q(path))
    value = (node.text or "").strip() if node is not None else ""
    if not value and required:
        raise NFeError(f"{where}/{path}", "is missing")
    return value


def _decimal(parent: ET.Element, path: str, where: str) -> Decimal:
    raw = _text(parent, path, where)
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise NFeError(f"{where}/{path}", f"is {raw!r}, not a decimal number") from None
    if not value.is_finite():
        raise NFeError(f"{where}/{path}", f"is {raw!r}, not a decimal number")
    return value


def _read(document: bytes | str) -> ET.Element:
    data = document.encode("utf-8") if isinstance(document, str) else document
    if len(data) > MAX_BYTES:
        raise NFeError("document", f"is {len(data):,} bytes; an NF-e is far smaller")
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise NFeError("document", "declares a DOCTYPE or entities, which an NF-e never does")
    try:
        return ET.fromstring(data)
    except ET.ParseError as exc:
        raise NFeError("document", f"is not well-formed XML ({exc})") from None


def parse_nfe(document: bytes | str) -> NFe:
    """Read an authorised NF-e (``nfeProc``); :class:`NFeError` names what is wrong.

    Checks: the root is ``nfeProc`` in the NF-e namespace; ``infNFe/@Id`` is ``NFe`` +
    a 44-character key whose check digit is right and whose model, series and number
    match ``ide``; ``protNFe/infProt/chNFe`` is that key and ``cStat`` is 100 or 150;
    ``dhEmi`` carries its UTC offset; ``ICMSTot/vNF`` and each item's amounts are decimals.
    """
    root = _read(document)
    if root.tag != f"{{{NS}}}nfeProc":
        local = root.tag.rsplit("}", 1)[-1]
        if local == "NFe":
            raise NFeError("nfeProc", "is missing: this is an NF-e without its authorisation "
                           "protocol (protNFe); send the authorised file (nfeProc)")
        raise NFeError("nfeProc", f"is missing: the root element is {root.tag!r}, not an NF-e "
                       f"in the namespace {NS}")
    inf = root.find(_q("NFe/infNFe"))
    if inf is None:
        raise NFeError("NFe/infNFe", "is missing")
    prot = root.find(_q("protNFe/infProt"))
    if prot is None:
        raise NFeError("protNFe/infProt", "is missing: the NF-e carries no authorisation protocol")
    ident = inf.get("Id") or ""
    if not ident.startswith("NFe"):
        raise NFeError("infNFe/@Id", f"is {ident!r}; it must be 'NFe' followed by the access key")
    key = ident[3:]
    problem = key_problem(key)
    if problem:
        raise NFeError("infNFe/@Id", f"access key {key}: {problem}")
    status = _text(prot, "cStat", "infProt")
    reason = _text(prot, "xMotivo", "infProt", required=False)
    if status not in AUTHORISED:
        kind = "denied" if status in DENIED else "rejected"
        raise NFeError("infProt/cStat", f"is {status} ({kind}{': ' + reason if reason else ''}): "
                       "only an authorised NF-e (cStat 100) can be sent")
    protocol_key = _text(prot, "chNFe", "infProt")
    if protocol_key != key:
        raise NFeError("infProt/chNFe", f"is {protocol_key}, but infNFe/@Id holds {key}: the "
                       "protocol authorises another NF-e")
    ide = "infNFe/ide"
    model, series, number = (_text(inf, "ide/mod", "infNFe"), _text(inf, "ide/serie", "infNFe"),
                             _text(inf, "ide/nNF", "infNFe"))
    for name, value, part in (("mod", model, key[20:22]), ("serie", series, key[22:25]),
                              ("nNF", number, key[25:34])):
        if not value.isdigit() or int(value) != int(part):
            raise NFeError(f"{ide}/{name}", f"is {value!r}, but the access key says {int(part)}")
    issued_raw = _text(inf, "ide/dhEmi", "infNFe")
    try:
        issued_at = datetime.fromisoformat(issued_raw)
    except ValueError:
        raise NFeError(f"{ide}/dhEmi", f"is {issued_raw!r}, not a date-time") from None
    if issued_at.tzinfo is None:
        raise NFeError(f"{ide}/dhEmi", f"is {issued_raw!r} without its UTC offset (e.g. -03:00)")
    if issued_at.strftime("%y%m") != key[2:6]:
        raise NFeError(f"{ide}/dhEmi", f"is {issued_raw}, but the access key says "
                       f"20{key[2:4]}-{key[4:6]}")
    emit = inf.find(_q("emit"))
    if emit is None:
        raise NFeError("infNFe/emit", "is missing")
    cnpj = _text(emit, "CNPJ", "infNFe/emit", required=False) \
        or _text(emit, "CPF", "infNFe/emit", required=False)
    if not cnpj:
        raise NFeError("infNFe/emit/CNPJ", "is missing")
    if cnpj.rjust(14, "0") != key[6:20]:
        raise NFeError("infNFe/emit/CNPJ", f"is {cnpj}, but the access key says {key[6:20]}")
    total = _decimal(inf, "total/ICMSTot/vNF", "infNFe")
    items: list[NFeItem] = []
    for det in inf.findall(_q("det")):
        where = f"infNFe/det[{det.get('nItem') or len(items) + 1}]"
        prod = det.find(_q("prod"))
        if prod is None:
            raise NFeError(f"{where}/prod", "is missing")
        ean = _text(prod, "cEAN", where, required=False)
        items.append(NFeItem(
            number=int(det.get("nItem") or len(items) + 1),
            code=_text(prod, "cProd", f"{where}/prod"), name=_text(prod, "xProd", f"{where}/prod"),
            quantity=_decimal(prod, "qCom", f"{where}/prod"),
            unit_price=_decimal(prod, "vUnCom", f"{where}/prod"),
            total=_decimal(prod, "vProd", f"{where}/prod"),
            ean=ean if ean and ean.upper() != "SEM GTIN" else None))
    if not items:
        raise NFeError("infNFe/det", "is missing: an NF-e lists at least one item")
    text = document if isinstance(document, str) else document.decode("utf-8", "replace")
    return NFe(key=key, number=str(int(number)), series=str(int(series)), model=model,
               issued_at=issued_at, total=total, emitter_cnpj=cnpj,
               protocol=_text(prot, "nProt", "infProt", required=False), status=status,
               environment=_text(prot, "tpAmb", "infProt", required=False), items=items, xml=text)
