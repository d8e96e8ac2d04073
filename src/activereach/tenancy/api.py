"""HTTP routes for the workspace, its outlets, terminals and API keys (admin key)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import available_timezones

from fastapi import APIRouter, Request
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.kit.db import utcnow
from activereach.kit.errors import Conflict, NotFound, Unauthorized, Unprocessable
from activereach.kit.http import client_address, read, write
from activereach.kit.ids import new_id
from activereach.kit.throttle import throttle
from activereach.tenancy import service
from activereach.tenancy.auth import AdminAuth, DeviceAuth, forget_credentials
from activereach.tenancy.pairing import issue_pairing_code, pair_device, revoke_terminal
from activereach.tenancy.models import ApiKey, Location, Terminal, Workspace
from activereach.tenancy.schemas import (
    ApiKeyIn,
    ApiKeyOut,
    LocationIn,
    LocationOut,
    LocationPatch,
    PairedDeviceOut,
    PairingCodeOut,
    PairIn,
    TerminalIn,
    TerminalOut,
    WorkspaceOut,
)

router = APIRouter(prefix="/v1", tags=["tenancy"])


def _location_out(loc: Location) -> LocationOut:
    return LocationOut(id=loc.id, code=loc.code, name=loc.name, address=loc.address,
                       phone=loc.phone, gstin=loc.gstin, state_code=loc.state_code,
                       timezone=loc.timezone, status=loc.status)


def _terminal_out(term: Terminal) -> TerminalOut:
    return TerminalOut(id=term.id, location_id=term.location_id, terminal_id=term.terminal_id,
                       name=term.name, status=term.status)


def _key_out(key: ApiKey, secret: str | None = None) -> ApiKeyOut:
    return ApiKeyOut(id=key.id, kind=key.kind, name=key.name, prefix=key.prefix,
                     created_at=key.created_at.isoformat(), secret=secret,
                     revoked_at=key.revoked_at.isoformat() if key.revoked_at else None)


def _check_timezone(value: str | None) -> None:
    if value and value not in available_timezones():
        raise Unprocessable.field("timezone", f"unknown IANA timezone {value!r}")


def _workspace_out(ws: Workspace) -> WorkspaceOut:
    return WorkspaceOut(id=ws.id, slug=ws.slug, name=ws.name, country=ws.country,
                        currency=ws.currency, timezone=ws.timezone, locale=ws.locale)


@router.get("/workspace", response_model=WorkspaceOut)
async def show_workspace(principal: AdminAuth) -> WorkspaceOut:
    return _workspace_out(principal.workspace)


@router.get("/locations", response_model=list[LocationOut])
async def list_locations(principal: AdminAuth, request: Request) -> list[LocationOut]:
    rows = await read(request, lambda s: service.list_locations(s, principal.workspace.id))
    return [_location_out(loc) for loc in rows]


@router.post("/locations", response_model=LocationOut, status_code=201)
async def create_location(body: LocationIn, principal: AdminAuth, request: Request) -> LocationOut:
    _check_timezone(body.timezone)
    if body.gstin and body.state_code and body.gstin[:2] != body.state_code:
        raise Unprocessable.field("state_code", "does not match the GSTIN's state code")

    async def run(session: AsyncSession) -> Location:
        if await service.find_location(session, principal.workspace.id, body.code):
            raise Conflict(f"an outlet with code {body.code!r} already exists")
        loc = Location(workspace_id=principal.workspace.id, id=new_id("loc"),
                       state_code=body.state_code or (body.gstin[:2] if body.gstin else None),
                       **body.model_dump(exclude={"state_code"}))
        session.add(loc)
        await session.flush()
        return loc
    return _location_out(await write(request, run))


async def _location_or_404(session: AsyncSession, workspace_id: str, location_id: str) -> Location:
    loc = await session.get(Location, (workspace_id, location_id))
    if loc is None:
        raise NotFound(f"no outlet {location_id!r}")
    return loc


@router.get("/locations/{location_id}", response_model=LocationOut)
async def show_location(location_id: str, principal: AdminAuth, request: Request) -> LocationOut:
    loc = await read(request, lambda s: _location_or_404(s, principal.workspace.id, location_id))
    return _location_out(loc)


@router.patch("/locations/{location_id}", response_model=LocationOut)
async def update_location(location_id: str, body: LocationPatch, principal: AdminAuth,
                          request: Request) -> LocationOut:
    _check_timezone(body.timezone)

    async def run(session: AsyncSession) -> Location:
        loc = await _location_or_404(session, principal.workspace.id, location_id)
        for key, value in body.model_dump(exclude_unset=True).items():
            setattr(loc, key, value)
        loc.updated_at = utcnow()
        return loc
    return _location_out(await write(request, run))


@router.get("/locations/{location_id}/terminals", response_model=list[TerminalOut])
async def list_terminals(location_id: str, principal: AdminAuth, request: Request) -> list[TerminalOut]:
    async def run(session: AsyncSession) -> list[Terminal]:
        await _location_or_404(session, principal.workspace.id, location_id)
        return await service.list_terminals(session, principal.workspace.id, location_id)
    return [_terminal_out(t) for t in await read(request, run)]


@router.post("/locations/{location_id}/terminals", response_model=TerminalOut, status_code=201)
async def create_terminal(location_id: str, body: TerminalIn, principal: AdminAuth,
                          request: Request) -> TerminalOut:
    async def run(session: AsyncSession) -> Terminal:
        await _location_or_404(session, principal.workspace.id, location_id)
        taken = await session.scalar(select(Terminal.id).where(
            Terminal.workspace_id == principal.workspace.id, Terminal.location_id == location_id,
            Terminal.terminal_id == body.terminal_id))
        if taken:
            raise Conflict(f"terminal {body.terminal_id!r} already exists at this outlet")
        term = Terminal(workspace_id=principal.workspace.id, id=new_id("trm"),
                        location_id=location_id, terminal_id=body.terminal_id, name=body.name,
                        status="active", created_at=utcnow())
        session.add(term)
        await session.flush()
        return term
    return _terminal_out(await write(request, run))


async def _terminal_or_404(session: AsyncSession, workspace_id: str, location_id: str,
                           terminal_pk: str) -> Terminal:
    term = await session.get(Terminal, (workspace_id, terminal_pk))
    if term is None or term.location_id != location_id:
        raise NotFound(f"no terminal {terminal_pk!r} at this outlet")
    return term


@router.post("/locations/{location_id}/terminals/{terminal_pk}/pairing-code",
             response_model=PairingCodeOut, status_code=201)
async def new_pairing_code(location_id: str, terminal_pk: str, principal: AdminAuth,
                           request: Request) -> PairingCodeOut:
    """A single-use code, valid 30 minutes, that pairs one till to this terminal."""
    async def run(session: AsyncSession) -> tuple[str, dt.datetime]:
        term = await _terminal_or_404(session, principal.workspace.id, location_id, terminal_pk)
        return await issue_pairing_code(session, term)
    code, expires = await write(request, run)
    return PairingCodeOut(pairing_code=code, expires_at=expires.isoformat())


@router.post("/locations/{location_id}/terminals/{terminal_pk}/revoke", response_model=TerminalOut)
async def revoke(location_id: str, terminal_pk: str, principal: AdminAuth,
                 request: Request) -> TerminalOut:
    async def run(session: AsyncSession) -> Terminal:
        term = await _terminal_or_404(session, principal.workspace.id, location_id, terminal_pk)
        revoke_terminal(term)
        return term
    term = await write(request, run)
    forget_credentials()
    return _terminal_out(term)


@router.post("/locations/{location_id}/terminals/{terminal_pk}/activate", response_model=TerminalOut)
async def activate(location_id: str, terminal_pk: str, principal: AdminAuth,
                   request: Request) -> TerminalOut:
    async def run(session: AsyncSession) -> Terminal:
        term = await _terminal_or_404(session, principal.workspace.id, location_id, terminal_pk)
        term.status = "active"
        return term
    return _terminal_out(await write(request, run))


@router.post("/pos/pair", response_model=PairedDeviceOut, tags=["pos"])
async def pair(body: PairIn, request: Request) -> PairedDeviceOut:
    """Exchange a pairing code for a device token pinned to one terminal and outlet.
    Wrong codes are throttled per address (429 ``too_many_attempts`` with Retry-After)."""
    address, guard = client_address(request), throttle(request)
    await guard.attempt("pair", "code", address)
    try:
        token, term, loc, ws = await write(request, lambda s: pair_device(s, body.pairing_code))
    except Unauthorized:
        await guard.failed()
        raise
    await guard.succeeded("pair", "code", address)
    return PairedDeviceOut(device_token=token, terminal=_terminal_out(term),
                           location=_location_out(loc), workspace=_workspace_out(ws))


@router.get("/pos/me", response_model=PairedDeviceOut, tags=["pos"])
async def me(principal: DeviceAuth, request: Request) -> PairedDeviceOut:
    """What this device is pinned to; a revoked terminal gets 403 here at its next contact."""
    async def run(session: AsyncSession) -> tuple[Terminal | None, Location | None]:
        return (await session.get(Terminal, (principal.workspace.id, principal.terminal_pk)),
                await session.get(Location, (principal.workspace.id, principal.location_id)))
    term, loc = await read(request, run)
    # DeviceAuth found both rows (at most auth_cache_seconds ago); a miss stays a 500, as before.
    assert term is not None and loc is not None
    return PairedDeviceOut(device_token=None, terminal=_terminal_out(term),
                           location=_location_out(loc), workspace=_workspace_out(principal.workspace))


@router.get("/api-keys", response_model=list[ApiKeyOut])
async def list_keys(principal: AdminAuth, request: Request) -> list[ApiKeyOut]:
    async def run(session: AsyncSession) -> list[ApiKey]:
        rows = await session.execute(select(ApiKey).where(
            ApiKey.workspace_id == principal.workspace.id).order_by(ApiKey.created_at))
        return list(rows.scalars())
    return [_key_out(key) for key in await read(request, run)]


@router.post("/api-keys", response_model=ApiKeyOut, status_code=201)
async def create_key(body: ApiKeyIn, principal: AdminAuth, request: Request) -> ApiKeyOut:
    key, secret = await write(request, lambda s: service.add_api_key(
        s, principal.workspace.id, kind=body.kind, name=body.name))
    return _key_out(key, secret)


@router.delete("/api-keys/{key_id}", response_model=ApiKeyOut)
async def revoke_key(key_id: str, principal: AdminAuth, request: Request) -> ApiKeyOut:
    async def run(session: AsyncSession) -> ApiKey:
        key = await session.get(ApiKey, (principal.workspace.id, key_id))
        if key is None:
            raise NotFound(f"no API key {key_id!r}")
        key.revoked_at = key.revoked_at or utcnow()
        return key
    key = await write(request, run)
    forget_credentials()
    return _key_out(key)
