"""Loyalty page forms: people type money in major units, shares and multipliers as percent or
"1.5"; the loyalty API's shapes (minor units, basis points) are built here and validated by
the loyalty schemas, so the rules live in one place."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import BaseModel

from activereach.console.forms import validate_model
from activereach.kit.money import MoneyError, major_to_minor
from activereach.loyalty.schemas import ProgramIn, RewardIn, RuleIn, TierIn

PROGRAM_TEXT = ("name", "points_name", "negative_policy", "recredit_redeemed", "tier_basis")
PROGRAM_INTS = ("pending_days", "min_redeem_points", "hold_ttl_seconds", "tier_window_days")


class Parsed:
    """Collects converted values and per-field errors for one form."""

    def __init__(self, form: dict[str, str], currency: str) -> None:
        self.form, self.currency = form, currency
        self.data: dict[str, Any] = {}
        self.errors: dict[str, str] = {}

    def raw(self, name: str) -> str:
        return self.form.get(name, "").strip()

    def text(self, *names: str) -> None:
        for name in names:
            if self.raw(name):
                self.data[name] = self.raw(name)

    def integer(self, name: str, target: str | None = None) -> None:
        if not self.raw(name):
            return
        try:
            self.data[target or name] = int(self.raw(name))
        except ValueError:
            self.errors[name] = "a whole number"

    def money(self, name: str) -> None:
        if not self.raw(name):
            return
        try:
            self.data[name] = major_to_minor(self.raw(name), self.currency, name)
        except MoneyError as exc:
            self.errors[name] = str(exc)

    def scaled(self, name: str, target: str, factor: int) -> None:
        """A decimal such as 50 (%) or 1.5 (×) as integer basis points."""
        if not self.raw(name):
            return
        try:
            value = Decimal(self.raw(name)) * factor
        except InvalidOperation:
            self.errors[name] = "a number"
            return
        if value != value.to_integral_value():
            self.errors[name] = "too many decimals"
            return
        self.data[target] = int(value)

    def flag(self, name: str) -> None:
        self.data[name] = self.form.get(name) == "on"

    def validate(self, model: type[BaseModel], renames: dict[str, str]) -> Any:
        body, errors = validate_model(model, self.data)
        for key, message in errors.items():
            self.errors.setdefault(renames.get(key, key), message)
        return None if self.errors else body


def program_form(form: dict[str, str], currency: str) -> tuple[ProgramIn | None, dict[str, str]]:
    p = Parsed(form, currency)
    p.text(*PROGRAM_TEXT)
    for name in PROGRAM_INTS:
        p.integer(name)
    p.integer("expiry_months")
    p.money("point_value")
    p.scaled("max_redeem_share", "max_redeem_share_bp", 100)
    p.flag("active")
    return p.validate(ProgramIn, {"max_redeem_share_bp": "max_redeem_share"}), p.errors


def _list(raw: str) -> list[str]:
    return [item.strip() for item in raw.split(",") if item.strip()]


def rule_form(form: dict[str, str], currency: str,
              location_id: str | None) -> tuple[RuleIn | None, dict[str, str]]:
    p = Parsed(form, currency)
    p.text("kind", "event_name")
    p.integer("points_per_unit")
    p.money("spend_unit")
    p.integer("fixed_points")
    p.integer("cooldown_hours")
    p.data["excluded_skus"] = _list(p.raw("excluded_skus"))
    p.data["excluded_categories"] = _list(p.raw("excluded_categories"))
    p.flag("exclude_discounted")
    p.flag("active")
    if location_id:
        p.data["location"] = location_id
    if p.data.get("kind") == "event" and "event_name" not in p.data:
        p.errors["event_name"] = "an event rule names its event"
    body = p.validate(RuleIn, {})
    # The schema's cross-field check reports "fixed_points: …" at the form level.
    if "form" in p.errors and p.errors["form"].startswith("fixed_points"):
        p.errors["fixed_points"] = p.errors.pop("form").removeprefix("fixed_points: ")
    return body, p.errors


def tier_form(form: dict[str, str], currency: str,
              basis: str) -> tuple[TierIn | None, dict[str, str]]:
    p = Parsed(form, currency)
    p.text("name", "badge")
    if basis == "spend":
        p.money("threshold")
    else:
        p.integer("threshold")
    p.scaled("multiplier", "multiplier_bp", 10_000)
    return p.validate(TierIn, {"multiplier_bp": "multiplier"}), p.errors


def reward_form(form: dict[str, str], currency: str) -> tuple[RewardIn | None, dict[str, str]]:
    p = Parsed(form, currency)
    p.text("name", "kind", "sku", "terms", "min_tier_id")
    p.integer("points_cost")
    p.scaled("percent", "percent_bp", 100)
    p.money("amount")
    p.money("min_bill")
    p.integer("stock_cap")
    p.integer("per_customer_cap")
    p.flag("members_only")
    p.flag("active")
    body = p.validate(RewardIn, {"percent_bp": "percent"})
    if "form" in p.errors:
        name, _, message = p.errors.pop("form").partition(": ")
        p.errors[{"percent_bp": "percent"}.get(name, name)] = message
    return body, p.errors
