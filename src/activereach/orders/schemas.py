"""Request and reply shapes of the canonical order (DESIGN.md §8) and refunds."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    field_validator,
    model_serializer,
    model_validator,
)

from activereach.config import get_settings
from activereach.orders import rules

Minor = int  # money in integer minor units


def time_bounds() -> rules.TimeBounds:
    """The operator's bounds on order and event times (``occurred_at_max_*`` settings)."""
    settings = get_settings()
    return rules.TimeBounds(max_past_days=settings.occurred_at_max_past_days,
                            max_future_minutes=settings.occurred_at_max_future_minutes)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CustomerIn(Strict):
    phone: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=320)
    name: str | None = Field(default=None, max_length=200)
    user_id: str | None = Field(default=None, max_length=200)
    anonymous_id: str | None = Field(default=None, max_length=200)
    external_id: str | None = Field(default=None, max_length=200)
    traits: dict[str, Any] | None = None


class LineIn(Strict):
    sku: str | None = Field(default=None, max_length=100)
    product_id: str | None = Field(default=None, max_length=100)
    name: str | None = Field(default=None, min_length=1, max_length=300)
    variant: str | None = Field(default=None, max_length=200)
    category: str | None = Field(default=None, max_length=200)
    quantity: Decimal = Field(gt=0, le=Decimal(1_000_000), decimal_places=3)
    unit_price: Minor | None = Field(default=None, ge=0, le=10**12)
    discount: Minor = Field(default=0, ge=0, le=10**12)
    # the part of ``discount`` a loyalty reward gives; the server recomputes it from the reward
    # that ``loyalty.hold_id`` names (loyalty/reward_rules.py) and refuses or flags a mismatch
    reward_discount: Minor = Field(default=0, ge=0, le=10**12)
    tax_rate: Decimal = Field(default=Decimal(0), ge=0, le=100, decimal_places=3)
    tax_inclusive: bool = True
    hsn: str | None = Field(default=None, max_length=16)
    note: str | None = Field(default=None, max_length=500)

    @model_validator(mode="after")
    def _reward_within_discount(self) -> LineIn:
        if self.reward_discount > self.discount:
            raise ValueError("reward_discount: is the reward's part of discount, so at most "
                             "discount")
        return self

    @model_serializer(mode="wrap")
    def _dump(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # A line without a reward dumps as it did before the field existed, so the request hash
        # of an order sent before (a till's outbox retry) still matches and replays.
        data: dict[str, Any] = handler(self)
        if not data.get("reward_discount"):
            data.pop("reward_discount", None)
        return data


class PaymentIn(Strict):
    method: str = Field(min_length=1, max_length=32)
    amount: Minor = Field(ge=0, le=10**12)
    reference: str | None = Field(default=None, max_length=200)


class TotalsIn(Strict):
    subtotal: Minor | None = None
    tax: Minor | None = None
    discount: Minor | None = None
    shipping: Minor | None = None
    total: Minor | None = None


class LoyaltyIn(Strict):
    hold_id: str | None = Field(default=None, max_length=64)
    # points a till redeemed while offline (no hold): settled by the server when the order lands
    offline_points: int | None = Field(default=None, gt=0, le=10**9)
    # a reward a till applied while offline (no hold): its discount is on the lines, its points
    # are settled within the till's offline allowance when the order lands (loyalty/offline.py)
    offline_reward_id: str | None = Field(default=None, min_length=1, max_length=64)

    @model_validator(mode="after")
    def _one_redemption(self) -> LoyaltyIn:
        if self.offline_reward_id and (self.hold_id or self.offline_points):
            raise ValueError("offline_reward_id: an offline reward is the order's one redemption "
                             "(no hold_id, no offline_points)")
        return self


class ReceiptIn(Strict):
    channel: Literal["whatsapp", "sms", "email", "print", "none"] | None = None


class OrderIn(Strict):
    external_id: str = Field(min_length=1, max_length=200)
    location: str | None = Field(default=None, max_length=40)
    terminal: str | None = Field(default=None, max_length=40)
    channel: Literal["online", "offline"] | None = None
    occurred_at: AwareDatetime
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    customer: CustomerIn | None = None
    lines: list[LineIn] = Field(min_length=1, max_length=500)
    payments: list[PaymentIn] = Field(default_factory=list, max_length=20)
    shipping: Minor = Field(default=0, ge=0, le=10**12)
    order_discount: Minor = Field(default=0, ge=0, le=10**12)
    order_tax: Minor = Field(default=0, ge=0, le=10**12)
    coupon: str | None = Field(default=None, max_length=100)
    totals: TotalsIn | None = None
    loyalty: LoyaltyIn | None = None
    receipt: ReceiptIn | None = None
    metadata: dict[str, Any] | None = None

    @field_validator("occurred_at")
    @classmethod
    def _plausible(cls, value: dt.datetime) -> dt.datetime:
        # Every ingest path builds an OrderIn (API, till, pipes, batch), so the bound holds for all.
        problem = rules.time_problem(value, dt.datetime.now(dt.UTC), time_bounds())
        if problem:
            raise ValueError(f"occurred_at {problem}")
        return value


class RefundLineIn(Strict):
    line_no: int | None = Field(default=None, ge=1)
    sku: str | None = Field(default=None, max_length=100)
    quantity: Decimal = Field(gt=0, le=Decimal(1_000_000), decimal_places=3)


class RefundIn(Strict):
    refund_id: str = Field(min_length=1, max_length=200)
    lines: list[RefundLineIn] | None = Field(default=None, max_length=500)
    amount: Minor | None = Field(default=None, gt=0, le=10**12)
    reason: str | None = Field(default=None, max_length=500)
    occurred_at: AwareDatetime | None = None

    @field_validator("occurred_at")
    @classmethod
    def _plausible(cls, value: dt.datetime | None) -> dt.datetime | None:
        problem = value and rules.time_problem(value, dt.datetime.now(dt.UTC), time_bounds())
        if problem:
            raise ValueError(f"occurred_at {problem}")
        return value


class OrderResult(BaseModel):
    """The reply to an ingest; replays return the stored copy with ``replayed: true``."""

    model_config = ConfigDict(extra="allow")

    order_id: str
    contact_id: str | None
    status: str
    bill: dict[str, Any] | None = None
    loyalty: dict[str, Any] | None = None
    totals: dict[str, Any]
    replayed: bool = False
