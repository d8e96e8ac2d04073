"""Loyalty page forms: people type money in major units, shares and multipliers as percent or
"1.5"; the loyalty API's shapes (minor units, basis points) are built here and validated by
the loyalty schemas, so the rules live in one place."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import BaseModel, ValidationError

from activereach.console.catalog import major as major_units
from activereach.console.web import zone
from activereach.kit.money import MoneyError, major_to_minor
from activereach.console.event_labels import ADJUST_REASONS
from activereach.loyalty.schemas import ProgramIn, RewardIn, RuleIn, TierIn

PROGRAM_TEXT = ("name", "points_name", "negative_policy", "recredit_redeemed", "tier_basis")
PROGRAM_INTS = ("pending_days", "min_redeem_points", "hold_ttl_seconds", "tier_window_days")


class Parsed:
    """Collects converted values and per-field errors for one form."""

    def __init__(self, form: dict[str, str], currency: str, tz: str | None = None) -> None:
        self.form, self.currency, self.tz = form, currency, tz
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
            self.errors[name] = "enter a whole number"

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
            self.errors[name] = "enter a number"
            return
        if value != value.to_integral_value():
            self.errors[name] = "too many decimals"
            return
        self.data[target] = int(value)

    def flag(self, name: str) -> None:
        self.data[name] = self.form.get(name) == "on"

    def window(self) -> None:
        """"Valid from" and "valid until" as local dates in the brand's timezone: from the
        start of the first day to the end of the last (stored as the next day's midnight)."""
        days: dict[str, dt.date] = {}
        for name in ("valid_from", "valid_until"):
            if not self.raw(name):
                continue
            try:
                days[name] = dt.date.fromisoformat(self.raw(name))
            except ValueError:
                self.errors[name] = "enter a date such as 2026-12-31"
        if "valid_from" in days and "valid_until" in days and \
                days["valid_until"] < days["valid_from"]:
            self.errors["valid_until"] = "the last day cannot be before the first day"
            return
        here = zone(self.tz)
        for name, day in days.items():
            if name == "valid_until":
                day += dt.timedelta(days=1)
            self.data[name] = dt.datetime.combine(day, dt.time(), here).astimezone(dt.UTC)

    def validate(self, model: type[BaseModel], renames: dict[str, str]) -> Any:
        try:
            body = model.model_validate(self.data)
        except ValidationError as exc:
            for err in exc.errors():
                key = ".".join(str(p) for p in err.get("loc", ())) or "form"
                self.errors.setdefault(renames.get(key, key), in_words(err))
            return None
        return None if self.errors else body


def in_words(err: Any) -> str:
    """A pydantic error as people read it ("enter a value", "at most 100"), not its text."""
    kind, ctx = err.get("type", ""), err.get("ctx") or {}
    if kind in ("missing", "string_too_short"):
        return "enter a value"
    if kind == "string_too_long":
        return f"at most {ctx.get('max_length')} characters"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        word = {"greater_than_equal": "at least", "greater_than": "more than",
                "less_than_equal": "at most", "less_than": "less than"}[kind]
        return f"{word} {next(iter(ctx.values()), '')}"
    if kind == "literal_error":
        return "choose one of the options"
    return str(err.get("msg", "not valid")).removeprefix("Value error, ")


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


def rule_form(form: dict[str, str], currency: str, location_id: str | None,
              tz: str | None = None) -> tuple[RuleIn | None, dict[str, str]]:
    p = Parsed(form, currency, tz)
    p.window()
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


def reward_form(form: dict[str, str], currency: str,
                tz: str | None = None) -> tuple[RewardIn | None, dict[str, str]]:
    p = Parsed(form, currency, tz)
    p.window()
    p.text("name", "kind", "sku", "terms", "min_tier_id")
    p.integer("points_cost")
    p.integer("item_quantity")
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


# ---- prefilling an edit form: the stored row in the units people type ------------------------

def _day(iso: str | None, tz: str | None, *, last: bool = False) -> str:
    """A stored window bound as the local date the form shows (an end is the day before)."""
    if not iso:
        return ""
    moment = dt.datetime.fromisoformat(iso).astimezone(zone(tz))
    return (moment.date() - dt.timedelta(days=1 if last else 0)).isoformat()


def _on(value: Any) -> str:
    return "on" if value else ""


def rule_values(doc: dict[str, Any], currency: str, tz: str | None) -> dict[str, str]:
    return {"kind": doc["kind"], "event_name": doc["event_name"],
            "points_per_unit": str(doc["points_per_unit"]),
            "spend_unit": major_units(doc["spend_unit"], currency),
            "fixed_points": str(doc["fixed_points"]), "cooldown_hours": str(doc["cooldown_hours"]),
            "excluded_skus": ", ".join(doc["excluded_skus"]),
            "excluded_categories": ", ".join(doc["excluded_categories"]),
            "exclude_discounted": _on(doc["exclude_discounted"]), "active": _on(doc["active"]),
            "valid_from": _day(doc["valid_from"], tz),
            "valid_until": _day(doc["valid_until"], tz, last=True)}


def tier_values(doc: dict[str, Any], currency: str, basis: str) -> dict[str, str]:
    threshold = (major_units(doc["threshold"], currency) if basis == "spend"
                 else str(doc["threshold"]))
    return {"name": doc["name"], "threshold": threshold,
            "multiplier": f"{Decimal(doc['multiplier_bp']) / 10_000:f}".rstrip("0").rstrip("."),
            "badge": doc["badge"] or ""}


def reward_values(doc: dict[str, Any], currency: str, tz: str | None) -> dict[str, str]:
    return {"name": doc["name"], "kind": doc["kind"], "points_cost": str(doc["points_cost"]),
            "amount": major_units(doc["amount"], currency) if doc["amount"] else "",
            "percent": f"{Decimal(doc['percent_bp']) / 100:f}".rstrip("0").rstrip(".")
            if doc["percent_bp"] else "",
            "min_bill": major_units(doc["min_bill"], currency) if doc["min_bill"] else "",
            "sku": doc["sku"] or "", "item_quantity": str(doc["item_quantity"]),
            "stock_cap": "" if doc["stock_cap"] is None else str(doc["stock_cap"]),
            "per_customer_cap": "" if doc["per_customer_cap"] is None
            else str(doc["per_customer_cap"]),
            "terms": doc["terms"], "min_tier_id": doc["min_tier_id"] or "",
            "members_only": _on(doc["members_only"]), "active": _on(doc["active"]),
            "valid_from": _day(doc["valid_from"], tz),
            "valid_until": _day(doc["valid_until"], tz, last=True)}


def adjust_form(form: dict[str, str]) -> tuple[dict[str, Any] | None, dict[str, str]]:
    """Add or remove points: a whole number above zero, a reason from the list, a note."""
    errors: dict[str, str] = {}
    raw = form.get("points", "").strip()
    points = int(raw) if raw.isdigit() else 0
    if points <= 0:
        errors["points"] = "enter a whole number of points above zero"
    direction = form.get("direction", "")
    if direction not in ("add", "remove"):
        errors["direction"] = "choose add or remove"
    reason = form.get("reason", "").strip()
    if reason not in ADJUST_REASONS:
        errors["reason"] = "choose a reason"
    note = " ".join(form.get("note", "").split())
    if len(note) > 300:
        errors["note"] = "at most 300 characters"
    if reason == "Other" and not note:
        errors["note"] = "say what the adjustment is for"
    key = form.get("adjust_key", "").strip()
    if not 8 <= len(key) <= 100:
        errors["form"] = "the form has expired: reload the page and try again"
    if errors:
        return None, errors
    signed = points if direction == "add" else -points
    text = f"{reason} — {note}" if note else reason
    return {"points": signed, "reason": text, "key": key}, errors
