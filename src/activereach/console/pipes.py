"""Settings → Data Pipes forms: provider field lists, form → ``PipeIn`` / ``PipePatch`` /
``TestIn``, and the pipes service's per-field errors mapped onto form inputs."""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from activereach.console.forms import pydantic_errors
from activereach.pipes import service
from activereach.pipes.mapping import FIELDS
from activereach.pipes.models import Pipe
from activereach.pipes.providers import PROVIDERS, get_provider
from activereach.pipes.schemas import PipeIn, PipePatch, TestIn

LABELS = {"square": "Square", "toast": "Toast", "lightspeed_x": "Lightspeed X-Series",
          "clover": "Clover", "shopify": "Shopify", "custom": "Custom POS"}
INT_SETTINGS = ("rotation_overlap_minutes", "reconcile_minutes")
TEXT_SETTINGS = ("notification_url", "api_base_url", "currency", "amounts", "default_location",
                 *INT_SETTINGS)
DELIVERY_STATUSES = ("received", "retrying", "dead", "processed", "duplicate", "stale", "ignored",
                     "held", "waiting", "failed", "rejected")
HINTS = {
    "signature_key": "Square Developer Dashboard → Webhooks → Signature key",
    "notification_url": "the URL Square posts to; blank = this pipe's own webhook URL",
    "signing_secret": "Toast webhook subscription secret",
    "client_secret": "the app's client secret (signs the webhooks)",
    "auth_code": "the X-Clover-Auth code",
    "secret": "blank = generate one (hex X-Signature or Standard Webhooks whsec_)",
    "api_base_url": "where the order API lives, e.g. https://connect.squareup.com",
    "access_token": "API token used to fetch orders / reconcile",
    "currency": "for payloads without one; blank = the brand's",
    "amounts": "custom pipes: minor (paise/cents) or major units",
    "reconcile_minutes": "poll the provider for missed orders every N minutes (0 = never)",
    "rotation_overlap_minutes": "how long the previous secret stays valid after a rotation",
}


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    secret: bool
    required: bool
    hint: str


def provider_fields(provider: str) -> list[Field]:
    """The settings a provider takes, secrets first, for the new/edit forms."""
    secret_names = get_provider(provider).secret_names
    allowed = service.COMMON | service.EXTRA[provider]
    order = [*secret_names, *TEXT_SETTINGS]
    names = [n for n in order if n in allowed and n not in {"location_map", "default_location"}]
    if provider != "custom":
        names = [n for n in names if n != "amounts"]
    return [Field(n, _label(n), n in secret_names,
                  n in service.REQUIRED[provider] and not _generated(provider, n),
                  HINTS.get(n, "")) for n in names]


def _label(name: str) -> str:
    return name.replace("_", " ").capitalize().replace("Api ", "API ").replace("url", "URL")


def _generated(provider: str, name: str) -> bool:
    return (provider == "custom" and name == "secret") or (
        provider == "square" and name == "notification_url")


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
    for spec in provider_fields(provider):
        value = form.get(spec.name, "").strip()
        if not value:
            continue
        if spec.name in INT_SETTINGS:
            if not value.isdigit():
                errors[spec.name] = f"settings.{spec.name}: a whole number of minutes"
                continue
            out[spec.name] = int(value)
        else:
            out[spec.name] = value.upper() if spec.name == "currency" else value
    if form.get("default_location", "").strip():
        out["default_location"] = form["default_location"].strip()
    out["location_map"] = parse_pairs(form.get("location_map", ""), "location_map", errors)
    if only_changed is not None:
        stored = {"location_map": {}, **only_changed}
        out = {k: v for k, v in out.items() if stored.get(k) != v}
    return out


def create_body(form: dict[str, str]) -> tuple[PipeIn | None, dict[str, str], dict[str, str]]:
    """(body, errors, secrets to show once) from the "New pipe" form."""
    provider = form.get("provider", "")
    errors: dict[str, str] = {}
    if provider == "activepos":
        data: dict[str, Any] = {"kind": "activepos", "name": form.get("name", "").strip(),
                                "location": form.get("location", "").strip() or None,
                                "terminal": form.get("terminal", "").strip() or None,
                                "pair": form.get("pair") == "on"}
        shown: dict[str, str] = {}
    elif provider in PROVIDERS:
        settings = _settings(provider, form, errors)
        if provider == "custom" and "secret" not in settings:
            settings["secret"] = new_secret()
        mapping = parse_pairs(form.get("mapping", ""), "mapping", errors)
        data = {"kind": "webhook", "provider": provider, "name": form.get("name", "").strip(),
                "settings": settings, "mapping": mapping}
        shown = {n: settings[n] for n in get_provider(provider).secret_names[:1] if n in settings}
    else:
        return None, {"provider": f"provider: one of activepos, {', '.join(PROVIDERS)}"}, {}
    try:
        body = PipeIn.model_validate(data)
    except ValidationError as exc:
        return None, {**errors, **pydantic_errors(exc)}, {}
    return (None if errors else body), errors, shown


def patch_body(pipe: Pipe, form: dict[str, str]) -> tuple[PipePatch | None, dict[str, str]]:
    """Only what changed: blank secrets are kept, a typed one rotates."""
    errors: dict[str, str] = {}
    data: dict[str, Any] = {"name": form.get("name", "").strip()}
    if pipe.kind == "webhook" and pipe.provider:
        settings = _settings(pipe.provider, form, errors, only_changed=pipe.settings)
        data["settings"] = settings or None
        mapping = parse_pairs(form.get("mapping", ""), "mapping", errors)
        data["mapping"] = mapping if mapping != (pipe.mapping or {}) else None
    try:
        body = PipePatch.model_validate(data)
    except ValidationError as exc:
        return None, {**errors, **pydantic_errors(exc)}
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


def service_errors(details: Any, message: str) -> dict[str, str]:
    """The pipes service's ``[{"field": "settings.x", "message"}]`` onto form inputs."""
    errors: dict[str, str] = {}
    for item in details if isinstance(details, list) else []:
        path = str(item.get("field", "form"))
        head, _, rest = path.partition(".")
        if head == "settings":
            key = rest.split(".")[0]
            name = key if key in {*TEXT_SETTINGS, "location_map"} or "secret" in key \
                or key in {"signature_key", "auth_code", "access_token"} else "settings"
        elif head == "mapping":
            name = "mapping"
        else:
            name = head
        errors.setdefault(name, f"{path}: {item.get('message', 'invalid')}")
    return errors or {"form": message}


def mapping_fields() -> list[str]:
    return sorted(FIELDS)
