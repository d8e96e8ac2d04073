"""Request and reply shapes of the bill config API (one tier at a time)."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from activereach.bills.assets import ASSET_PATH_RE
from activereach.bills.rules import PREFIX_RE
from activereach.tenancy.rules import validate_gstin

COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
SOCIAL_KEYS = ("website", "instagram", "facebook", "x", "youtube", "linkedin", "whatsapp")


def _url(value: str | None, field: str) -> str | None:
    if value is None:
        return None
    if not (value.startswith("https://") or value.startswith("http://")) or any(
            ch in value for ch in ' "<>\\'):
        raise ValueError(f"{field} must be an http(s) URL")
    return value


class BillConfigIn(BaseModel):
    """Every field is optional: absent, null or "" means "not set at this tier" (falls back)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    brand_name: str | None = Field(default=None, max_length=120)
    logo_url: str | None = Field(default=None, max_length=500)
    primary_color: str | None = None
    accent_color: str | None = None
    footer_text: str | None = Field(default=None, max_length=500)
    social_links: dict[str, str] | None = None
    terms_url: str | None = Field(default=None, max_length=500)
    refund_policy: str | None = Field(default=None, max_length=1000)
    show_rating: bool | None = None
    show_points: bool | None = None
    show_membership: bool | None = None
    show_review: bool | None = None
    membership_url: str | None = Field(default=None, max_length=500)
    review_url: str | None = Field(default=None, max_length=500)
    rewards_url: str | None = Field(default=None, max_length=500)
    invoice_prefix: str | None = None
    legal_name: str | None = Field(default=None, max_length=200)
    address: str | None = Field(default=None, max_length=500)
    phone: str | None = Field(default=None, max_length=32)
    gstin: str | None = Field(default=None, max_length=15)
    state_code: str | None = Field(default=None, pattern=r"^[0-9]{2}$")

    @model_validator(mode="before")
    @classmethod
    def _blank_is_unset(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {k: (None if v == "" else v) for k, v in data.items()}
        return data

    @field_validator("logo_url", "terms_url", "membership_url", "review_url", "rewards_url")
    @classmethod
    def _urls(cls, value: str | None, info: Any) -> str | None:
        if info.field_name == "logo_url" and value is not None and ASSET_PATH_RE.match(value):
            return value  # an uploaded logo, served by this app (bills/assets.py)
        return _url(value, info.field_name)

    @field_validator("primary_color", "accent_color")
    @classmethod
    def _color(cls, value: str | None) -> str | None:
        if value is not None and not COLOR_RE.match(value):
            raise ValueError("a colour is #rrggbb")
        return value.lower() if value else value

    @field_validator("social_links")
    @classmethod
    def _social(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        if not value:
            return None
        for key, url in value.items():
            if key not in SOCIAL_KEYS:
                raise ValueError(f"unknown network {key!r}; use one of {', '.join(SOCIAL_KEYS)}")
            _url(url, f"social_links.{key}")
        return value

    @field_validator("invoice_prefix")
    @classmethod
    def _prefix(cls, value: str | None) -> str | None:
        if value is not None and not PREFIX_RE.match(value):
            raise ValueError("1–4 letters, digits or dashes (the invoice number is ≤ 16 chars)")
        return value

    @field_validator("gstin")
    @classmethod
    def _gstin(cls, value: str | None) -> str | None:
        if value:
            value = value.upper()
            problem = validate_gstin(value)
            if problem:
                raise ValueError(problem)
        return value or None

    def tier_values(self) -> dict[str, Any]:
        """Only the fields set at this tier."""
        return self.model_dump(exclude_none=True)


class BillConfigOut(BaseModel):
    scope: str
    location_id: str | None
    values: dict[str, Any]
    updated_at: str | None


class CodePoolIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    count: int = Field(default=20, ge=1, le=200)
