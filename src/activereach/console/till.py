"""Settings → Till forms: the till rules in people's units (minutes, %, points, barcode
prefixes) ↔ the cashier domain's ``SettingsIn`` (basis points, ``None`` = inherit). Pure: no
database access, so every message is tested without one."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from activereach.cashier.schemas import SettingsIn
from activereach.cashier.settings import DEFAULTS, FIELDS
from activereach.console.staff import parse_percent, percent_text

# form input → domain field; the discount limit is typed in %, the rest as stored
INPUTS = {"idle_lock_minutes": "idle_lock_minutes", "discount_limit": "discount_limit_bp",
          "offline_redeem_cap": "offline_redeem_cap", "weighed_prefixes": "weighed_prefixes"}
NONE_WORDS = {"none", "off", "-"}


def _whole(text: str, high: int, what: str) -> int:
    if not text.isdigit() or int(text) > high:
        raise ValueError(f"Enter whole {what} from 0 to {high:,}")
    return int(text)


def shown(field: str, value: Any) -> str:
    """A stored value as the form shows it."""
    if value is None:
        return ""
    if field == "discount_limit_bp":
        return percent_text(int(value))
    if field == "weighed_prefixes" and value == "":
        return "none"
    return str(value)


def values_of(row: dict[str, Any] | None) -> dict[str, str]:
    row = row or {}
    return {name: shown(field, row.get(field)) for name, field in INPUTS.items()}


def inherited(parent: dict[str, Any] | None) -> dict[str, str]:
    """What a blank input means at this tier: the parent tier's value, else the default."""
    parent = parent or {}
    return {name: shown(field, parent.get(field) if parent.get(field) is not None
                        else DEFAULTS[field]) for name, field in INPUTS.items()}


def parse(form: dict[str, str], terminal: str | None) -> tuple[SettingsIn | None, dict[str, str]]:
    """A ``SettingsIn`` (blank = inherit), or errors beside each input in people's words."""
    errors: dict[str, str] = {}
    body: dict[str, Any] = {"terminal": terminal}
    text = {name: form.get(name, "").strip() for name in INPUTS}
    checks = {"idle_lock_minutes": lambda t: _whole(t, 720, "minutes"),
              "offline_redeem_cap": lambda t: _whole(t, 10**9, "points"),
              "discount_limit": parse_percent}
    for name, parser in checks.items():
        if text[name]:
            try:
                body[INPUTS[name]] = parser(text[name])
            except ValueError as exc:
                errors[name] = str(exc)
    prefixes = text["weighed_prefixes"]
    if prefixes:
        body["weighed_prefixes"] = "" if prefixes.lower() in NONE_WORDS else prefixes
    try:
        model = SettingsIn.model_validate(body)
    except ValidationError as exc:
        for err in exc.errors():
            if err["loc"] and err["loc"][0] == "weighed_prefixes":
                why = str(err["msg"]).removeprefix("Value error, ")
                errors["weighed_prefixes"] = (f"Write prefixes like 20-29 or "
                                              f"20-24=weight,25-29=price ({why})")
            else:
                errors.setdefault(str(err["loc"][0]), "Enter a valid value")
        return None, errors
    return (None, errors) if errors else (model, errors)


def audit_state(row: dict[str, Any] | None) -> dict[str, Any]:
    """The tier as the audit log shows it, in the form's words ("" = inherits)."""
    values = values_of(row)
    return {"idle_lock_minutes": values["idle_lock_minutes"] or "inherits",
            "discount_limit": f"{values['discount_limit']} %" if values["discount_limit"]
            else "inherits",
            "offline_redeem_cap": values["offline_redeem_cap"] or "inherits",
            "weighed_prefixes": values["weighed_prefixes"] or "inherits"}


__all__ = ["FIELDS", "INPUTS", "audit_state", "inherited", "parse", "values_of"]
