"""Small request helpers for the sandbox: Mercado Libre error answers and multipart bodies."""

from __future__ import annotations

from email import message_from_bytes
from email.message import Message
from typing import Any

from starlette.responses import JSONResponse


def error(status: int, code: str, message: str, *causes: str) -> JSONResponse:
    """Mercado Libre's error answer: ``{"message", "error", "status", "cause": []}``."""
    return JSONResponse({"message": message, "error": code, "status": status,
                         "cause": [{"code": code, "message": c} for c in causes]},
                        status_code=status)


def not_found(what: str) -> JSONResponse:
    """404 for a resource the seller does not have."""
    return error(404, "not_found", f"{what} not found")


def forbidden() -> JSONResponse:
    """403 for a resource of another seller."""
    return error(403, "forbidden", "Invalid caller.id")


def multipart_files(content_type: str, body: bytes) -> list[dict[str, Any]]:
    """The file parts of a ``multipart/form-data`` body: name, filename, type, content."""
    if not content_type.lower().startswith("multipart/form-data"):
        return []
    message: Message = message_from_bytes(
        f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode() + body)
    if not message.is_multipart():
        return []
    files = []
    for part in message.get_payload():
        if not isinstance(part, Message):
            continue
        disposition = part.get("Content-Disposition", "")
        name = part.get_param("name", header="content-disposition")
        filename = part.get_filename()
        if "form-data" in disposition and filename:
            payload = part.get_payload(decode=True)
            files.append({"name": str(name), "filename": filename,
                          "content_type": part.get_content_type(),
                          "content": payload if isinstance(payload, bytes) else b""})
    return files


#: Mercado Libre's upload guide: "can only be one fiscal_document per pack", at most 1 MB,
#: PDF or (on request) XML
MAX_FISCAL_DOCUMENTS = 1
MAX_FISCAL_BYTES = 1_000_000
FISCAL_TYPES = frozenset({"application/pdf", "application/xml", "text/xml"})


def fiscal_document_problem(file: dict[str, Any]) -> str | None:
    """Why Mercado Libre would refuse this uploaded fiscal document, or None."""
    import xml.etree.ElementTree as ET

    kind = str(file.get("content_type") or "").lower()
    if kind not in FISCAL_TYPES:
        return f"Invalid file type {kind or 'none'}: use application/pdf, application/xml or text/xml"
    content = file.get("content") or b""
    if len(content) > MAX_FISCAL_BYTES:
        return f"The file is {len(content)} bytes; the maximum size is 1 MB"
    if kind.endswith("xml"):
        try:
            ET.fromstring(content)
        except ET.ParseError:
            return "The XML fiscal document is not well-formed"
    elif not content.startswith(b"%PDF"):
        return "The PDF fiscal document is not a PDF file"
    return None
