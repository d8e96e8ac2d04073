"""Pure bill rules: GST split (CGST+SGST vs IGST), round-off, financial year, invoice no., masking.

No I/O: every function here is tested without a database.  Money is integer minor units.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from activereach.contacts.rules import IdentityError, mask_email, mask_phone, normalize_phone

INVOICE_MAX = 16
PREFIX_RE = re.compile(r"^[A-Za-z0-9-]{1,4}$")
INVOICE_RE = re.compile(r"^[A-Za-z0-9/-]{1,16}$")


@dataclass(frozen=True, slots=True)
class TaxLine:
    """One computed order line, as far as tax is concerned."""

    rate: Decimal
    taxable: int
    tax: int
    hsn: str | None = None


@dataclass(frozen=True, slots=True)
class RateSummary:
    rate: Decimal
    taxable: int
    cgst: int
    sgst: int
    igst: int

    @property
    def half_rate(self) -> Decimal:
        return (self.rate / 2).normalize()


def is_inter_state(seller_state: str | None, place_of_supply: str | None) -> bool:
    """IGST s.7: inter-state when the supplier's state and the place of supply differ.

    Unknown on either side → intra-state (a walk-in sale is supplied where the goods are).
    """
    if not seller_state or not place_of_supply:
        return False
    return seller_state.strip() != place_of_supply.strip()


def split_tax(tax: int, inter_state: bool) -> tuple[int, int, int]:
    """(cgst, sgst, igst): intra-state tax splits equally; an odd paisa goes to CGST."""
    if inter_state:
        return 0, 0, tax
    cgst = tax - tax // 2
    return cgst, tax - cgst, 0


def gst_summary(lines: list[TaxLine], inter_state: bool) -> list[RateSummary]:
    """Per-rate totals, each rate's tax split once (so heads always add up to the tax)."""
    by_rate: dict[Decimal, tuple[int, int]] = {}
    for line in lines:
        taxable, tax = by_rate.get(line.rate, (0, 0))
        by_rate[line.rate] = (taxable + line.taxable, tax + line.tax)
    out = []
    for rate in sorted(by_rate):
        taxable, tax = by_rate[rate]
        cgst, sgst, igst = split_tax(tax, inter_state)
        out.append(RateSummary(rate=rate, taxable=taxable, cgst=cgst, sgst=sgst, igst=igst))
    return out


def round_off(total: int, exponent: int) -> int:
    """CGST Act s.170: round to the nearest whole unit (≥ half up). Returns the adjustment."""
    if exponent <= 0:
        return 0
    unit: int = 10 ** exponent
    rounded = (total + unit // 2) // unit * unit
    return rounded - total


def fiscal_year(day: dt.date) -> str:
    """Indian financial year April–March, as "2026-27"."""
    start = day.year if day.month >= 4 else day.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


def invoice_number(prefix: str, fy: str, seq: int) -> str:
    """``PREFIX/2627/000123``: ≤ 16 chars of ``[A-Za-z0-9/-]`` (CGST Rule 46(b))."""
    if not PREFIX_RE.match(prefix):
        raise ValueError("invoice prefix must be 1–4 letters, digits or dashes")
    if seq < 1:
        raise ValueError("sequence starts at 1")
    short_fy = fy[2:4] + fy[5:7]
    head = f"{prefix}/{short_fy}/"
    width = INVOICE_MAX - len(head)
    digits = str(seq).zfill(min(6, width))
    if len(digits) > width:
        raise ValueError(f"series {prefix!r} is exhausted for {fy}")
    return head + digits


def default_prefix(location_code: str | None) -> str:
    """First four letters/digits of the outlet code, upper-cased; "WEB" for the brand series."""
    if not location_code:
        return "WEB"
    letters = re.sub(r"[^A-Za-z0-9]", "", location_code).upper()
    return letters[:4] or "OUT"


def masked_customer(customer: dict[str, object], region: str) -> dict[str, str]:
    """What the bill may show of the shopper: first name and masked phone/email, never in full."""
    out: dict[str, str] = {}
    name = customer.get("name")
    if isinstance(name, str) and name.strip():
        out["name"] = name.strip().split()[0][:40]
    phone = customer.get("phone")
    if isinstance(phone, str) and phone.strip():
        try:
            e164 = normalize_phone(phone, region)
        except IdentityError:
            e164 = None
        if e164:
            out["phone"] = mask_phone(e164)
    email = customer.get("email")
    if isinstance(email, str) and "@" in email:
        out["email"] = mask_email(email.strip().lower())
    return out


def is_state_code(value: object) -> bool:
    return isinstance(value, str) and bool(re.fullmatch(r"[0-9]{2}", value.strip()))
