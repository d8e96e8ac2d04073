"""A webhook pipe's ``settings`` checked against its provider's declared settings.

Every key must be one the provider declares (``Provider.settings``), every value must fit its
setting's type, and on create every required setting must be there.  Errors are
``{"field": "settings.<name>", "message"}``, one per problem, for a 422 naming each field.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from activereach.kit import outbound
from activereach.kit.money import MoneyError, currency_exponent
from activereach.pipes.providers import get_provider
from activereach.pipes.providers.base import Provider
from activereach.pipes.providers.spec import MAX_MINUTES, Setting


def settings_errors(provider_name: str, settings: dict[str, Any], *,
                    creating: bool) -> list[dict[str, str]]:
    provider = get_provider(provider_name)
    declared = {s.name: s for s in provider.settings}
    errors = []
    for key, value in settings.items():
        setting = declared.get(key)
        problem = (f"unknown setting for {provider.label}; one of {', '.join(sorted(declared))}"
                   if setting is None else value_problem(setting, value, provider))
        if problem:
            errors.append({"field": f"settings.{key}", "message": problem})
    if creating:
        errors += [{"field": f"settings.{s.name}",
                    "message": f"required for {provider.label} ({s.help})"}
                   for s in provider.settings if s.required and s.name not in settings]
    return errors


def value_problem(setting: Setting, value: Any, provider: Provider) -> str | None:
    """Why ``value`` does not fit ``setting``; None when it does."""
    kind = setting.type
    if kind == "api_url":
        # Called with the pipe's access token, its reply ingested (issue 18 #1).
        return outbound.url_problem(value, provider.hosts)
    if kind == "url":
        # Only signed over, never called: any http(s) URL.
        parsed = urlparse(str(value))
        return None if parsed.scheme in {"http", "https"} and parsed.netloc \
            else "must be an http(s) URL"
    if kind == "location_map":
        return None if isinstance(value, dict) and all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()) \
            else "must map provider location ids to outlet codes"
    if kind == "minutes":
        return None if isinstance(value, int) and 0 <= value <= MAX_MINUTES \
            else f"must be an integer of minutes (0–{MAX_MINUTES})"
    if kind == "choice":
        return None if value in setting.choices \
            else "must be " + " or ".join(repr(c) for c in setting.choices)
    if kind == "currency":
        try:
            currency_exponent(str(value))
        except MoneyError as exc:
            return str(exc)
        return None
    return None if isinstance(value, str) and value else "must be a non-empty string"
