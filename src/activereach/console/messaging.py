"""Helpers for the Messages (outbox) and Settings → Channels pages: filter parsing and the
channel form ↔ ``messaging.channels`` settings mapping (secrets are write-only)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from activereach.messaging.models import BRAND_SCOPE, ChannelSetting
from activereach.messaging.providers import CHANNEL_PROVIDERS, PROVIDERS

STATUSES = ("queued", "sent", "delivered", "read", "failed")
CHANNELS = ("whatsapp", "sms", "email")
LABELS = {"whatsapp": "WhatsApp", "sms": "SMS", "email": "Email", "whatsapp_cloud":
          "WhatsApp Cloud API", "twilio": "Twilio", "msg91": "MSG91 (DLT)", "smtp": "SMTP",
          "console": "Console (records, never sends)"}
INTEGER_KEYS = frozenset({"port"})


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
            errors["provider"] = f"choose one of {', '.join(CHANNEL_PROVIDERS[channel])}"
            provider = None
    config: dict[str, Any] = {}
    secrets: dict[str, str] = {}
    if provider:
        keys, secret_keys = provider_fields(provider, outlet)
        for key in keys:
            value = form.get(f"cfg.{provider}.{key}", "").strip()
            if not value:
                continue
            if key in INTEGER_KEYS:
                if not value.isdigit() or not 0 < int(value) < 65536:
                    errors[f"config.{key}"] = "a port number from 1 to 65535"
                    continue
                config[key] = int(value)
            else:
                config[key] = value
        for key in secret_keys:
            value = form.get(f"sec.{provider}.{key}", "")
            if value:
                secrets[key] = value
    return ChannelForm(provider=provider, enabled=form.get("enabled") == "on", config=config,
                       secrets=secrets, errors=errors)
