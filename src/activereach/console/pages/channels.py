"""Settings → Channels: WhatsApp, SMS and email providers at the workspace tier ("All outlets",
owner only) and an outlet's own sender (outlet chip, owner or manager). Secrets are write-only:
the page shows only whether each one is set. Labels and help come from each provider's own
file (``providers/*.py`` ``settings``). *Send a test message* sends the channel's receipt
template, from a sample bill, through the configured provider now (owner or manager)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.console import messaging as helpers
from activereach.console.audit import Target, audited
from activereach.console.auth import Console, console
from activereach.console.csrf import form_with_csrf
from activereach.console.web import flash, page, redirect
from activereach.contacts.rules import mask_email, mask_phone
from activereach.kit import crypto
from activereach.kit.errors import NotFound, Unprocessable
from activereach.kit.http import read, write
from activereach.messaging import channels as tiers
from activereach.messaging import trial
from activereach.messaging.models import ChannelSetting
from activereach.messaging.providers import PROVIDERS

router = APIRouter(include_in_schema=False)
Con = Annotated[Console, Depends(console)]
BASE = "/dashboard/{workspace}/settings/channels"


def _require_tier(con: Console) -> None:
    """The brand (workspace) tier is owner-only, like every brand setting; outlet senders are
    outlet settings, which managers may edit (docs/console.md → Roles)."""
    if con.location is None:
        con.require_owner()
    else:
        con.require_write()


async def _page(con: Console, status_code: int = 200, **extra: Any) -> HTMLResponse:
    crypto.use_settings(con.request.app.state.settings)
    rows = await read(con.request, lambda s: tiers.list_channels(s, con.workspace.id))
    views = helpers.channel_views(rows, con.location.id if con.location else None)
    fields = {p: {"brand": helpers.provider_fields(p, False),
                  "outlet": helpers.provider_fields(p, True),
                  "defaults": {k: v for k, v in spec.optional.items() if v is not None}}
              for p, spec in PROVIDERS.items()}
    can_edit = con.is_owner if con.location is None else con.can_write
    ctx = {"views": views, "fields": fields, "labels": helpers.LABELS, "can_edit": can_edit,
           "setting": helpers.setting, "display": helpers.display_value,
           "form_value": helpers.form_value, "providers": PROVIDERS,
           "test_result": con.request.session.pop("channel_test", None),
           "test_to": {"email": con.user.email}, "errors": {}, "error_channel": None,
           "values": {}, **extra}
    return page(con, "console/channels.html", "channels", status_code=status_code, **ctx)


@router.get(BASE, response_class=HTMLResponse)
async def channels(con: Con) -> HTMLResponse:
    return await _page(con)


def _target(con: Console, channel: str) -> Target:
    tier = con.location.name if con.location else "all outlets"
    return Target("channel", channel if con.location is None else f"{channel}@{con.location.id}",
                  f"{helpers.LABELS[channel]} channel ({tier})")


def _summary(row: ChannelSetting | None) -> dict[str, Any] | None:
    """What the audit keeps of a tier: provider, settings, which secrets are set (never them)."""
    if row is None:
        return None
    return {"provider": row.provider, "enabled": row.enabled, **(row.config or {}),
            **{f"{name}_set": True for name in row.secret_names or []}}


async def _save(session: AsyncSession, con: Console, channel: str, parsed: helpers.ChannelForm,
                location_id: str | None) -> None:
    ws = con.workspace.id
    before = _summary(await tiers.get_row(session, ws, channel, location_id))
    row = await tiers.put_channel(session, ws, channel, provider=parsed.provider,
                                  enabled=parsed.enabled, config=parsed.config,
                                  secrets=parsed.secrets, location_id=location_id)
    changed = sorted(parsed.secrets)
    await audited(session, con, "channel.update", _target(con, channel), before=before,
                  after=_summary(row), note=("secrets changed: " + ", ".join(changed))
                  if changed else "")


def _check_channel(channel: str) -> None:
    if channel not in helpers.CHANNELS:
        raise NotFound(f"channel: no channel {channel!r}")


@router.post(BASE + "/{channel}", response_model=None)
async def save_channel(channel: str, con: Con) -> HTMLResponse | RedirectResponse:
    form = await form_with_csrf(con.request)
    _require_tier(con)
    _check_channel(channel)
    crypto.use_settings(con.request.app.state.settings)
    ws = con.workspace.id
    location_id = con.location.id if con.location else None
    brand = await read(con.request, lambda s: tiers.get_row(s, ws, channel, None))
    parsed = helpers.parse_channel_form(form, channel, brand, location_id is not None)
    if location_id is not None and brand is None:
        parsed.errors["channel"] = f"configure {channel} under All outlets first"
    if not parsed.errors:
        try:
            await write(con.request, lambda s: _save(s, con, channel, parsed, location_id))
        except Unprocessable as exc:
            detail = (exc.details or [{}])[0] if isinstance(exc.details, list) else {}
            name, message = helpers.error_words(parsed.provider, detail.get("field", "form"),
                                                detail.get("message", exc.message))
            parsed.errors[name] = message
    if parsed.errors:
        values = {k: v for k, v in form.items() if k != "csrf_token" and not k.startswith("sec.")}
        return await _page(con, 422, errors=parsed.errors, error_channel=channel, values=values)
    tier = con.location.name if con.location else "the workspace"
    flash(con.request, f"{helpers.LABELS[channel]} saved for {tier}.")
    return redirect(con.url("settings/channels"))


@router.post(BASE + "/{channel}/delete", response_model=None)
async def remove_channel(channel: str, con: Con) -> HTMLResponse | RedirectResponse:
    """All outlets: remove the channel (and every outlet's pinning), after the "I understand"
    box is ticked (receipts stop on that channel); outlet: drop the pinning (it inherits)."""
    form = await form_with_csrf(con.request)
    _require_tier(con)
    _check_channel(channel)
    ws = con.workspace.id
    location_id = con.location.id if con.location else None
    if location_id is None and form.get("confirm") != "on":
        return await _page(con, 422, errors={"confirm": "Tick the box to confirm the removal"},
                           error_channel=channel)

    async def run(session: AsyncSession) -> None:
        before = await tiers.get_row(session, ws, channel, location_id)
        await tiers.delete_channel(session, ws, channel, location_id)
        await audited(session, con, "channel.remove", _target(con, channel),
                      before=_summary(before), after=None)
    await write(con.request, run)
    tier = con.location.name if con.location else "the workspace"
    flash(con.request, f"{helpers.LABELS[channel]} removed for {tier}.")
    return redirect(con.url("settings/channels"))


@router.post(BASE + "/{channel}/test", response_model=None)
async def send_test(channel: str, con: Con) -> HTMLResponse | RedirectResponse:
    """Owner or manager: it calls the provider with the stored credentials, which a read-only
    role should not trigger. The provider's answer is shown on the page after the redirect."""
    form = await form_with_csrf(con.request)
    con.require_write()
    _check_channel(channel)
    crypto.use_settings(con.request.app.state.settings)
    location_id = con.location.id if con.location else None
    raw_to = form.get("to", "").strip()
    try:
        prepared = await read(con.request, lambda s: trial.prepare(
            s, con.workspace, channel, raw_to, location_id))
    except Unprocessable as exc:
        detail = (exc.details or [{}])[0] if isinstance(exc.details, list) else {}
        field = detail.get("field", "to")
        return await _page(con, 422, errors={f"test.{field}": detail.get("message", exc.message)},
                           error_channel=channel, values={"to": raw_to})
    outcome = await trial.send(prepared)   # no transaction open while the provider answers
    text = _outcome_text(channel, prepared, outcome)

    async def record(session: AsyncSession) -> None:
        await audited(session, con, "channel.test_send", _target(con, channel), after={
            "provider": prepared.provider, "to": _masked(channel, prepared.recipient),
            "accepted": outcome.ok, "provider_message_id": outcome.message_id or None,
            "error_code": outcome.error_code or None}, note=text[:500])
    await write(con.request, record)
    con.request.session["channel_test"] = {"channel": channel, "ok": outcome.ok, "text": text}
    return redirect(con.url("settings/channels") + f"#channel-{channel}")


def _masked(channel: str, recipient: str) -> str:
    return mask_email(recipient) if channel == "email" else mask_phone(recipient)


def _outcome_text(channel: str, prepared: trial.Prepared, outcome: trial.Outcome) -> str:
    provider = helpers.LABELS.get(prepared.provider, prepared.provider)
    to = _masked(channel, prepared.recipient)
    if outcome.ok:
        return (f"Test {helpers.LABELS[channel]} to {to}: {provider} accepted it "
                f"(message id {outcome.message_id}).")
    return (f"Test {helpers.LABELS[channel]} to {to}: {provider} refused it — "
            f"{outcome.error or 'no reason given'} (code {outcome.error_code}).")
