"""Request shapes of the staff PIN API, till settings and the proof a till attaches to orders."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

PIN = Field(pattern=r"^\d{4,6}$", description="4 to 6 digits")
# one item of ``weighed_prefixes``: a 2-digit prefix or range, optionally "=price" / "=weight"
_PREFIX_ITEM = re.compile(r"^(\d{2})(?:-(\d{2}))?(?:=(price|weight))?$")


class StaffIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: str = Field(min_length=1, max_length=100)
    pin: str = PIN
    role: Literal["cashier", "manager"] = "cashier"
    location: str | None = Field(default=None, max_length=40, description="outlet id or code")
    active: bool = True
    discount_limit_bp: int | None = Field(default=None, ge=0, le=10_000, description=(
        "largest line discount (basis points) this person gives without a manager; "
        "null = the till's discount_limit_bp"))


class PinIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    pin: str = PIN


class SettingsIn(BaseModel):
    """Till settings; ``null`` means "inherit" (terminal → workspace → built-in default)."""

    model_config = ConfigDict(extra="forbid")
    terminal: str | None = Field(default=None, max_length=40,
                                 description="terminal id (trm_…); omit for the workspace")
    offline_redeem_cap: int | None = Field(default=None, ge=0, le=10**9,
                                           description="points per order while offline; 0 = off")
    discount_limit_bp: int | None = Field(default=None, ge=0, le=10_000,
                                          description="line discount share needing a manager")
    idle_lock_minutes: int | None = Field(default=None, ge=0, le=720, description=(
        "minutes idle before the PIN is asked again; 0 = never"))
    weighed_prefixes: str | None = Field(default=None, max_length=200, description=(
        'EAN-13 prefixes of weighed-item labels, e.g. "20-29" or "20-24=weight,25-29=price"; '
        '"" = none'))

    @field_validator("weighed_prefixes")
    @classmethod
    def _prefixes(cls, value: str | None) -> str | None:
        """The till parses the same grammar (lib/weighed.ts); a typo must not reach it."""
        if value is None:
            return None
        items = [item.strip() for item in value.split(",") if item.strip()]
        for item in items:
            match = _PREFIX_ITEM.match(item)
            if not match:
                raise ValueError(f"{item!r}: expected NN, NN-NN, optionally =price or =weight")
            low, high = match.group(1), match.group(2) or match.group(1)
            if low > high:
                raise ValueError(f"{item!r}: the range runs backwards")
        return ",".join(items)


class ApprovalIn(BaseModel):
    """A manager's signed approval of one line's discount (line 0: the order discount)."""

    model_config = ConfigDict(extra="forbid")
    line: int = Field(ge=0, le=500)
    key_id: str = Field(min_length=1, max_length=40)
    signature: str = Field(min_length=1, max_length=100)


class ProofIn(BaseModel):
    """What a till attaches to every order: the cashier's key id and signature over the
    order's money facts (``cashier/proofs.py``), whether it was made offline, and approvals."""

    model_config = ConfigDict(extra="forbid")
    key_id: str = Field(min_length=1, max_length=40)
    signature: str = Field(min_length=1, max_length=100)
    offline: bool = False
    approvals: list[ApprovalIn] = Field(default_factory=list, max_length=500)


class ReceiptSendIn(BaseModel):
    """Send a sale's receipt again from the till: the channel, an address typed at the till
    (else the one on file), and the till's own id for this request (a retry sends once)."""

    channel: Literal["whatsapp", "sms", "email"]
    to: str | None = Field(default=None, max_length=320)
    request_id: str = Field(min_length=8, max_length=64)
