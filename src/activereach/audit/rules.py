"""Pure rules of the audit log: the field-by-field difference of two states, secrets masked."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

# A field with one of these words in its name is a secret: its value never reaches the log.
# Whole words, so "pin_hash" and "settings.signing_secret" are masked but "mapping" and
# "shipping" (which merely contain "pin") are not.
SECRET_WORDS = frozenset({"pin", "pins", "password", "passwd", "secret", "secrets", "token",
                          "tokens", "auth", "authorization", "credential", "credentials",
                          "apikey", "passphrase"})
SECRET_PHRASES = ("api_key", "key_hash", "private_key", "access_key")
MASK = "•••"
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_WORD = re.compile(r"[^a-z0-9]+")


def is_secret(field: str) -> bool:
    """Whether ``field`` names a secret (``pin_set``-style flags that only say whether one
    exists are not)."""
    name = _CAMEL.sub("_", field).lower()
    if name.endswith("_set"):
        return False
    words = set(_WORD.split(name))
    return bool(words & SECRET_WORDS) or any(phrase in name for phrase in SECRET_PHRASES)


def _shown(field: str, value: Any) -> Any:
    if value is None or value == "":
        return value
    return MASK if is_secret(field) else value


def changes(before: Mapping[str, Any] | None,
            after: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """Every field that differs between ``before`` and ``after`` (None = did not exist), in
    field order; a secret that changed shows as masked on both sides."""
    old, new = dict(before or {}), dict(after or {})
    fields = list(old) + [name for name in new if name not in old]
    out: list[dict[str, Any]] = []
    for name in fields:
        if old.get(name) == new.get(name):
            continue
        out.append({"field": name, "before": _shown(name, old.get(name)),
                    "after": _shown(name, new.get(name))})
    return out


def describe(value: Any) -> str:
    """A value as the audit page prints it: blank as "—", lists joined, booleans in words."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(describe(v) for v in value) or "—"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {describe(v)}" for k, v in value.items()) or "—"
    return str(value)
