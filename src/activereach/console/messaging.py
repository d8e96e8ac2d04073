"""Helpers for the Messages (outbox) and Settings → Channels pages: filter parsing and the
channel form ↔ ``messaging.channels`` settings mapping (secrets are write-only)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.bills.service import invoice_numbers
from activereach.contacts.models import Contact
from activereach.contacts.rules import mask_email, mask_phone
from activereach.messaging.models import BRAND_SCOPE, ChannelSetting, Message
from activereach.messaging.providers import CHANNEL_PROVIDERS, PROVIDERS
from activereach.messaging.providers.base import Setting

STATUSES = ("queued", "sent", "delivered", "read", "failed")
CHANNELS = ("whatsapp", "sms", "email")
LABELS = {"whatsapp": "WhatsApp", "sms": "SMS", "email": "Email", "whatsapp_cloud":
          "WhatsApp Cloud API", "twilio": "Twilio", "msg91": "MSG91 (DLT)", "smtp": "SMTP",
          "console": "Console (records, never sends)"}


def setting(provider: str, key: str) -> Setting:
    """The label, help and input kind of one provider setting (its own file describes it)."""
    return PROVIDERS[provider].settings.get(key) or Setting(key.replace("_", " ").capitalize())


def _parse_value(provider: str, key: str, value: str,
                 errors: dict[str, str]) -> Any:
    """A typed form value by the setting's kind; None (and an error) when it does not parse."""
    spec = setting(provider, key)
    if spec.kind == "number":
        if not value.isdigit() or not 0 < int(value) < 65536:
            errors[f"config.{key}"] = f"Enter a whole number for {spec.label.lower()}"
            return None
        return int(value)
    if spec.kind == "bool":
        return value == "yes"
    if spec.kind == "choice" and value not in spec.choices:
        errors[f"config.{key}"] = f"Choose one of {', '.join(spec.choices)}"
        return None
    return value


@dataclass
class OutboxFilter:
    status: str | None = None
    channel: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def _local_day(raw: str, tz: ZoneInfo, name: str, errors: dict[str, str]) -> dt.datetime | None:
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        errors[name] = "a date like 2026-11-25"
        return None
    return dt.datetime.combine(day, dt.time(), tzinfo=tz).astimezone(dt.UTC)


def outbox_filter(params: dict[str, str], timezone: str) -> OutboxFilter:
    """status/channel/from/to from the query; dates are the brand's local days (inclusive)."""
    values = {k: params.get(k, "").strip() for k in ("status", "channel", "from", "to")}
    out = OutboxFilter(values=values)
    if values["status"]:
        if values["status"] in STATUSES:
            out.status = values["status"]
        else:
            out.errors["status"] = f"one of {', '.join(STATUSES)}"
    if values["channel"]:
        if values["channel"] in CHANNELS:
            out.channel = values["channel"]
        else:
            out.errors["channel"] = f"one of {', '.join(CHANNELS)}"
    tz = ZoneInfo(timezone)
    if values["from"]:
        out.since = _local_day(values["from"], tz, "from", out.errors)
    if values["to"]:
        end = _local_day(values["to"], tz, "to", out.errors)
        out.until = end + dt.timedelta(days=1) if end else None
    if out.since and out.until and out.since >= out.until:
        out.errors["to"] = "must not be before from"
    return out


# ---- channels ---------------------------------------------------------------------------

def provider_fields(provider: str, outlet: bool) -> tuple[list[str], list[str]]:
    """(config keys, secret keys) the form shows for a provider at the brand or outlet tier."""
    spec = PROVIDERS[provider]
    if outlet:
        return ([k for k in spec.outlet_keys if k not in spec.secret_keys],
                [k for k in spec.outlet_keys if k in spec.secret_keys])
    return list(spec.required) + [k for k in spec.optional if k not in spec.required], \
        list(spec.secret_keys)


def channel_views(rows: list[ChannelSetting], location_id: str | None) -> dict[str, Any]:
    """Per channel: the brand tier row and (with an outlet chip) that outlet's pinning row."""
    brand = {r.channel: r for r in rows if r.scope_key == BRAND_SCOPE}
    pins = {r.channel: r for r in rows if location_id and r.scope_key == location_id}
    pinned_count = {ch: sum(1 for r in rows if r.channel == ch and r.scope_key != BRAND_SCOPE)
                    for ch in CHANNELS}
    return {ch: {"brand": brand.get(ch), "pin": pins.get(ch), "pinned": pinned_count[ch],
                 "providers": CHANNEL_PROVIDERS[ch]} for ch in CHANNELS}


@dataclass
class ChannelForm:
    provider: str | None
    enabled: bool
    config: dict[str, Any]
    secrets: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)


def parse_channel_form(form: dict[str, str], channel: str, brand: ChannelSetting | None,
                       outlet: bool) -> ChannelForm:
    """Brand tier: the chosen provider's fields (``cfg.<provider>.<key>``, ``sec.…``). Outlet
    tier: the sender fields of the brand's provider. Blank config falls back to the provider's
    default; a blank secret keeps the stored one."""
    errors: dict[str, str] = {}
    if outlet:
        provider = brand.provider if brand else None
    else:
        provider = form.get("provider", "").strip() or None
        if provider not in CHANNEL_PROVIDERS[channel]:
            names = ", ".join(LABELS.get(p, p) for p in CHANNEL_PROVIDERS[channel])
            errors["provider"] = f"Choose a provider: {names}"
            provider = None
    config: dict[str, Any] = {}
    secrets: dict[str, str] = {}
    if provider:
        keys, secret_keys = provider_fields(provider, outlet)
        for key in keys:
            value = form.get(f"cfg.{provider}.{key}", "").strip()
            if not value:
                continue
            parsed = _parse_value(provider, key, value, errors)
            if parsed is not None:
                config[key] = parsed
        for key in secret_keys:
            value = form.get(f"sec.{provider}.{key}", "")
            if value:
                secrets[key] = value
    return ChannelForm(provider=provider, enabled=form.get("enabled") == "on", config=config,
                       secrets=secrets, errors=errors)


def error_words(provider: str | None, field: str, message: str) -> tuple[str, str]:
    """A service error (``config.phone_number_id: required for whatsapp_cloud``) as the form
    shows it: the setting's label and the message in people's words."""
    kind, _, key = field.partition(".")
    if provider is None or kind not in ("config", "secrets") or not key:
        return field, message
    label = setting(provider, key).label
    if message.startswith("required"):
        return field, f"Enter the {label[0].lower() + label[1:]}"
    return field, message


def display_value(provider: str, key: str, value: Any) -> str:
    """A stored setting as people read it: yes/no for a switch, the value otherwise."""
    if setting(provider, key).kind == "bool":
        return "yes" if value else "no"
    return "" if value is None else str(value)


def form_value(provider: str, key: str, value: Any) -> str:
    """A stored setting as its input holds it (a switch: ``yes``/``no``)."""
    if value is None or value == "":
        return ""
    return display_value(provider, key, value)


# ---- the outbox, for people ----------------------------------------------------------------

@dataclass(frozen=True)
class Party:
    """Who a message went to and for which bill, as the outbox shows it."""

    customer: str
    to: str
    invoice: str


def masked(channel: str, recipient: str) -> str:
    return mask_email(recipient) if channel == "email" else mask_phone(recipient)


async def parties(session: AsyncSession, workspace_id: str,
                  rows: list[Message]) -> dict[str, Party]:
    """Per message: the customer's name (or "—"), the masked recipient, the invoice number; two
    queries for a whole page."""
    contact_ids = {m.contact_id for m in rows if m.contact_id}
    names: dict[str, str] = {}
    if contact_ids:
        found = await session.execute(select(Contact.id, Contact.name).where(
            Contact.workspace_id == workspace_id, Contact.id.in_(contact_ids)))
        names = {cid: name for cid, name in found.all() if name}
    invoices = await invoice_numbers(session, workspace_id,
                                     {m.order_id for m in rows if m.order_id})
    return {m.id: Party(customer=names.get(m.contact_id or "", "—"),
                        to=masked(m.channel, m.recipient),
                        invoice=invoices.get(m.order_id or "", "")) for m in rows}


def history(entries: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """Status history with ``at`` as a datetime (the page shows it in local time)."""
    out = []
    for entry in entries or []:
        try:
            at: dt.datetime | None = dt.datetime.fromisoformat(str(entry.get("at")))
        except ValueError:
            at = None
        out.append({**entry, "at": at})
    return out
