"""Settings → Receipt templates: the form ↔ template content mapping at the brand tier or an
outlet's (blank = inherit), validation messages in people's words, and the preview views
(WhatsApp bubble, SMS segments and DLT check, email frame) built from a rendered preview."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from activereach.kit.errors import Unprocessable
from activereach.messaging import sms
from activereach.messaging.schemas import (EmailTemplateIn, OutletEmailTemplateIn,
                                           OutletSmsTemplateIn, OutletWhatsAppTemplateIn,
                                           SmsTemplateIn, WhatsAppTemplateIn)

SCHEMAS: dict[str, type[BaseModel]] = {
    "whatsapp": WhatsAppTemplateIn, "sms": SmsTemplateIn, "email": EmailTemplateIn}
OUTLET_SCHEMAS: dict[str, type[BaseModel]] = {
    "whatsapp": OutletWhatsAppTemplateIn, "sms": OutletSmsTemplateIn,
    "email": OutletEmailTemplateIn}
# Form fields holding one value per line (lists in the template).
LIST_FIELDS = {"body_params", "variables"}
# Fields whose whitespace is part of the template.
VERBATIM = {"text", "html", "body_text"}
FIELDS: dict[str, list[tuple[str, str, str, str]]] = {
    # (name, label, input kind, help)
    "whatsapp": [
        ("template_name", "Approved template name", "text",
         "Exactly as in WhatsApp Manager, e.g. active_bill_receipt."),
        ("language", "Language code", "text", "The template's language, e.g. en, en_US, hi."),
        ("body_params", "Body parameters, one per line", "area",
         "Each fills {{1}}, {{2}}… of the body in order."),
        ("button_index", "URL button position", "text", "0 for the first button."),
        ("header_text", "Header (as approved)", "text", "For the preview only."),
        ("body_text", "Body text (as approved)", "area",
         "For the preview: the approved body with {{1}}, {{2}}…"),
        ("footer_text", "Footer (as approved)", "text", "For the preview only."),
        ("button_label", "Button label (as approved)", "text", "e.g. View bill."),
        ("button_url", "Button link (as approved)", "text",
         "e.g. https://brand.bills.example/b/{{1}}; blank: the bill link."),
    ],
    "sms": [
        ("dlt_text", "DLT-registered text", "area",
         "Word for word as registered, with {#var#} for each variable; blank: the default."),
        ("variables", "Variables, one per line", "area", "In the order of the {#var#}s."),
    ],
    "email": [
        ("subject", "Subject", "text", ""),
        ("text", "Plain-text body", "area", ""),
        ("html", "HTML body", "area", ""),
    ],
}
LABELS = {ch: {name: label for name, label, _, _ in fields} for ch, fields in FIELDS.items()}


def words(channel: str, error: dict[str, Any]) -> tuple[str, str]:
    """(field, message) for the first pydantic error, said the way a person would."""
    loc = [str(p) for p in error.get("loc") or ()]
    name = loc[0] if loc else "form"
    label = LABELS[channel].get(name, name).lower()
    kind, ctx = str(error.get("type") or ""), error.get("ctx") or {}
    if kind in ("missing", "string_too_short"):
        return name, f"Enter the {label}"
    if kind in ("string_too_long", "too_long"):
        limit = ctx.get("max_length", "")
        unit = "lines" if name in LIST_FIELDS else "characters"
        return name, f"Keep the {label} to {limit} {unit} or fewer"
    if kind == "string_pattern_mismatch":
        if name == "button_url":
            return name, "Start the link with https://"
        return name, "Use lower-case letters, digits and _ only"
    if kind in ("int_parsing", "int_type", "greater_than_equal", "less_than_equal"):
        return name, "Enter a whole number from 0 to 9"
    return name, f"Check the {label}"


def field_of(service_field: str) -> str:
    """``body_params[0]`` → ``body_params``; ``sms`` (a render problem) → ``dlt_text``."""
    base = service_field.split("[", 1)[0].split(".", 1)[0]
    return {"sms": "dlt_text"}.get(base, base)


def content_from_form(channel: str, form: dict[str, str], outlet: bool) -> dict[str, Any]:
    """The template fields the form posted; at an outlet a blank field is left out (inherit).
    Raises Unprocessable naming the field, in people's words."""
    schema = (OUTLET_SCHEMAS if outlet else SCHEMAS)[channel]
    raw: dict[str, Any] = {}
    for name in schema.model_fields:
        value = form.get(name, "")
        if name in LIST_FIELDS:
            lines = [line.strip() for line in value.splitlines() if line.strip()]
            if lines or not outlet:
                raw[name] = lines
        elif value.strip():
            raw[name] = value if name in VERBATIM else value.strip()
    try:
        return schema.model_validate(raw).model_dump(exclude_none=True)
    except ValidationError as exc:
        name, message = words(channel, dict(exc.errors()[0]))
        raise Unprocessable.field(name, message) from exc


def shown_value(value: Any) -> str:
    """A stored field as the form shows it (lists one per line)."""
    if value is None:
        return ""
    if isinstance(value, list):
        return "\n".join(str(v) for v in value)
    return str(value)


def sms_view(content: dict[str, Any]) -> dict[str, Any]:
    """The SMS as sent: its text, encoding and parts, and the DLT check."""
    text = str(content.get("text") or "")
    info = sms.segments(text)
    check = sms.dlt_check(str(content.get("dlt_text") or ""), text) \
        if content.get("dlt_text") else None
    return {"text": text, "info": info, "dlt": check, "dlt_text": content.get("dlt_text")}
