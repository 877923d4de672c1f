"""Shopify global ids (``gid://shopify/Order/123``) and the numeric ids the hub keeps."""

from __future__ import annotations

from typing import Any

PREFIX = "gid://shopify/"


def gid(kind: str, value: str | int) -> str:
    """The global id of ``kind`` for ``value`` (a number or already a gid)."""
    text = str(value).strip()
    if text.startswith(PREFIX):
        return text
    return f"{PREFIX}{kind}/{text}"


def legacy_id(value: Any) -> str | None:
    """The numeric id inside a gid (query strings such as ``?key=`` dropped), or the value itself.

    ``gid://shopify/Product/123`` -> ``"123"``; ``123`` -> ``"123"``; ``None``/``""`` -> None.
    """
    if value is None or value == "" or isinstance(value, bool):
        return None
    text = str(value).strip()
    if text.startswith(PREFIX):
        text = text.rsplit("/", 1)[-1].split("?", 1)[0]
    return text or None


def kind_of(value: str) -> str | None:
    """The resource type named in a gid (``Order`` for ``gid://shopify/Order/1``), or None."""
    if not value.startswith(PREFIX):
        return None
    parts = value[len(PREFIX):].split("/")
    return parts[0] if len(parts) >= 2 else None
