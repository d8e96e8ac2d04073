"""Settings → Staff forms: what an owner or manager types (a name, a role, an outlet, a PIN
twice, a discount limit in %) checked in people's words and turned into the cashier domain's
values (basis points, an outlet id). No database access: the page hands the result on."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from activereach.cashier.models import CashierStaff
from activereach.tenancy.models import Location

PIN_RE = re.compile(r"^\d{4,6}$")
ROLES = {"cashier": "Cashier", "manager": "Manager"}


@dataclass(frozen=True)
class StaffForm:
    name: str
    role: str
    location_id: str | None
    discount_limit_bp: int | None


def parse_percent(text: str, *, low: int = 0, high: int = 100) -> int:
    """ "12.5" → 1250 basis points, exactly (Decimal); at most two decimals."""
    try:
        value = Decimal(text.strip().removesuffix("%").strip())
    except InvalidOperation as exc:
        raise ValueError(f"Enter a percentage from {low} to {high}, e.g. 10 or 12.5") from exc
    if not value.is_finite() or not low <= value <= high:
        raise ValueError(f"Enter a percentage from {low} to {high}, e.g. 10 or 12.5")
    bp = value * 100
    if bp != bp.to_integral_value():
        raise ValueError("Use at most two decimals, e.g. 12.25")
    return int(bp)


def percent_text(bp: int | None) -> str:
    """1250 → "12.5", 1000 → "10" (as a person would type it back)."""
    if bp is None:
        return ""
    text = f"{Decimal(bp) / 100:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def pin_errors(form: dict[str, str], errors: dict[str, str]) -> str:
    """The PIN typed twice: the PIN when both agree, else errors beside the fields."""
    pin, again = form.get("pin", ""), form.get("pin_confirm", "")
    if not PIN_RE.match(pin):
        errors["pin"] = "Enter a PIN of 4 to 6 digits"
    elif pin != again:
        errors["pin_confirm"] = "The two PINs differ: type the same PIN twice"
    return pin


def staff_form(form: dict[str, str], outlets: list[Location]) -> tuple[StaffForm | None,
                                                                          dict[str, str]]:
    """Name, role, outlet ("" = every outlet) and the discount limit ("" = the till's)."""
    errors: dict[str, str] = {}
    name = " ".join(form.get("name", "").split())
    if not name:
        errors["name"] = "Enter a name"
    elif len(name) > 100:
        errors["name"] = "Use at most 100 characters"
    role = form.get("role", "")
    if role not in ROLES:
        errors["role"] = "Choose cashier or manager"
    location = form.get("location_id", "")
    if location and location not in {loc.id for loc in outlets}:
        errors["location_id"] = "Choose an outlet from the list"
    limit: int | None = None
    if form.get("discount_limit", "").strip():
        try:
            limit = parse_percent(form["discount_limit"])
        except ValueError as exc:
            errors["discount_limit"] = str(exc)
    if errors:
        return None, errors
    return StaffForm(name, role, location or None, limit), errors


def values_of(row: CashierStaff) -> dict[str, str]:
    return {"name": row.name, "role": row.role, "location_id": row.location_id or "",
            "discount_limit": percent_text(row.discount_limit_bp)}


def audit_state(row: CashierStaff, outlet_names: dict[str, str]) -> dict[str, Any]:
    """What the audit log shows of a staff member (names, not ids; the PIN never)."""
    return {"name": row.name, "role": row.role,
            "outlet": outlet_names.get(row.location_id or "", "all outlets"),
            "discount_limit": (f"{percent_text(row.discount_limit_bp)} %"
                               if row.discount_limit_bp is not None else "till's limit"),
            "active": row.active}
