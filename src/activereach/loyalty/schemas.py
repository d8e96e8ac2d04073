"""Request shapes of the loyalty API (replies are plain dicts built by the services)."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ProgramIn(Strict):
    name: str = Field(min_length=1, max_length=100)
    points_name: str = Field(default="points", min_length=1, max_length=40)
    active: bool = True
    pending_days: int = Field(default=0, ge=0, le=365)
    expiry_months: int | None = Field(default=None, ge=1, le=120)
    min_redeem_points: int = Field(default=0, ge=0, le=10**9)
    max_redeem_share_bp: int = Field(default=10_000, ge=0, le=10_000)
    point_value: int = Field(default=100, ge=1, le=10**9)
    negative_policy: Literal["clamp", "allow"] = "clamp"
    recredit_redeemed: Literal["proportional", "none"] = "proportional"
    hold_ttl_seconds: int = Field(default=900, ge=30, le=30 * 86400)
    tier_basis: Literal["spend", "points"] = "spend"
    tier_window_days: int = Field(default=365, ge=1, le=3650)


class RuleIn(Strict):
    kind: Literal["purchase", "event"] = "purchase"
    event_name: str = Field(default="order_completed", min_length=1, max_length=100)
    location: str | None = Field(default=None, max_length=40)
    points_per_unit: int = Field(default=1, ge=0, le=10**6)
    spend_unit: int = Field(default=10_000, ge=1, le=10**12)
    fixed_points: int = Field(default=0, ge=0, le=10**7)
    cooldown_hours: int = Field(default=0, ge=0, le=24 * 365)
    excluded_skus: list[str] = Field(default_factory=list, max_length=1000)
    excluded_categories: list[str] = Field(default_factory=list, max_length=1000)
    exclude_discounted: bool = False
    active: bool = True
    valid_from: AwareDatetime | None = None     # earns from this moment …
    valid_until: AwareDatetime | None = None    # … until just before this one

    @model_validator(mode="after")
    def _event_has_points(self) -> RuleIn:
        if self.kind == "event" and self.fixed_points <= 0:
            raise ValueError("fixed_points: an event rule needs fixed_points > 0")
        if self.valid_from and self.valid_until and self.valid_until <= self.valid_from:
            raise ValueError("valid_until: must be after valid_from")
        return self


class TierIn(Strict):
    name: str = Field(min_length=1, max_length=60)
    threshold: int = Field(ge=0, le=10**14)
    multiplier_bp: int = Field(default=10_000, ge=0, le=100_000)
    badge: str | None = Field(default=None, max_length=200)


class RewardIn(Strict):
    name: str = Field(min_length=1, max_length=200)
    kind: Literal["percent", "fixed", "free_item", "experience"]
    points_cost: int = Field(gt=0, le=10**9)
    percent_bp: int = Field(default=0, ge=0, le=10_000)
    amount: int = Field(default=0, ge=0, le=10**12)
    min_bill: int = Field(default=0, ge=0, le=10**12)
    sku: str | None = Field(default=None, max_length=100)
    item_quantity: int = Field(default=1, ge=1, le=1000)   # free_item: how many units are free
    min_tier_id: str | None = Field(default=None, max_length=40)
    members_only: bool = True
    stock_cap: int | None = Field(default=None, ge=0, le=10**9)
    per_customer_cap: int | None = Field(default=None, ge=1, le=10**6)
    valid_from: AwareDatetime | None = None
    valid_until: AwareDatetime | None = None
    terms: str = Field(default="", max_length=2000)
    active: bool = True

    @model_validator(mode="after")
    def _consistent(self) -> RewardIn:
        if self.kind == "percent" and not 0 < self.percent_bp <= 10_000:
            raise ValueError("percent_bp: a percent reward needs 1..10000 basis points")
        if self.kind == "fixed" and self.amount <= 0:
            raise ValueError("amount: a fixed reward needs an amount")
        if self.kind == "free_item" and not self.sku:
            raise ValueError("sku: a free-item reward names the item's SKU")
        if self.valid_from and self.valid_until and self.valid_until <= self.valid_from:
            raise ValueError("valid_until: must be after valid_from")
        return self


class MemberIn(Strict):
    phone: str = Field(min_length=1, max_length=40)
    name: str | None = Field(default=None, max_length=200)


class QuoteIn(Strict):
    member_id: str = Field(min_length=1, max_length=40)
    bill_total: int = Field(ge=0, le=10**12)
    points: int | None = Field(default=None, ge=1, le=10**9)
    reward_id: str | None = Field(default=None, max_length=40)


class HoldIn(Strict):
    member_id: str = Field(min_length=1, max_length=40)
    points: int | None = Field(default=None, ge=1, le=10**9)
    reward_id: str | None = Field(default=None, max_length=40)
    bill_total: int | None = Field(default=None, ge=0, le=10**12)
    cart_ref: str | None = Field(default=None, max_length=200)
    idempotency_key: str | None = Field(default=None, min_length=1, max_length=200)
    ttl_seconds: int | None = Field(default=None, ge=30, le=30 * 86400)


class AdjustIn(Strict):
    points: int = Field(ge=-10**9, le=10**9)
    reason: str = Field(min_length=1, max_length=500)
    idempotency_key: str = Field(min_length=1, max_length=200)

    @model_validator(mode="after")
    def _nonzero(self) -> AdjustIn:
        if self.points == 0:
            raise ValueError("points: must not be zero")
        return self


class EventIn(Strict):
    member_id: str = Field(min_length=1, max_length=40)
    event_name: str = Field(min_length=1, max_length=100)
    idempotency_key: str = Field(min_length=1, max_length=200)
