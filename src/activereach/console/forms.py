"""Form validation for console pages: field → message dicts that templates show beside inputs."""

from __future__ import annotations

import re
from typing import Any
from zoneinfo import available_timezones

from pydantic import BaseModel, ValidationError

from activereach.bills.assets import is_asset_path
from activereach.kit.money import MoneyError, currency_exponent

COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
URL_RE = re.compile(r"^https?://[^\s\"'<>]+$")


def pydantic_errors(exc: ValidationError) -> dict[str, str]:
    errors: dict[str, str] = {}
    for err in exc.errors():
        name = ".".join(str(p) for p in err.get("loc", ())) or "form"
        errors.setdefault(name, str(err.get("msg", "invalid")).removeprefix("Value error, "))
    return errors


def validate_model(model: type[BaseModel], data: dict[str, Any]) -> tuple[Any, dict[str, str]]:
    try:
        return model.model_validate(data), {}
    except ValidationError as exc:
        return None, pydantic_errors(exc)


def check_timezone(value: str, errors: dict[str, str], name: str = "timezone") -> None:
    if value and value not in available_timezones():
        errors[name] = f"unknown IANA timezone {value!r}"


def brand_errors(data: dict[str, str]) -> dict[str, str]:
    """Settings → General (brand tier): identity, colours, country, currency, timezone."""
    errors: dict[str, str] = {}
    if not 1 <= len(data.get("name", "")) <= 200:
        errors["name"] = "Enter a name (at most 200 characters)"
    if data.get("logo_url") and not (URL_RE.match(data["logo_url"])
                                     or is_asset_path(data["logo_url"])):
        errors["logo_url"] = "Enter a link starting with https:// (or upload a logo on Active Bill)"
    for name in ("primary_color", "accent_color"):
        if data.get(name) and not COLOR_RE.match(data[name]):
            errors[name] = "a colour like #6b3e26"
    if not re.fullmatch(r"[A-Za-z]{2}", data.get("country", "")):
        errors["country"] = "Enter the two-letter country code, e.g. IN"
    try:
        currency_exponent(data.get("currency", "").upper())
    except MoneyError:
        errors["currency"] = "Enter a three-letter currency code, e.g. INR"
    if not data.get("timezone"):
        errors["timezone"] = "Enter a timezone, e.g. Asia/Kolkata"
    check_timezone(data.get("timezone", ""), errors)
    return errors


def trimmed(form: dict[str, str], *names: str) -> dict[str, str]:
    return {name: form.get(name, "").strip() for name in names}
