"""Pure tenancy rules: slugs, outlet codes, GSTIN check digits, Indian state codes."""

from __future__ import annotations

import re

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
CODE_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
_GSTIN_RE = re.compile(r"^[0-9]{2}[A-Z0-9]{10}[0-9A-Z]Z[0-9A-Z]$")
_GSTIN_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def gstin_check_char(first14: str) -> str:
    """The 15th character of a GSTIN (the GSTN's mod-36 weighted checksum)."""
    total = 0
    for index, char in enumerate(first14):
        product = _GSTIN_ALPHABET.index(char) * (2 if index % 2 else 1)
        total += product // 36 + product % 36
    return _GSTIN_ALPHABET[(36 - total % 36) % 36]


def validate_gstin(gstin: str) -> str | None:
    """None when valid, else the reason."""
    if not _GSTIN_RE.match(gstin):
        return "GSTIN must be 15 characters: 2-digit state code, PAN, entity digit, Z, checksum"
    if gstin_check_char(gstin[:14]) != gstin[14]:
        return "GSTIN checksum does not match"
    return None
