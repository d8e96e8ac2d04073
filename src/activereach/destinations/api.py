"""HTTP routes for destinations (admin key): CRUD, the test send, the delivery log, replay."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.destinations import delivery, log, service
from activereach.destinations.schemas import (DeliveriesOut, DeliveryOut, DestinationIn,
                                              DestinationPatch, TestOut)
from activereach.kit import crypto
from activereach.kit.http import read, write
from activereach.tenancy.auth import AdminAuth


async def _bind_settings(request: Request) -> None:
    # Secrets are encrypted with a key derived from the app's secret key.
    crypto.use_settings(request.app.state.settings)


router = APIRouter(prefix="/v1/destinations", tags=["destinations"],
                   dependencies=[Depends(_bind_settings)])


@router.get("/kinds")
async def kinds(principal: AdminAuth) -> list[dict[str, Any]]:
    """Every destination kind as it describes itself: settings, hosts, event types."""
    return service.kinds_out()


@router.post("", status_code=201)
async def create(body: DestinationIn, principal: AdminAuth, request: Request) -> dict[str, Any]:
    """A webhook's reply carries ``signing_secret`` (``whsec_…``): shown this once."""
    async def run(session: AsyncSession) -> dict[str, Any]:
        made, secret = await service.create_destination(session, principal.workspace.id, body)
        out = service.destination_out(made)
        return {**out, "signing_secret": secret} if secret else out
    return await write(request, run)


@router.get("")
async def list_all(principal: AdminAuth, request: Request) -> list[dict[str, Any]]:
    async def run(session: AsyncSession) -> list[dict[str, Any]]:
        return [service.destination_out(d)
                for d in await service.list_destinations(session, principal.workspace.id)]
    return await read(request, run)


@router.get("/{destination_id}")
async def show(destination_id: str, principal: AdminAuth, request: Request) -> dict[str, Any]:
    async def run(session: AsyncSession) -> dict[str, Any]:
        return service.destination_out(await service.get_destination(
            session, principal.workspace.id, destination_id))
    return await read(request, run)


@router.patch("/{destination_id}")
async def change(destination_id: str, body: DestinationPatch, principal: AdminAuth,
                 request: Request) -> dict[str, Any]:
    async def run(session: AsyncSession) -> dict[str, Any]:
        return service.destination_out(await service.update_destination(
            session, principal.workspace.id, destination_id, body))
    return await write(request, run)


@router.delete("/{destination_id}", status_code=204)
async def delete(destination_id: str, principal: AdminAuth, request: Request) -> Response:
    await write(request, lambda s: service.delete_destination(
        s, principal.workspace.id, destination_id))
    return Response(status_code=204)


@router.post("/{destination_id}/test", response_model=TestOut)
async def test_send(destination_id: str, principal: AdminAuth, request: Request) -> TestOut:
    """Send a ``destination_test`` event now and say what the receiver answered."""
    found = await read(request, lambda s: service.get_destination(
        s, principal.workspace.id, destination_id))
    result = await service.test_send(found)   # no transaction open during the call
    return TestOut(ok=result.ok, status_code=result.status_code, error=result.error, ms=result.ms)


@router.get("/{destination_id}/deliveries", response_model=DeliveriesOut)
async def deliveries(destination_id: str, principal: AdminAuth, request: Request,
                     status: str | None = Query(default=None, max_length=16),
                     limit: int = Query(default=50, ge=1, le=500)) -> DeliveriesOut:
    async def run(session: AsyncSession) -> DeliveriesOut:
        await service.get_destination(session, principal.workspace.id, destination_id)
        rows = await log.list_deliveries(session, principal.workspace.id, destination_id,
                                         status=status, limit=limit)
        return DeliveriesOut(data=[log.delivery_out(d) for d in rows])
    return await read(request, run)


@router.get("/{destination_id}/deliveries/{delivery_id}", response_model=DeliveryOut)
async def one_delivery(destination_id: str, delivery_id: str, principal: AdminAuth,
                       request: Request) -> DeliveryOut:
    async def run(session: AsyncSession) -> DeliveryOut:
        found = await log.get_delivery(session, principal.workspace.id, destination_id,
                                       delivery_id)
        return log.delivery_out(found)
    return await read(request, run)


@router.post("/{destination_id}/deliveries/{delivery_id}/replay", response_model=DeliveryOut)
async def replay(destination_id: str, delivery_id: str, principal: AdminAuth,
                 request: Request) -> DeliveryOut:
    """Send a delivered or failed delivery again (409 while it is still pending)."""
    async def run(session: AsyncSession) -> DeliveryOut:
        await service.get_destination(session, principal.workspace.id, destination_id)
        return log.delivery_out(await delivery.replay(
            session, principal.workspace.id, destination_id, delivery_id))
    return await write(request, run)


@router.post("/{destination_id}/replay-failed")
async def replay_failed(destination_id: str, principal: AdminAuth,
                        request: Request) -> dict[str, int]:
    async def run(session: AsyncSession) -> dict[str, int]:
        await service.get_destination(session, principal.workspace.id, destination_id)
        return {"replayed": await delivery.replay_failed(
            session, principal.workspace.id, destination_id)}
    return await write(request, run)
