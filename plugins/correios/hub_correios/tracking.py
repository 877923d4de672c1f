"""SRO Rastro answers as the hub's tracking: each Correios event mapped to a TrackingStatus.

``GET /srorastro/v1/objetos?codigosObjetos=A&codigosObjetos=B&resultado=T`` answers
``{"objetos": [{"codObjeto", "eventos": [{"codigo", "tipo", "dtHrCriado",
"descricao", "detalhe"?, "unidade": {"endereco": {"cidade", "uf"}}}]}]}``, events
newest first, or a ``mensagem`` (``SRO-020: Objeto não encontrado...``) for a code
the Correios do not know yet.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hub import Account, ShipmentRef, TrackingEvent, TrackingStatus, TrackingUpdate, json_object
from hub_correios.client import parse_time, rastro

S = TrackingStatus
#: delivery attempts (BDE, BDI, BDR) by their ``tipo``; any other tipo is a failed attempt
FINAL_TYPES = {"01": S.DELIVERED, "23": S.RETURNED}
BY_CODE = {"PO": S.POSTED, "OEC": S.OUT_FOR_DELIVERY, "LDI": S.AWAITING_PICKUP,
           "LDE": S.AWAITING_PICKUP, "RO": S.IN_TRANSIT, "DO": S.IN_TRANSIT,
           "TRI": S.IN_TRANSIT, "PAR": S.IN_TRANSIT, "FC": S.EXCEPTION, "EST": S.EXCEPTION}
ATTEMPTS = ("BDE", "BDI", "BDR")


def status_of(code: str, kind: str) -> TrackingStatus:
    """The hub's status for Correios event ``code`` of type ``kind`` (``BDE``, ``01``).

    A code this table does not know is ``in_transit``: never a delivery the
    Correios did not report.
    """
    if code in ATTEMPTS:
        return FINAL_TYPES.get(kind, S.DELIVERY_FAILED)
    return BY_CODE.get(code, S.IN_TRANSIT)


def _location(event: Mapping[str, Any]) -> str | None:
    address = (event.get("unidade") or {}).get("endereco") or {}
    parts = [str(p) for p in (address.get("cidade"), address.get("uf")) if p]
    return " - ".join(parts) or None


def to_update(obj: Mapping[str, Any]) -> TrackingUpdate:
    """One ``objetos[]`` entry as a :class:`hub.TrackingUpdate`."""
    number = str(obj.get("codObjeto") or "").upper()
    raw = obj.get("eventos") or []
    if not raw:
        return TrackingUpdate(tracking_number=number, found=False,
                              message=str(obj.get("mensagem") or "no events yet"))
    events = []
    for event in raw:
        code, kind = str(event.get("codigo") or ""), str(event.get("tipo") or "")
        text = str(event.get("descricao") or code)
        if event.get("detalhe"):
            text = f"{text} - {event['detalhe']}"
        events.append(TrackingEvent(at=parse_time(str(event["dtHrCriado"])),
                                    status=status_of(code, kind), code=f"{code}/{kind}",
                                    text=text, location=_location(event)))
    return TrackingUpdate(tracking_number=number, events=events)


async def track(account: Account, shipments: list[ShipmentRef]) -> list[TrackingUpdate]:
    """Every event of each shipment's object code, in one request per 50 codes."""
    codes = [sh.tracking_number.strip().upper() for sh in shipments]
    response = await rastro(account).get("srorastro/v1/objetos", params=[
        *(("codigosObjetos", c) for c in codes), ("resultado", "T")])
    body = json_object(response, "GET srorastro/v1/objetos")
    return [to_update(obj) for obj in body.get("objetos") or [] if isinstance(obj, dict)]
