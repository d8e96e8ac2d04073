"""Channel settings: the workspace tier, outlet sender pinning, encrypted credentials, resolution."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.kit import crypto, outbound
from activereach.kit.cache import TenantCache
from activereach.kit.db import utcnow
from activereach.kit.errors import NotFound, Unprocessable
from activereach.kit.ids import new_id
from activereach.messaging.models import BRAND_SCOPE, ChannelSetting
from activereach.messaging.providers import CHANNEL_PROVIDERS, PROVIDERS


@dataclass(frozen=True)
class ResolvedChannel:
    """What a send needs: the provider, merged config (outlet over brand) and decrypted secrets."""

    channel: str
    provider: str
    config: dict[str, Any]
    secrets: dict[str, str]


def _check_channel(channel: str) -> None:
    if channel not in CHANNEL_PROVIDERS:
        raise NotFound(f"channel: no channel {channel!r}; one of whatsapp, sms, email")


def _validate(channel: str, provider: str, config: dict[str, Any], secrets: dict[str, str],
              *, outlet: bool) -> None:
    if provider not in CHANNEL_PROVIDERS[channel]:
        raise Unprocessable.field("provider", f"{provider!r} cannot carry {channel}; one of "
                                  f"{', '.join(CHANNEL_PROVIDERS[channel])}")
    spec = PROVIDERS[provider]
    allowed = set(spec.outlet_keys) if outlet else set(spec.required) | set(spec.optional)
    for key in config:
        if key not in allowed:
            raise Unprocessable.field(f"config.{key}", f"not a {provider} setting"
                                      + (" an outlet may pin" if outlet else ""))
    secret_allowed = set(spec.secret_keys) & (set(spec.outlet_keys) if outlet else set(spec.secret_keys))
    for key in secrets:
        if key not in secret_allowed:
            raise Unprocessable.field(f"secrets.{key}", f"not a {provider} secret"
                                      + (" an outlet may pin" if outlet else ""))
    if not outlet:
        for key in spec.required:
            if not config.get(key):
                raise Unprocessable.field(f"config.{key}", f"required for {provider}")
    if provider == "twilio" and not outlet and not (config.get("from")
                                                    or config.get("messaging_service_sid")):
        raise Unprocessable.field("config.from", "give from or messaging_service_sid")
    if provider == "smtp" and config.get("security", "starttls") not in ("starttls", "tls", "none"):
        raise Unprocessable.field("config.security", "one of starttls, tls, none")


async def _check_outbound(provider: str, config: dict[str, Any]) -> None:
    """Where the provider will be called: a documented or operator-allowed host, never a
    private address (issue 18 #1; the send re-checks the address it connects to)."""
    if "base_url" in config:
        problem = outbound.url_problem(config["base_url"], PROVIDERS[provider].hosts)
        if problem:
            raise Unprocessable.field("config.base_url", problem)
    if provider != "smtp":
        return
    host = str(config.get("host") or "")
    try:
        port = int(config.get("port") or 587)
    except (TypeError, ValueError):
        raise Unprocessable.field("config.port", "must be a port number") from None
    if not 0 < port < 65536:
        raise Unprocessable.field("config.port", "must be a port number (1–65535)")
    found = outbound.smtp_problem(host, port, await outbound.resolve(host, port))
    if found:
        raise Unprocessable.field(f"config.{found[0]}", found[1])


def _secrets_of(row: ChannelSetting | None) -> dict[str, str]:
    if row is None or not row.secrets:
        return {}
    return json.loads(crypto.decrypt(row.secrets))


async def get_row(session: AsyncSession, workspace_id: str, channel: str,
                  location_id: str | None) -> ChannelSetting | None:
    return await session.scalar(select(ChannelSetting).where(
        ChannelSetting.workspace_id == workspace_id, ChannelSetting.channel == channel,
        ChannelSetting.scope_key == (location_id or BRAND_SCOPE)))


async def put_channel(session: AsyncSession, workspace_id: str, channel: str, *,
                      provider: str | None, enabled: bool, config: dict[str, Any],
                      secrets: dict[str, str], location_id: str | None = None) -> ChannelSetting:
    """Create or replace one tier. Secrets merge: names given replace, names omitted are kept."""
    _check_channel(channel)
    brand = await get_row(session, workspace_id, channel, None)
    if location_id is not None:
        if brand is None:
            raise Unprocessable.field("channel", f"configure {channel} for the workspace first")
        provider = brand.provider
    elif not provider:
        raise Unprocessable.field("provider", "required")
    assert provider is not None
    _validate(channel, provider, config, secrets, outlet=location_id is not None)
    if location_id is None:   # an outlet may pin neither base_url nor host
        await _check_outbound(provider, config)
    row = brand if location_id is None else await get_row(session, workspace_id, channel, location_id)
    kept = _secrets_of(row) if row is not None and row.provider == provider else {}
    merged = {**kept, **{k: v for k, v in secrets.items() if v}}
    if row is None:
        row = ChannelSetting(workspace_id=workspace_id, id=new_id("mch"), channel=channel,
                             scope_key=location_id or BRAND_SCOPE, location_id=location_id)
        session.add(row)
    row.provider, row.enabled, row.config = provider, enabled, dict(config)
    row.secrets = crypto.encrypt(json.dumps(merged)) if merged else None
    row.secret_names = sorted(merged)
    row.updated_at = utcnow()
    await session.flush()
    return row


async def delete_channel(session: AsyncSession, workspace_id: str, channel: str,
                         location_id: str | None = None) -> None:
    _check_channel(channel)
    query = delete(ChannelSetting).where(ChannelSetting.workspace_id == workspace_id,
                                         ChannelSetting.channel == channel)
    if location_id is not None:
        query = query.where(ChannelSetting.scope_key == location_id)
    _resolved.forget(workspace_id)  # a Core delete fires no ORM event
    # DML through the session gives a CursorResult (with rowcount); the stub says Result
    if cast(CursorResult[Any], await session.execute(query)).rowcount == 0:
        raise NotFound(f"{channel} is not configured"
                       + (" for this outlet" if location_id else ""))


async def list_channels(session: AsyncSession, workspace_id: str) -> list[ChannelSetting]:
    rows = await session.scalars(select(ChannelSetting).where(
        ChannelSetting.workspace_id == workspace_id).order_by(
        ChannelSetting.channel, ChannelSetting.scope_key))
    return list(rows)


def document(row: ChannelSetting) -> dict[str, Any]:
    """A tier as the API shows it: secret names only, never values."""
    return {"id": row.id, "channel": row.channel, "location_id": row.location_id,
            "tier": "outlet" if row.location_id else "workspace", "provider": row.provider,
            "enabled": row.enabled, "config": row.config or {},
            "secrets_set": list(row.secret_names or []), "updated_at": row.updated_at.isoformat()}


async def resolved_channels(session: AsyncSession, workspace_id: str,
                            location_id: str | None) -> dict[str, ResolvedChannel]:
    """Every enabled channel for this outlet: brand tier, with the outlet's pinning over it."""
    rows = await list_channels(session, workspace_id)
    brand = {r.channel: r for r in rows if r.scope_key == BRAND_SCOPE and r.enabled}
    pins = {r.channel: r for r in rows if location_id and r.scope_key == location_id}
    out: dict[str, ResolvedChannel] = {}
    for channel, row in brand.items():
        spec = PROVIDERS[row.provider]
        pin = pins.get(channel)
        config = {**spec.optional, **(row.config or {})}
        secrets = _secrets_of(row)
        if pin is not None and pin.enabled:
            config.update(pin.config or {})
            secrets.update(_secrets_of(pin))
        out[channel] = ResolvedChannel(channel, row.provider, config, secrets)
    return out


# Every receipt resolves its channels; settings change rarely (kit/cache.py bounds staleness).
_resolved: TenantCache[dict[str, ResolvedChannel]] = TenantCache("messaging_channels")
_resolved.forget_on_write(ChannelSetting)


async def cached_channels(session: AsyncSession, workspace_id: str,
                          location_id: str | None) -> dict[str, ResolvedChannel]:
    """``resolved_channels`` for the send path: shared, never to be modified."""
    return await _resolved.get((workspace_id, location_id or ""),
                               lambda: resolved_channels(session, workspace_id, location_id))


async def workspace_secrets(session: AsyncSession, workspace_id: str, channel: str,
                            provider: str, name: str) -> list[str]:
    """Every distinct value of one secret across the tiers (webhooks try each, constant-time)."""
    rows = await list_channels(session, workspace_id)
    values = []
    for row in rows:
        if row.channel == channel and row.provider == provider:
            value = _secrets_of(row).get(name)
            if value and value not in values:
                values.append(value)
    return values
