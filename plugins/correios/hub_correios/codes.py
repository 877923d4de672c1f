"""Correios object codes: the UPU S10 format (``AA123456789BR``) and its check digit."""

from __future__ import annotations

import re

FORMAT = r"[A-Z]{2}\d{9}[A-Z]{2}"
_CODE = re.compile(FORMAT)
WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)


def check_digit(serial: str) -> int:
    """The S10 check digit of an 8-digit serial number (weights 8 6 4 2 3 5 9 7, mod 11)."""
    if len(serial) != 8 or not serial.isdigit():
        raise ValueError(f"an S10 serial has 8 digits, got {serial!r}")
    digit = 11 - sum(int(d) * w for d, w in zip(serial, WEIGHTS, strict=True)) % 11
    return {10: 0, 11: 5}.get(digit, digit)


def is_valid(code: str) -> bool:
    """Whether ``code`` is a well-formed object code whose check digit is right."""
    code = code.strip().upper()
    return bool(_CODE.fullmatch(code)) and check_digit(code[2:10]) == int(code[10])


def problem(code: str) -> str | None:
    """What is wrong with an S10-shaped ``code`` (its check digit), else None.

    A code not of the ``AA123456789BR`` shape is not judged: it may be another of the
    Correios' documents (a logistics reverse authorisation, a contract number).
    """
    code = code.strip().upper()
    if not _CODE.fullmatch(code):
        return None
    expected = check_digit(code[2:10])
    if expected != int(code[10]):
        return f"tracking code {code}: check digit should be {expected}"
    return None


def make(prefix: str, serial: int, country: str = "BR") -> str:
    """The object code with service ``prefix``, ``serial`` (8 digits) and its check digit."""
    digits = f"{serial:08d}"
    return f"{prefix}{digits}{check_digit(digits)}{country}"
