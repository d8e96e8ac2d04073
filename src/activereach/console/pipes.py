"""Settings → Data Pipes forms: provider field lists, form → ``PipeIn`` / ``PipePatch`` /
``TestIn``, and the pipes service's per-field errors mapped onto form inputs."""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from activereach.console.forms import pydantic_errors
from activereach.pipes.mapping import FIELDS
from activereach.pipes.pipe_settings import settings_errors
from activereach.pipes.models import Pipe
from activereach.pipes.providers import PROVIDERS, get_provider
from activereach.pipes.providers.spec import Setting
from activereach.pipes.schemas import PipeIn, PipePatch, TestIn

LABELS = {name: get_provider(name).label for name in PROVIDERS}
# Drawn by the templates themselves (an outlet picker, a textarea of lines), not as text inputs.
OWN_INPUTS = ("location_map", "outlet")
DELIVERY_STATUSES = ("received", "retrying", "dead", "processed", "duplicate", "stale", "ignored",
                     "held", "waiting", "failed", "rejected")


@dataclass(frozen=True)
class Field:
    """One text input of the new/edit pipe form, from the provider's ``Setting``."""

    name: str
    label: str
    secret: bool
    required: bool      # must be typed: required and not filled in when left blank
    hint: str
    placeholder: str    # "e.g. " the setting's example (not a default); none for a secret


def provider_fields(provider: str) -> list[Field]:
    """The provider's settings drawn as text inputs, secrets first, for the new/edit forms."""
    settings = [s for s in get_provider(provider).settings if s.type not in OWN_INPUTS]
    ordered = [s for s in settings if s.secret] + [s for s in settings if not s.secret]
    return [Field(s.name, s.label, s.secret, s.required and s.blank_default is None, s.help,
                  "" if s.secret else f"e.g. {s.example}") for s in ordered]


def location_settings(provider: str) -> dict[str, Setting]:
    """The settings the templates draw themselves, by type (``location_map``, ``outlet``)."""
    return {s.type: s for s in get_provider(provider).settings if s.type in OWN_INPUTS}


def secret_settings(provider: str) -> set[str]:
    """Names never echoed back into a form (a provider the console does not know: none)."""
    if provider not in PROVIDERS:
        return set()
    return {s.name for s in get_provider(provider).settings if s.secret}


def new_secret() -> str:
    """A Standard Webhooks style secret (also usable as the hex X-Signature key)."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def parse_pairs(text: str, field: str, errors: dict[str, str]) -> dict[str, str]:
    """``key = value`` per line (blank lines and ``#`` comments skipped)."""
    pairs: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip() or not value.strip():
            errors.setdefault(field, f"line {number}: write it as 'key = value'")
            continue
        pairs[key.strip()] = value.strip()
    return pairs


def format_pairs(pairs: dict[str, Any]) -> str:
    return "\n".join(f"{k} = {v}" for k, v in pairs.items())


def _settings(provider: str, form: dict[str, str], errors: dict[str, str],
              only_changed: dict[str, Any] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for setting in get_provider(provider).settings:
        if setting.type == "location_map":
            out[setting.name] = parse_pairs(form.get(setting.name, ""), setting.name, errors)
            continue
        value = form.get(setting.name, "").strip()
        if not value:
            continue
        if setting.type == "minutes":
            if not value.isdigit():
                errors[setting.name] = f"settings.{setting.name}: a whole number of minutes"
                continue
            out[setting.name] = int(value)
        else:
            out[setting.name] = value.upper() if setting.type == "currency" else value
    if only_changed is not None:
        stored = {"location_map": {}, **only_changed}
        out = {k: v for k, v in out.items() if stored.get(k) != v}
    return out


# What to type, per field a person left blank: said the way a person would say it.
BLANK = {"name": "Enter a name", "location": "Choose an outlet",
         "terminal": "Enter the terminal ID, e.g. T1"}


def required_errors(provider: str, form: dict[str, str]) -> dict[str, str]:
    """Every required field of the New-pipe form left blank, each in people's words."""
    wanted = ["name", "location", "terminal"] if provider == "activepos" else ["name"]
    errors = {name: BLANK[name] for name in wanted if not form.get(name, "").strip()}
    if provider in PROVIDERS:
        for f in provider_fields(provider):
            if f.required and not form.get(f.name, "").strip():
                errors[f.name] = f"Enter the {f.label[:1].lower()}{f.label[1:]}"
    return errors


def people_errors(exc: ValidationError) -> dict[str, str]:
    """Pydantic's errors on the pipe form, each said the way a person would (not "String should
    have at least 1 character")."""
    errors: dict[str, str] = {}
    for err in exc.errors():
        name = ".".join(str(p) for p in err.get("loc", ())) or "form"
        kind, ctx = err.get("type", ""), err.get("ctx") or {}
        if kind in {"string_too_short", "missing"}:
            message = BLANK.get(name, "Fill this in")
        elif kind == "string_too_long":
            message = f"Use at most {ctx.get('max_length', 200)} characters"
        else:
            message = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        errors.setdefault(name, message)
    return errors


def create_body(form: dict[str, str]) -> tuple[PipeIn | None, dict[str, str], dict[str, str]]:
    """(body, errors, secrets to show once) from the "New pipe" form."""
    provider = form.get("provider", "")
    errors: dict[str, str] = required_errors(provider, form)
    if provider == "activepos":
        data: dict[str, Any] = {"kind": "activepos", "name": form.get("name", "").strip(),
                                "location": form.get("location", "").strip() or None,
                                "terminal": form.get("terminal", "").strip() or None,
                                "pair": form.get("pair") == "on"}
        shown: dict[str, str] = {}
    elif provider in PROVIDERS:
        settings = _settings(provider, form, errors)
        adapter = get_provider(provider)
        for setting in adapter.settings:
            if setting.blank_default == "new_secret" and setting.name not in settings:
                settings[setting.name] = new_secret()
        mapping = parse_pairs(form.get("mapping", ""), "mapping", errors)
        data = {"kind": "webhook", "provider": provider, "name": form.get("name", "").strip(),
                "settings": settings, "mapping": mapping}
        signing = adapter.signing_secret
        shown = {signing: settings[signing]} if signing in settings else {}
        _settings_problems(provider, settings, errors)
    else:
        return None, {"provider": f"provider: one of activepos, {', '.join(PROVIDERS)}"}, {}
    try:
        body = PipeIn.model_validate(data)
    except ValidationError as exc:
        return None, {**people_errors(exc), **errors}, {}
    return (None if errors else body), errors, shown


def _settings_problems(provider: str, settings: dict[str, Any], errors: dict[str, str]) -> None:
    """The service's own check of the settings, run here too so one submit names every problem
    (a blank required field keeps its people's-words message); a setting the service fills in
    when blank (the pipe's webhook URL) is not "missing"."""
    filled = {s.name for s in get_provider(provider).settings if s.blank_default}
    found = [e for e in settings_errors(provider, settings, creating=True)
             if e["field"].removeprefix("settings.") not in filled]
    if found:
        for name, message in service_errors(found, "", provider).items():
            errors.setdefault(name, message)


def patch_body(pipe: Pipe, form: dict[str, str]) -> tuple[PipePatch | None, dict[str, str]]:
    """Only what changed: blank secrets are kept, a typed one rotates."""
    errors: dict[str, str] = {}
    data: dict[str, Any] = {"name": form.get("name", "").strip()}
    if pipe.kind == "webhook" and pipe.provider:
        settings = _settings(pipe.provider, form, errors, only_changed=pipe.settings)
        data["settings"] = settings or None
        mapping = parse_pairs(form.get("mapping", ""), "mapping", errors)
        data["mapping"] = mapping if mapping != (pipe.mapping or {}) else None
    if not data["name"]:
        errors["name"] = BLANK["name"]
    try:
        body = PipePatch.model_validate(data)
    except ValidationError as exc:
        return None, {**people_errors(exc), **errors}
    return (None if errors else body), errors


def test_body(form: dict[str, str]) -> tuple[TestIn | None, dict[str, str]]:
    errors: dict[str, str] = {}
    headers = _colon_headers(form.get("headers", ""), errors)
    mapping_text = form.get("mapping", "").strip()
    data = {"payload": form.get("payload", "").strip() or None,
            "payload_kind": form.get("payload_kind") or None,
            "verify": form.get("verify") == "on", "headers": headers,
            "mapping": parse_pairs(mapping_text, "mapping", errors) if mapping_text else None}
    if errors:
        return None, errors
    try:
        return TestIn.model_validate(data), errors
    except ValidationError as exc:
        return None, {**errors, **pydantic_errors(exc)}


def _colon_headers(text: str, errors: dict[str, str]) -> dict[str, str]:
    """Headers pasted as ``Name: value`` lines (the way providers document them)."""
    found = {}
    for number, line in enumerate(text.splitlines(), 1):
        name, sep, value = line.strip().partition(":")
        if not line.strip():
            continue
        if not sep or not name.strip():
            errors.setdefault("headers", f"line {number}: write it as 'Header-Name: value'")
            continue
        found[name.strip()] = value.strip()
    return found


def service_errors(details: Any, message: str, provider: str | None) -> dict[str, str]:
    """The pipes service's ``[{"field": "settings.x", "message"}]`` onto form inputs: a setting
    the provider declares has an input of its name; any other lands at the form's top."""
    declared = {s.name for s in get_provider(provider).settings} \
        if provider in PROVIDERS else set()
    errors: dict[str, str] = {}
    for item in details if isinstance(details, list) else []:
        path = str(item.get("field", "form"))
        head, _, rest = path.partition(".")
        if head == "settings":
            key = rest.split(".")[0]
            name = key if key in declared else "settings"
        elif head == "mapping":
            name = "mapping"
        else:
            name = head
        errors.setdefault(name, f"{path}: {item.get('message', 'invalid')}")
    return errors or {"form": message}


def mapping_fields() -> list[str]:
    return sorted(FIELDS)


def pipe_state(pipe: Pipe) -> dict[str, Any]:
    """What an audit entry shows of a pipe: the fields people edit (the settings stored in the
    clear; secrets live apart, encrypted, and are never part of it)."""
    state: dict[str, Any] = {"name": pipe.name, "status": pipe.status,
                             "source": LABELS.get(pipe.provider or "", "ActivePOS")}
    if pipe.kind == "activepos":
        state.update(outlet=pipe.location_id, terminal=pipe.terminal_id)
    else:
        state.update({name: value for name, value in (pipe.settings or {}).items()},
                     mapping=dict(pipe.mapping or {}))
    return state


def rotated_secrets(provider: str | None, body: PipePatch) -> list[str]:
    """The secrets a saved edit typed in (and so rotated): named, never their values."""
    typed = body.settings or {}
    return sorted(n for n in secret_settings(provider or "") if typed.get(n))
