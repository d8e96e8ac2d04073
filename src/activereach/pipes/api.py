"""HTTP routes for data pipes (admin key) and the provider-facing webhook inbox (signed)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.kit.http import database, read, write
from activereach.kit import crypto
from activereach.pipes import health, inbox, service, testrun
from activereach.pipes.providers import registered
from activereach.pipes.providers.spec import describe
from activereach.pipes.schemas import PipeIn, PipePatch, ProviderOut, ReplayAllIn, TestIn
from activereach.pipes.models import Pipe
from activereach.tenancy.auth import AdminAuth


async def _bind_settings(request: Request) -> None:
    # Secrets are encrypted with a key derived from the app's secret key.
    crypto.use_settings(request.app.state.settings)


router = APIRouter(prefix="/v1/pipes", tags=["pipes"], dependencies=[Depends(_bind_settings)])


async def _out(session: AsyncSession, pipe: Pipe, request: Request) -> dict[str, Any]:
    secrets = await service.secrets_of(session, pipe)
    return service.pipe_out(pipe, secrets, str(request.base_url))


@router.get("/providers", response_model=list[ProviderOut])
async def providers(principal: AdminAuth) -> list[dict[str, Any]]:
    """Every provider as it describes itself: label, settings (type, required, secret, help,
    example), signing secret, API hosts, content type and sample kind, the declarations the
    console's pipe forms are drawn from too."""
    return [describe(provider) for provider in registered().values()]


@router.post("", status_code=201)
async def create_pipe(body: PipeIn, principal: AdminAuth, request: Request) -> dict[str, Any]:
    async def run(session: AsyncSession) -> dict[str, Any]:
        pipe, extra = await service.create_pipe(session, principal.workspace, body)
        return {**await _out(session, pipe, request), **extra}
    return await write(request, run)


@router.get("")
async def list_pipes(principal: AdminAuth, request: Request) -> list[dict[str, Any]]:
    async def run(session: AsyncSession) -> list[dict[str, Any]]:
        return [await _out(session, p, request)
                for p in await service.list_pipes(session, principal.workspace.id)]
    return await read(request, run)


@router.get("/{pipe_id}")
async def show_pipe(pipe_id: str, principal: AdminAuth, request: Request) -> dict[str, Any]:
    async def run(session: AsyncSession) -> dict[str, Any]:
        return await _out(session, await service.get_pipe(session, principal.workspace.id, pipe_id),
                          request)
    return await read(request, run)


@router.patch("/{pipe_id}")
async def update_pipe(pipe_id: str, body: PipePatch, principal: AdminAuth,
                      request: Request) -> dict[str, Any]:
    async def run(session: AsyncSession) -> dict[str, Any]:
        pipe = await service.update_pipe(session, principal.workspace, pipe_id, body)
        await session.flush()
        return await _out(session, pipe, request)
    return await write(request, run)


async def _set_status(request: Request, principal: Any, pipe_id: str, status: str) -> dict[str, Any]:
    async def run(session: AsyncSession) -> dict[str, Any]:
        pipe = await service.set_status(session, principal.workspace.id, pipe_id, status)
        return await _out(session, pipe, request)
    return await write(request, run)


@router.post("/{pipe_id}/pause")
async def pause_pipe(pipe_id: str, principal: AdminAuth, request: Request) -> dict[str, Any]:
    """Deliveries keep being stored (and acknowledged); they are processed on resume."""
    return await _set_status(request, principal, pipe_id, "paused")


@router.post("/{pipe_id}/resume")
async def resume_pipe(pipe_id: str, principal: AdminAuth, request: Request) -> dict[str, Any]:
    return await _set_status(request, principal, pipe_id, "active")


@router.delete("/{pipe_id}", status_code=204)
async def delete_pipe(pipe_id: str, principal: AdminAuth, request: Request) -> Response:
    await write(request, lambda s: service.delete_pipe(s, principal.workspace.id, pipe_id))
    return Response(status_code=204)


@router.post("/{pipe_id}/webhook", tags=["webhooks"])
async def webhook(pipe_id: str, request: Request) -> JSONResponse:
    """Provider-native body and signature headers; stored raw before the 2xx reply."""
    raw = await request.body()
    receipt = await _group_commit(request).submit(pipe_id, raw, dict(request.headers))
    return JSONResponse(receipt.body, status_code=receipt.status_code)


def _group_commit(request: Request) -> inbox.GroupCommit:
    state = request.app.state
    found = getattr(state, "pipes_group_commit", None)
    if found is None or found.db is not database(request):
        worker = getattr(state, "worker", None)
        found = inbox.GroupCommit(database(request), worker.wake if worker else None)
        state.pipes_group_commit = found
    return found


@router.post("/{pipe_id}/test")
async def test_pipe(pipe_id: str, body: TestIn, principal: AdminAuth,
                    request: Request) -> dict[str, Any]:
    """Run a pasted payload (or the built-in sample) through everything; writes nothing."""
    return await testrun.run_test(database(request), principal.workspace, pipe_id, body)


@router.get("/{pipe_id}/health")
async def pipe_health(pipe_id: str, principal: AdminAuth, request: Request,
                      hours: int = Query(default=24, ge=1, le=24 * 90)) -> dict[str, Any]:
    return await read(request, lambda s: health.pipe_health(
        s, principal.workspace.id, pipe_id, hours=hours))


@router.get("/{pipe_id}/deliveries")
async def deliveries(pipe_id: str, principal: AdminAuth, request: Request,
                     status: str | None = Query(default=None, max_length=16),
                     limit: int = Query(default=50, ge=1, le=500),
                     before: str | None = Query(default=None, max_length=40)) -> list[dict[str, Any]]:
    return await read(request, lambda s: inbox.list_deliveries(
        s, principal.workspace.id, pipe_id, status=status, limit=limit, before=before))


@router.get("/{pipe_id}/dead-letters")
async def dead_letters(pipe_id: str, principal: AdminAuth, request: Request,
                       limit: int = Query(default=100, ge=1, le=500)) -> list[dict[str, Any]]:
    return await read(request, lambda s: inbox.list_deliveries(
        s, principal.workspace.id, pipe_id, status="dead", limit=limit, before=None))


@router.get("/{pipe_id}/deliveries/{delivery_id}")
async def delivery(pipe_id: str, delivery_id: str, principal: AdminAuth,
                   request: Request) -> dict[str, Any]:
    return await read(request, lambda s: inbox.get_delivery(
        s, principal.workspace.id, pipe_id, delivery_id))


@router.post("/{pipe_id}/deliveries/{delivery_id}/replay", status_code=202)
async def replay_one(pipe_id: str, delivery_id: str, principal: AdminAuth,
                     request: Request) -> dict[str, Any]:
    return await write(request, lambda s: inbox.replay(s, principal.workspace.id, pipe_id,
                                                       delivery_id))


@router.post("/{pipe_id}/replay", status_code=202)
async def replay_all(pipe_id: str, principal: AdminAuth, request: Request,
                     body: ReplayAllIn | None = None) -> dict[str, Any]:
    status = body.status if body else None
    return await write(request, lambda s: inbox.replay_all(s, principal.workspace.id, pipe_id,
                                                           status))


@router.post("/{pipe_id}/reconcile", status_code=202)
async def reconcile_now(pipe_id: str, principal: AdminAuth, request: Request) -> dict[str, Any]:
    async def run(session: AsyncSession) -> dict[str, Any]:
        pipe = await service.get_pipe(session, principal.workspace.id, pipe_id)
        return {"queued": await service.schedule_reconcile(session, pipe, now=True)}
    return await write(request, run)
