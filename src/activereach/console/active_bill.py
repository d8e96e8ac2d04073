"""Active Bill console form: bill-config tiers ↔ form fields, validated by the bills schema.

The page edits one tier at a time (brand, or one outlet's overrides).  A blank field is "not
set at this tier", so at the outlet tier it falls back to the brand value field by field
(``bills.config.resolve``).  Fields this form does not show at a tier are kept as stored, so a
value set through the API is never dropped by a console save.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from activereach.bills.schemas import SOCIAL_KEYS, BillConfigIn
from activereach.console.forms import pydantic_errors


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    group: str
    kind: str = "text"  # text | url | color | textarea | switch
    brand_only: bool = False
    hint: str = ""


FIELDS: tuple[Field, ...] = (
    Field("brand_name", "Brand name on the bill", "Identity", hint="blank uses the workspace name"),
    Field("logo_url", "Logo URL", "Identity", "url"),
    Field("primary_color", "Primary colour", "Identity", "color", hint="#rrggbb"),
    Field("accent_color", "Accent colour", "Identity", "color", hint="#rrggbb"),
    Field("footer_text", "Footer text", "Footer", "textarea", hint="at most 500 characters"),
    Field("terms_url", "Terms link", "Footer", "url"),
    Field("refund_policy", "Refund policy", "Footer", "textarea",
          hint="at most 1000 characters"),
    Field("show_rating", "Star rating strip", "Affordances", "switch"),
    Field("show_points", "Points earned · balance", "Affordances", "switch"),
    Field("show_membership", "“Become a member” link", "Affordances", "switch"),
    Field("show_review", "“Leave a review” link", "Affordances", "switch"),
    Field("membership_url", "Membership link target", "Affordances", "url"),
    Field("review_url", "Review link target", "Affordances", "url"),
    Field("rewards_url", "Rewards link target", "Affordances", "url",
          hint="blank links to /{outlet}/rewards"),
    Field("invoice_prefix", "Invoice prefix", "Invoice", hint="1–4 letters, digits or dashes"),
    Field("legal_name", "Legal name", "Seller for online orders", brand_only=True),
    Field("address", "Address", "Seller for online orders", brand_only=True),
    Field("phone", "Phone", "Seller for online orders", brand_only=True),
    Field("gstin", "GSTIN", "Seller for online orders", brand_only=True),
    Field("state_code", "State code", "Seller for online orders", brand_only=True,
          hint="two digits, e.g. 29"),
)
SOCIAL_LABELS = {"website": "Website", "instagram": "Instagram", "facebook": "Facebook",
                 "x": "X", "youtube": "YouTube", "linkedin": "LinkedIn", "whatsapp": "WhatsApp"}
LABELS = {f.name: f.label for f in FIELDS} | {
    f"social_{key}": f"{SOCIAL_LABELS[key]} link" for key in SOCIAL_KEYS} | {
    "social_links": "Social links"}
SWITCH_WORDS = {"on": True, "off": False}


def tier_fields(outlet: bool) -> tuple[Field, ...]:
    return tuple(f for f in FIELDS if not (outlet and f.brand_only))


def groups(outlet: bool) -> list[tuple[str, list[Field]]]:
    """Fields in display order, grouped under their heading."""
    out: list[tuple[str, list[Field]]] = []
    for f in tier_fields(outlet):
        if not out or out[-1][0] != f.group:
            out.append((f.group, []))
        out[-1][1].append(f)
    return out


def _text(value: Any) -> str:
    if value is True:
        return "on"
    if value is False:
        return "off"
    return "" if value is None else str(value)


def form_values(tier: dict[str, Any]) -> dict[str, str]:
    """A stored tier as the strings the inputs show (switches as "on" / "off" / "")."""
    values = {f.name: _text(tier.get(f.name)) for f in FIELDS}
    social = tier.get("social_links") or {}
    values.update({f"social_{key}": social.get(key, "") for key in SOCIAL_KEYS})
    return values


def inherited(brand_resolved: dict[str, Any]) -> dict[str, str]:
    """What each blank outlet field falls back to (the brand value, else the default)."""
    values = form_values(brand_resolved)
    for f in FIELDS:
        if f.kind == "switch":
            values[f.name] = "shown" if brand_resolved.get(f.name) else "hidden"
    return values


def _social_errors(raw: dict[str, str]) -> dict[str, str]:
    """Each network checked on its own, so the error names the one input that is wrong."""
    errors: dict[str, str] = {}
    for key in SOCIAL_KEYS:
        url = raw.get(f"social_{key}", "")
        if url:
            try:
                BillConfigIn(social_links={key: url})
            except ValidationError:
                errors[f"social_{key}"] = "must be an http(s) URL"
    return errors


def parse(form: dict[str, str], *, outlet: bool,
          existing: dict[str, Any]) -> tuple[BillConfigIn | None, dict[str, str], dict[str, str]]:
    """(validated tier or None, the values to show again, field errors) for one posted form."""
    fields = tier_fields(outlet)
    raw = {f.name: form.get(f.name, "").strip() for f in fields}
    raw.update({f"social_{key}": form.get(f"social_{key}", "").strip() for key in SOCIAL_KEYS})
    shown = {**form_values(existing), **raw}
    data = {k: v for k, v in existing.items() if k not in raw and k != "social_links"}
    for f in fields:
        value = raw[f.name]
        if f.kind == "switch":
            data[f.name] = SWITCH_WORDS.get(value)
        elif value:
            data[f.name] = value
    social = {key: raw[f"social_{key}"] for key in SOCIAL_KEYS if raw[f"social_{key}"]}
    data["social_links"] = social or None
    errors = _social_errors(raw)
    try:
        body = BillConfigIn.model_validate(data)
    except ValidationError as exc:
        errors = {**{k: v for k, v in pydantic_errors(exc).items() if k != "social_links"},
                  **errors}
        return None, shown, errors
    return (None if errors else body), shown, errors


def preview_config(brand: dict[str, Any], outlet: dict[str, Any], body: BillConfigIn,
                   editing_outlet: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    """The two tiers with the edited one replaced by the (unsaved) form values."""
    values = body.tier_values()
    return (brand, values) if editing_outlet else (values, outlet)


def overridden(outlet: dict[str, Any]) -> list[str]:
    """The fields an outlet sets itself, in form order (for the scope note and badges)."""
    names = [f.name for f in FIELDS] + ["social_links"]
    return [name for name in names if outlet.get(name) not in (None, "", {})]


def with_logo(tier: dict[str, Any], logo_url: str) -> BillConfigIn:
    """The stored tier with only its logo replaced (every other field kept as stored)."""
    return BillConfigIn.model_validate({**tier, "logo_url": logo_url})
