"""Settings → Data Pipes: the pipe list with sync health, New → POS → ActivePOS | provider
(webhook URL and secret shown once), pipe detail with edit (settings, location map, field
mapping), dead letters, pause/resume.  Thin: everything goes through ``activereach.pipes``."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.console import pipes as forms
from activereach.console.audit import Target, audited
from activereach.console.auth import Console, console
from activereach.console.csrf import form_with_csrf
from activereach.console.web import flash, page, redirect
from activereach.kit import crypto
from activereach.kit.errors import Conflict, Unprocessable
from activereach.kit.http import read, write
from activereach.pipes import health, inbox, service
from activereach.pipes.models import Pipe
from activereach.pipes.providers import PROVIDERS
from activereach.pipes.schemas import PipeIn, PipePatch

router = APIRouter(include_in_schema=False)
BASE = "/dashboard/{workspace}/settings/pipes"
HEALTH_HOURS = 24
DEAD_LETTERS_SHOWN = 50


async def bound_console(con: Annotated[Console, Depends(console)]) -> Console:
    # Pipe secrets are encrypted with a key derived from this app's secret key.
    crypto.use_settings(con.request.app.state.settings)
    return con


Con = Annotated[Console, Depends(bound_console)]


def base_url(con: Console) -> str:
    return str(con.request.base_url)


@router.get(BASE, response_class=HTMLResponse)
async def pipes(con: Con) -> HTMLResponse:
    """Every pipe with its health, and every ActivePOS till (the built-in source) with its
    orders of the period, whether or not a pipe row was made for it."""
    async def load(session: AsyncSession) -> list[dict[str, Any]]:
        tills = await health.activepos_tills(session, con.workspace.id, hours=HEALTH_HOURS,
                                             location_id=con.location.id if con.location
                                             else None)
        by_till = {(t["location_id"], t["terminal_id"]): t for t in tills}
        rows: list[dict[str, Any]] = []
        for pipe in await service.list_pipes(session, con.workspace.id, con.location):
            figures = till = None
            if pipe.kind == "webhook":
                figures = await health.pipe_health(session, con.workspace.id, pipe.id,
                                                   hours=HEALTH_HOURS)
                figures["error_share"] = figures["error_rate"] if figures["deliveries"] else None
            else:
                till = by_till.pop((pipe.location_id, pipe.terminal_id), None)
            rows.append({"pipe": pipe, "health": figures, "till": till})
        rows += [{"pipe": None, "health": None, "till": t} for t in by_till.values()]
        return rows
    rows = await read(con.request, load)
    return page(con, "console/pipes.html", "pipes", rows=rows, hours=HEALTH_HOURS,
                labels=forms.LABELS, outlets={loc.id: loc.name for loc in con.locations})


def _new_page(con: Console, provider: str, status_code: int = 200,
              values: dict[str, str] | None = None,
              errors: dict[str, str] | None = None) -> HTMLResponse:
    known = provider in PROVIDERS
    fields = forms.provider_fields(provider) if known else []
    own_inputs = forms.location_settings(provider) if known else {}
    default = {"default_location": con.location.id if con.location else "",
               "location": con.location.id if con.location else ""}
    return page(con, "console/pipe_new.html", "pipes", status_code=status_code,
                provider=provider, providers=PROVIDERS, labels=forms.LABELS, fields=fields,
                own_inputs=own_inputs,
                values=values or default, errors=errors or {},
                form_id=secrets.token_urlsafe(12),
                mapping_fields=forms.mapping_fields())


@router.get(BASE + "/new", response_class=HTMLResponse)
async def new_pipe(con: Con, provider: str = "") -> HTMLResponse:
    """Step 1 picks ActivePOS or a provider; step 2 (``?provider=``) is that provider's form."""
    if provider and provider != "activepos" and provider not in PROVIDERS:
        provider = ""
    return _new_page(con, provider)


@router.post(BASE, response_model=None)
async def create_pipe(con: Con) -> HTMLResponse | RedirectResponse:
    """The created page shows the webhook URL and the signing secret once: never stored in the
    session, never shown again (the pipe page only says a secret is set)."""
    form = await form_with_csrf(con.request)
    con.require_write()
    done = _created_by(con, form.get("form_id", ""))
    if done:  # a reload of the created page re-posts the form: do not make a second pipe
        flash(con.request, "This pipe was already created; its secret was shown once.")
        return redirect(con.url(f"settings/pipes/{done}"))
    provider = form.get("provider", "")
    body, errors, shown = forms.create_body(form)
    if body is not None:
        try:
            made = await write(con.request, lambda s: _create(s, con, body))
        except (Unprocessable, Conflict) as exc:
            errors = forms.service_errors(exc.details, exc.message, provider)
            if isinstance(exc, Conflict):
                errors = {"terminal": f"terminal: {exc.message}"}
    if errors:
        values = {k: v for k, v in form.items() if k not in forms.secret_settings(provider)}
        return _new_page(con, provider, 422, values, errors)
    _remember(con, form.get("form_id", ""), made["pipe"].id)
    return page(con, "console/pipe_created.html", "pipes", pipe=made["pipe"], out=made["out"],
                shown=shown, pairing=made["out"].get("pairing"), labels=forms.LABELS)


def _created_by(con: Console, form_id: str) -> str | None:
    return (con.request.session.get("pipe_forms") or {}).get(form_id) if form_id else None


def _remember(con: Console, form_id: str, pipe_id: str) -> None:
    """Form id → pipe id (never the secret) for the last few creations of this session."""
    if form_id:
        kept = list((con.request.session.get("pipe_forms") or {}).items())[-4:]
        con.request.session["pipe_forms"] = {**dict(kept), form_id[:40]: pipe_id}


async def _create(session: AsyncSession, con: Console, body: PipeIn) -> dict[str, Any]:
    pipe, extra = await service.create_pipe(session, con.workspace, body,
                                            webhook_base=base_url(con))
    held = await service.secrets_of(session, pipe)
    await audited(session, con, "pipe.create", _target(pipe), after={
        **forms.pipe_state(pipe), **{name: "set" for name in held}})
    return {"pipe": pipe, "out": {**service.pipe_out(pipe, held, base_url(con)), **extra}}


async def _detail(session: AsyncSession, con: Console, pipe_id: str) -> dict[str, Any]:
    pipe = await service.get_pipe(session, con.workspace.id, pipe_id)
    out = service.pipe_out(pipe, await service.secrets_of(session, pipe), base_url(con))
    data: dict[str, Any] = {"pipe": pipe, "out": out, "health": None, "dead": []}
    if pipe.kind == "webhook":
        data["health"] = await health.pipe_health(session, con.workspace.id, pipe_id,
                                                  hours=HEALTH_HOURS)
        data["dead"] = await inbox.list_deliveries(session, con.workspace.id, pipe_id,
                                                   status="dead", limit=DEAD_LETTERS_SHOWN,
                                                   before=None)
    return data


def _edit_values(pipe: Pipe) -> dict[str, str]:
    settings = pipe.settings or {}
    values = {k: str(v) for k, v in settings.items() if k != "location_map"}
    values["name"] = pipe.name
    values["location_map"] = forms.format_pairs(settings.get("location_map") or {})
    values["mapping"] = forms.format_pairs(pipe.mapping or {})
    return values


def _pipe_page(con: Console, data: dict[str, Any], status_code: int = 200,
               values: dict[str, str] | None = None,
               errors: dict[str, str] | None = None) -> HTMLResponse:
    pipe = data["pipe"]
    fields = forms.provider_fields(pipe.provider) if pipe.provider else []
    own_inputs = forms.location_settings(pipe.provider) if pipe.provider else {}
    return page(con, "console/pipe.html", "pipes", status_code=status_code, **data,
                fields=fields, own_inputs=own_inputs, values=values or _edit_values(pipe),
                errors=errors or {},
                labels=forms.LABELS, hours=HEALTH_HOURS, mapping_fields=forms.mapping_fields())


@router.get(BASE + "/{pipe_id}", response_class=HTMLResponse)
async def show_pipe(pipe_id: str, con: Con) -> HTMLResponse:
    return _pipe_page(con, await read(con.request, lambda s: _detail(s, con, pipe_id)))


@router.post(BASE + "/{pipe_id}", response_model=None)
async def save_pipe(pipe_id: str, con: Con) -> HTMLResponse | RedirectResponse:
    form = await form_with_csrf(con.request)
    con.require_write()
    pipe = await read(con.request, lambda s: service.get_pipe(s, con.workspace.id, pipe_id))
    body, errors = forms.patch_body(pipe, form)
    if body is not None:
        try:
            await write(con.request, lambda s: _update(s, con, pipe_id, body))
        except Unprocessable as exc:
            errors = forms.service_errors(exc.details, exc.message, pipe.provider)
    if errors:
        data = await read(con.request, lambda s: _detail(s, con, pipe_id))
        values = {k: v for k, v in form.items()
                  if k not in forms.secret_settings(pipe.provider or "")}
        return _pipe_page(con, data, 422, values, errors)
    assert body is not None  # patch_body gives no body only together with errors
    flash(con.request, f"Pipe {body.name or pipe.name} saved.")
    return redirect(con.url(f"settings/pipes/{pipe_id}"))


def _target(pipe: Pipe) -> Target:
    return Target("pipe", pipe.id, pipe.name)


async def _update(session: AsyncSession, con: Console, pipe_id: str, body: PipePatch) -> None:
    """The edit, audited in its transaction; a typed secret is a rotation, logged by name as
    "changed" (its value never reaches the log)."""
    pipe = await service.get_pipe(session, con.workspace.id, pipe_id)
    before = forms.pipe_state(pipe)
    await service.update_pipe(session, con.workspace, pipe_id, body)
    after = forms.pipe_state(pipe)
    rotated = forms.rotated_secrets(pipe.provider, body)
    for name in rotated:
        before[name], after[name] = "kept", "changed"
    await audited(session, con, "pipe.update", _target(pipe), before=before, after=after)
    if rotated:
        await audited(session, con, "pipe.rotate_secret", _target(pipe),
                      before={n: "old" for n in rotated}, after={n: "new" for n in rotated},
                      note="the previous secret stays valid for a short overlap")


@router.post(BASE + "/{pipe_id}/pause")
async def pause_pipe(pipe_id: str, con: Con) -> RedirectResponse:
    """Paused pipes keep storing (and acknowledging) deliveries; resume processes them."""
    return await _set_status(con, pipe_id, "paused")


@router.post(BASE + "/{pipe_id}/resume")
async def resume_pipe(pipe_id: str, con: Con) -> RedirectResponse:
    return await _set_status(con, pipe_id, "active")


async def _set_status(con: Console, pipe_id: str, status: str) -> RedirectResponse:
    await form_with_csrf(con.request)
    con.require_write()
    async def run(session: AsyncSession) -> Pipe:
        found = await service.get_pipe(session, con.workspace.id, pipe_id)
        before = forms.pipe_state(found)
        pipe = await service.set_status(session, con.workspace.id, pipe_id, status)
        await audited(session, con, "pipe.pause" if status == "paused" else "pipe.resume",
                      _target(pipe), before=before, after=forms.pipe_state(pipe))
        return pipe
    pipe = await write(con.request, run)
    flash(con.request, f"Pipe {pipe.name} {'paused' if status == 'paused' else 'resumed'}.")
    return redirect(con.url(f"settings/pipes/{pipe_id}"))


@router.post(BASE + "/{pipe_id}/delete", response_model=None)
async def delete_pipe(pipe_id: str, con: Con) -> HTMLResponse | RedirectResponse:
    """Soft delete (the pipes domain's): the URL answers 404 and the secrets are destroyed."""
    form = await form_with_csrf(con.request)
    con.require_write()
    if form.get("confirm") != "on":
        data = await read(con.request, lambda s: _detail(s, con, pipe_id))
        return _pipe_page(con, data, 422, errors={"confirm": "confirm: tick the box to delete"})
    async def run(session: AsyncSession) -> str:
        pipe = await service.get_pipe(session, con.workspace.id, pipe_id)
        before = forms.pipe_state(pipe)
        await service.delete_pipe(session, con.workspace.id, pipe_id)
        await audited(session, con, "pipe.delete", _target(pipe), before=before,
                      after=forms.pipe_state(pipe), note="its secrets are destroyed")
        return pipe.name
    name = await write(con.request, run)
    flash(con.request, f"Pipe {name} deleted.")
    return redirect(con.url("settings/pipes"))
