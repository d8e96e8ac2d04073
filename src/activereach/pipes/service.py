"""Data pipes: create, edit, pause/resume, delete; encrypted secrets.  Settings are checked
against the provider's declared settings (``pipe_settings``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.jobs.models import Job
from activereach.jobs.registry import DEFAULT_RETRY_DELAYS, get_spec
from activereach.jobs.service import enqueue
from activereach.kit.cache import TenantCache
from activereach.kit.db import utcnow
from activereach.kit.errors import Conflict, NotFound, Unprocessable
from activereach.kit.ids import new_id
from activereach.kit import crypto
from activereach.pipes.mapping import validate_mapping
from activereach.pipes.models import Pipe, PipeSecret, WebhookDelivery
from activereach.pipes.pipe_settings import settings_errors
from activereach.pipes.providers import get_provider
from activereach.pipes.schemas import PipeIn, PipePatch
from activereach.tenancy.models import Location, Terminal, Workspace
from activereach.tenancy.pairing import issue_pairing_code
from activereach.tenancy.service import find_location

DEFAULT_OVERLAP_MINUTES = 60
# The webhook path reads a pipe and its secrets once per this many seconds per process.
# Keyed by pipe id (a webhook URL names no workspace), filed under the pipe's workspace.
PIPE_CACHE_SECONDS = 5.0
_pipes: TenantCache[tuple[Pipe, list[str]]] = TenantCache("pipes", ttl=PIPE_CACHE_SECONDS)


def cached_pipe(pipe_id: str) -> tuple[Pipe, list[str]] | None:
    return _pipes.peek((pipe_id,))


def cache_pipe(pipe_id: str, value: tuple[Pipe, list[str]]) -> None:
    _pipes.put((pipe_id,), value, workspace=value[0].workspace_id)


def forget_pipe(pipe_id: str) -> None:
    _pipes.forget_key((pipe_id,))


def _invalid(errors: list[dict[str, str]]) -> Unprocessable:
    return Unprocessable(f"{errors[0]['field']}: {errors[0]['message']}", details=errors)


async def _check_outlets(session: AsyncSession, ws: Workspace, settings: dict[str, Any]) -> None:
    refs = [("settings.default_location", settings["default_location"])] \
        if settings.get("default_location") else []
    refs += [(f"settings.location_map.{k}", v) for k, v in (settings.get("location_map") or {}).items()]
    errors = [{"field": field, "message": f"no outlet with id or code {ref!r}"}
              for field, ref in refs if await find_location(session, ws.id, ref) is None]
    if errors:
        raise _invalid(errors)


def _split(provider: str, settings: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """(plain settings, stored on the pipe; secret settings, stored encrypted)."""
    names = set(get_provider(provider).secret_names)
    return ({k: v for k, v in settings.items() if k not in names},
            {k: v for k, v in settings.items() if k in names})


async def create_pipe(session: AsyncSession, ws: Workspace, body: PipeIn, *,
                      webhook_base: str | None = None) -> tuple[Pipe, dict[str, Any]]:
    """``webhook_base`` (the console's): a setting left blank that defaults to the pipe's own
    webhook URL (Square's ``notification_url``, which it signs over) is filled in here, where
    the id is minted."""
    now = utcnow()
    if body.kind == "activepos":
        return await _create_activepos(session, ws, body)
    if body.provider is None:
        raise Unprocessable.field("provider", "required for a webhook pipe")
    pipe_id = new_id("pipe")
    for setting in get_provider(body.provider).settings:
        if setting.blank_default == "webhook_url" and webhook_base \
                and not body.settings.get(setting.name):
            body.settings[setting.name] = webhook_url(webhook_base, pipe_id)
    errors = settings_errors(body.provider, body.settings, creating=True)
    errors += validate_mapping(body.mapping)
    if errors:
        raise _invalid(errors)
    await _check_outlets(session, ws, body.settings)
    plain, secret_values = _split(body.provider, body.settings)
    pipe = Pipe(workspace_id=ws.id, id=pipe_id, kind="webhook", provider=body.provider,
                name=body.name, status="active", settings=plain, mapping=body.mapping, cursor={},
                created_at=now, updated_at=now)
    session.add(pipe)
    for name, value in secret_values.items():
        session.add(PipeSecret(workspace_id=ws.id, id=new_id("psec"), pipe_id=pipe.id, name=name,
                               ciphertext=crypto.encrypt(value), created_at=now))
    await session.flush()
    await schedule_reconcile(session, pipe)
    return pipe, {}


async def _create_activepos(session: AsyncSession, ws: Workspace,
                            body: PipeIn) -> tuple[Pipe, dict[str, Any]]:
    if not body.location or not body.terminal:
        raise _invalid([{"field": f, "message": "required for an activepos pipe"}
                        for f in ("location", "terminal") if not getattr(body, f)])
    location = await find_location(session, ws.id, body.location)
    if location is None:
        raise Unprocessable.field("location", f"no outlet with id or code {body.location!r}")
    terminal = await session.scalar(select(Terminal).where(
        Terminal.workspace_id == ws.id, Terminal.location_id == location.id,
        Terminal.terminal_id == body.terminal))
    if terminal is None:
        terminal = Terminal(workspace_id=ws.id, id=new_id("trm"), location_id=location.id,
                            terminal_id=body.terminal, name=body.name, status="active",
                            created_at=utcnow())
        session.add(terminal)
    taken = await session.scalar(select(Pipe.id).where(
        Pipe.workspace_id == ws.id, Pipe.kind == "activepos", Pipe.location_id == location.id,
        Pipe.terminal_id == body.terminal, Pipe.status != "deleted"))
    if taken:
        raise Conflict(f"terminal {body.terminal!r} already has a pipe ({taken})")
    now = utcnow()
    pipe = Pipe(workspace_id=ws.id, id=new_id("pipe"), kind="activepos", provider=None,
                name=body.name, location_id=location.id, terminal_id=body.terminal,
                status="active", settings={}, mapping={}, cursor={}, created_at=now, updated_at=now)
    session.add(pipe)
    await session.flush()
    extra: dict[str, Any] = {"terminal_pk": terminal.id}
    if body.pair:
        code, expires = await issue_pairing_code(session, terminal)
        extra["pairing"] = {"code": code, "expires_at": expires.isoformat()}
    return pipe, extra


async def get_pipe(session: AsyncSession, ws_id: str, pipe_id: str) -> Pipe:
    pipe = await session.get(Pipe, (ws_id, pipe_id))
    if pipe is None or pipe.status == "deleted":
        raise NotFound(f"no pipe {pipe_id!r}")
    return pipe


async def list_pipes(session: AsyncSession, ws_id: str,
                     location: Location | None = None) -> list[Pipe]:
    """Live pipes; with ``location``, only those feeding that outlet (see ``serves_location``)."""
    rows = await session.execute(select(Pipe).where(
        Pipe.workspace_id == ws_id, Pipe.status != "deleted").order_by(Pipe.created_at))
    pipes = list(rows.scalars())
    return pipes if location is None else [p for p in pipes if serves_location(p, location)]


def serves_location(pipe: Pipe, location: Location) -> bool:
    """An ActivePOS pipe's own outlet, or an outlet a webhook pipe's location map (or default
    location) routes to; outlets are referenced by id or code in settings."""
    if pipe.kind == "activepos":
        return pipe.location_id == location.id
    refs = set((pipe.settings.get("location_map") or {}).values())
    refs.add(pipe.settings.get("default_location") or "")
    return bool(refs & {location.id, location.code})


def webhook_url(base_url: str, pipe_id: str) -> str:
    return f"{base_url.rstrip('/')}/v1/pipes/{pipe_id}/webhook"


async def update_pipe(session: AsyncSession, ws: Workspace, pipe_id: str, body: PipePatch) -> Pipe:
    pipe = await get_pipe(session, ws.id, pipe_id)
    forget_pipe(pipe_id)
    if body.name is not None:
        pipe.name = body.name
    if pipe.kind == "webhook" and pipe.provider:
        if body.settings is not None:
            errors = settings_errors(pipe.provider, body.settings, creating=False)
            if errors:
                raise _invalid(errors)
            await _check_outlets(session, ws, body.settings)
            plain, secret_values = _split(pipe.provider, body.settings)
            map_changed = "location_map" in plain or "default_location" in plain
            pipe.settings = {**pipe.settings, **plain}
            for name, value in secret_values.items():
                await rotate_secret(session, pipe, name, value)
            if map_changed:
                await requeue(session, pipe, statuses=("held",))
        if body.mapping is not None:
            errors = validate_mapping(body.mapping)
            if errors:
                raise _invalid(errors)
            pipe.mapping = body.mapping
    elif body.settings or body.mapping:
        raise Unprocessable.field("settings", "an activepos pipe has no settings or mapping")
    pipe.updated_at = utcnow()
    return pipe


async def rotate_secret(session: AsyncSession, pipe: Pipe, name: str, value: str) -> None:
    """The new value signs from now on; the old one stays valid for the overlap window."""
    forget_pipe(pipe.id)
    now = utcnow()
    current = (await session.execute(select(PipeSecret).where(
        PipeSecret.workspace_id == pipe.workspace_id, PipeSecret.pipe_id == pipe.id,
        PipeSecret.name == name, PipeSecret.expires_at.is_(None)))).scalars().all()
    signing = name == get_provider(pipe.provider or "custom").signing_secret
    overlap = dt.timedelta(minutes=int(pipe.settings.get("rotation_overlap_minutes",
                                                         DEFAULT_OVERLAP_MINUTES)))
    for row in current:
        if crypto.decrypt(row.ciphertext) == value:
            return
        row.expires_at = now + overlap if signing else now
    session.add(PipeSecret(workspace_id=pipe.workspace_id, id=new_id("psec"), pipe_id=pipe.id,
                           name=name, ciphertext=crypto.encrypt(value), created_at=now))


async def secrets_of(session: AsyncSession, pipe: Pipe) -> dict[str, list[PipeSecret]]:
    """Valid secret rows by name, newest first."""
    now = utcnow()
    rows = (await session.execute(select(PipeSecret).where(
        PipeSecret.workspace_id == pipe.workspace_id, PipeSecret.pipe_id == pipe.id)
        .order_by(PipeSecret.created_at.desc()))).scalars()
    found: dict[str, list[PipeSecret]] = {}
    for row in rows:
        if row.expires_at is None or row.expires_at > now:
            found.setdefault(row.name, []).append(row)
    return found


async def secret_values(session: AsyncSession, pipe: Pipe) -> dict[str, list[str]]:
    return {name: [crypto.decrypt(r.ciphertext) for r in rows]
            for name, rows in (await secrets_of(session, pipe)).items()}


async def set_status(session: AsyncSession, ws_id: str, pipe_id: str, status: str) -> Pipe:
    pipe = await get_pipe(session, ws_id, pipe_id)
    forget_pipe(pipe_id)
    if pipe.kind == "webhook" and pipe.status == "paused" and status == "active":
        pipe.status = status
        await requeue(session, pipe, statuses=("received",))
    pipe.status = status
    pipe.updated_at = utcnow()
    return pipe


async def delete_pipe(session: AsyncSession, ws_id: str, pipe_id: str) -> None:
    """Soft delete: the delivery log stays readable by id; secrets are destroyed."""
    pipe = await get_pipe(session, ws_id, pipe_id)
    forget_pipe(pipe_id)
    pipe.status = "deleted"
    pipe.updated_at = utcnow()
    await session.execute(update(PipeSecret).where(
        PipeSecret.workspace_id == ws_id, PipeSecret.pipe_id == pipe_id)
        .values(ciphertext="", expires_at=utcnow()))


async def enqueue_delivery(session: AsyncSession, delivery: WebhookDelivery) -> None:
    """Queue the processing job, keyed so the delivery log can show the job's fate.

    The key embeds the delivery id and run number, so it can never collide: the job is added
    to the unit of work (inserted in one batch with the rest of a group commit) rather than
    sent as one ``INSERT … ON CONFLICT`` per delivery.
    """
    delivery.runs = (delivery.runs or 0) + 1
    delivery.job_key = f"pipes.process:{delivery.id}:{delivery.runs}"
    spec = get_spec("pipes.process_delivery")
    now = utcnow()
    session.add(Job(kind="pipes.process_delivery", workspace_id=delivery.workspace_id,
                    payload={"delivery_id": delivery.id}, status="queued", run_at=now, attempts=0,
                    retry_delays=list(spec.retry_delays if spec else DEFAULT_RETRY_DELAYS),
                    dedupe_key=delivery.job_key, created_at=now))


async def requeue(session: AsyncSession, pipe: Pipe, *, statuses: tuple[str, ...],
                  external_order_id: str | None = None, limit: int = 5000) -> int:
    query = select(WebhookDelivery).where(
        WebhookDelivery.workspace_id == pipe.workspace_id, WebhookDelivery.pipe_id == pipe.id,
        WebhookDelivery.status.in_(statuses))
    if external_order_id is not None:
        query = query.where(WebhookDelivery.external_order_id == external_order_id)
    rows = (await session.execute(query.order_by(WebhookDelivery.received_at).limit(limit))).scalars()
    count = 0
    for delivery in rows:
        delivery.status = "received"
        await enqueue_delivery(session, delivery)
        count += 1
    return count


async def schedule_reconcile(session: AsyncSession, pipe: Pipe, *, now: bool = False) -> bool:
    """Queue the next reconciler run: at once when asked, else after ``reconcile_minutes``."""
    minutes = int(pipe.settings.get("reconcile_minutes", 0))
    if pipe.kind != "webhook" or (minutes <= 0 and not now):
        return False
    run_at = utcnow() if now else utcnow() + dt.timedelta(minutes=minutes)
    await enqueue(session, kind="pipes.reconcile", workspace_id=pipe.workspace_id,
                  payload={"pipe_id": pipe.id}, run_at=run_at,
                  dedupe_key=f"pipes.reconcile:{pipe.id}:{run_at:%Y%m%d%H%M%S}")
    return True


def pipe_out(pipe: Pipe, secrets: dict[str, list[PipeSecret]], base_url: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": pipe.id, "kind": pipe.kind, "provider": pipe.provider, "name": pipe.name,
        "status": pipe.status, "location_id": pipe.location_id, "terminal": pipe.terminal_id,
        "settings": pipe.settings, "mapping": pipe.mapping,
        "created_at": pipe.created_at.isoformat(), "updated_at": pipe.updated_at.isoformat(),
    }
    if pipe.kind == "webhook":
        out["webhook_url"] = webhook_url(base_url, pipe.id)
        out["secrets"] = {name: {"set": True, "versions": len(rows),
                                 "old_valid_until": max((r.expires_at.isoformat() for r in rows
                                                         if r.expires_at), default=None)}
                          for name, rows in secrets.items()}
        out["verification_code"] = pipe.verification_code
        out["cursor"] = pipe.cursor
    return out
