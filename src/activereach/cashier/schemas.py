"""Request shapes of the staff PIN API, till settings and the proof a till attaches to orders."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

PIN = Field(pattern=r"^\d{4,6}$", description="4 to 6 digits")


class StaffIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: str = Field(min_length=1, max_length=100)
    pin: str = PIN
    role: Literal["cashier", "manager"] = "cashier"
    location: str | None = Field(default=None, max_length=40, description="outlet id or code")
    active: bool = True


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
