"""HTTP routes: the register API (admin key or paired till) and the admin configuration API."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.kit.error_docs import CREATED, REPLAYED
from activereach.kit.errors import NotFound
from activereach.kit.http import read, write
from activereach.loyalty import holds, manage, members, service
from activereach.loyalty.rewards import eligibility
from activereach.loyalty.schemas import (
    AdjustIn,
    EventIn,
    HoldIn,
    MemberIn,
    ProgramIn,
    QuoteIn,
    RewardIn,
    RuleIn,
    TierIn,
)
from activereach.tenancy.auth import AdminAuth, AdminOrDeviceAuth, Principal

router = APIRouter(prefix="/v1/loyalty", tags=["loyalty"])


def _location(principal: Principal) -> str | None:
    """A till is pinned to its outlet; an admin key acts brand-wide."""
    return principal.location_id if principal.kind == "device" else None


def _terminal(principal: Principal) -> str | None:
    """The till's terminal: its holds are its own (a short TTL, released only by it)."""
    return principal.terminal_pk if principal.kind == "device" else None


def _actor(principal: Principal) -> str:
    return f"{principal.kind}:{principal.terminal_id or principal.key_id}"


# ---- admin configuration -------------------------------------------------------------------

@router.get("/program")
async def get_program(principal: AdminAuth, request: Request) -> dict[str, Any]:
    async def body(session: AsyncSession) -> dict[str, Any]:
        return service.program_out(await service.require_program(session, principal.workspace.id))
    return await read(request, body)


@router.put("/program")
async def put_program(body: ProgramIn, principal: AdminAuth, request: Request) -> dict[str, Any]:
    return await write(request, lambda s: service.put_program(s, principal.workspace.id, body))


@router.get("/rules")
async def list_rules(principal: AdminAuth, request: Request) -> dict[str, Any]:
    rows = await read(request, lambda s: service.list_rules(s, principal.workspace.id))
    return {"data": rows}


@router.post("/rules")
async def put_rule(body: RuleIn, principal: AdminAuth, request: Request) -> dict[str, Any]:
    return await write(request, lambda s: service.put_rule(s, principal.workspace.id, body))


@router.get("/tiers")
async def list_tiers(principal: AdminAuth, request: Request) -> dict[str, Any]:
    return {"data": await read(request, lambda s: service.list_tiers(s, principal.workspace.id))}


@router.post("/tiers")
async def put_tier(body: TierIn, principal: AdminAuth, request: Request) -> dict[str, Any]:
    return await write(request, lambda s: service.put_tier(s, principal.workspace.id, body))


@router.put("/rules/{rule_id}")
async def update_rule(rule_id: str, body: RuleIn, principal: AdminAuth,
                      request: Request) -> dict[str, Any]:
    return await write(request, lambda s: manage.update_rule(s, principal.workspace.id, rule_id,
                                                             body))


@router.put("/tiers/{tier_id}")
async def update_tier(tier_id: str, body: TierIn, principal: AdminAuth,
                      request: Request) -> dict[str, Any]:
    return await write(request, lambda s: manage.update_tier(s, principal.workspace.id, tier_id,
                                                             body))


# Retire / restore: the row stays for history, but no longer earns, is reached or is offered
# (docs/loyalty.md, "Retiring").

@router.post("/rules/{rule_id}/retire")
async def retire_rule(rule_id: str, principal: AdminAuth, request: Request) -> dict[str, Any]:
    return await write(request, lambda s: manage.retire_rule(s, principal.workspace.id, rule_id))


@router.post("/rules/{rule_id}/restore")
async def restore_rule(rule_id: str, principal: AdminAuth, request: Request) -> dict[str, Any]:
    return await write(request, lambda s: manage.retire_rule(
        s, principal.workspace.id, rule_id, retired=False))


@router.post("/tiers/{tier_id}/retire")
async def retire_tier(tier_id: str, principal: AdminAuth, request: Request) -> dict[str, Any]:
    return await write(request, lambda s: manage.retire_tier(s, principal.workspace.id, tier_id))


@router.post("/tiers/{tier_id}/restore")
async def restore_tier(tier_id: str, principal: AdminAuth, request: Request) -> dict[str, Any]:
    return await write(request, lambda s: manage.retire_tier(
        s, principal.workspace.id, tier_id, retired=False))


@router.post("/rewards/{reward_id}/retire")
async def retire_reward(reward_id: str, principal: AdminAuth,
                        request: Request) -> dict[str, Any]:
    return await write(request, lambda s: manage.retire_reward(
        s, principal.workspace.id, reward_id))


@router.post("/rewards/{reward_id}/restore")
async def restore_reward(reward_id: str, principal: AdminAuth,
                         request: Request) -> dict[str, Any]:
    return await write(request, lambda s: manage.retire_reward(
        s, principal.workspace.id, reward_id, retired=False))


@router.get("/rewards")
async def list_rewards(principal: AdminOrDeviceAuth, request: Request,
                       include_retired: bool = Query(default=False)) -> dict[str, Any]:
    """Rewards on offer; ``include_retired`` (admin keys) adds the retired ones, flagged."""
    retired = include_retired and principal.kind != "device"
    return {"data": await read(request, lambda s: service.list_rewards(
        s, principal.workspace.id, retired=retired))}


@router.post("/rewards", status_code=201)
async def create_reward(body: RewardIn, principal: AdminAuth, request: Request) -> dict[str, Any]:
    return await write(request, lambda s: service.put_reward(s, principal.workspace.id, body))


@router.put("/rewards/{reward_id}")
async def update_reward(reward_id: str, body: RewardIn, principal: AdminAuth,
                        request: Request) -> dict[str, Any]:
    return await write(request, lambda s: service.put_reward(s, principal.workspace.id, body,
                                                             reward_id))


@router.post("/members/{member_id}/adjustments", status_code=201, responses=REPLAYED)
async def adjust(member_id: str, body: AdjustIn, principal: AdminAuth, request: Request) -> Any:
    async def run(session: AsyncSession) -> dict[str, Any]:
        program = await service.require_program(session, principal.workspace.id)
        return await members.adjust(session, program, member_id, body, actor=_actor(principal))
    result = await write(request, run)
    return JSONResponse(result, status_code=200 if result["replayed"] else 201)


@router.get("/members/{member_id}/ledger")
async def ledger(member_id: str, principal: AdminAuth, request: Request,
                 limit: int = Query(default=100, ge=1, le=1000)) -> dict[str, Any]:
    async def body(session: AsyncSession) -> dict[str, Any]:
        account = await members.find_member(session, principal.workspace, member_id=member_id)
        rows = await members.member_ledger(session, principal.workspace.id, account.id, limit)
        return {"member_id": account.id, "data": rows}
    return await read(request, body)


# ---- at the register -----------------------------------------------------------------------

@router.get("/members")
async def lookup_member(principal: AdminOrDeviceAuth, request: Request,
                        phone: str | None = Query(default=None, max_length=40),
                        code: str | None = Query(default=None, max_length=40)) -> dict[str, Any]:
    async def body(session: AsyncSession) -> dict[str, Any]:
        program = await service.require_program(session, principal.workspace.id)
        account = await members.find_member(session, principal.workspace, phone=phone, code=code)
        return await members.member_summary(session, program, account)
    return await read(request, body)


@router.post("/members", responses=CREATED)
async def enroll(body: MemberIn, principal: AdminOrDeviceAuth, request: Request) -> Any:
    async def run(session: AsyncSession) -> tuple[dict[str, Any], bool]:
        program = await service.require_program(session, principal.workspace.id)
        return await members.enroll(session, principal.workspace, program, body)
    result, created = await write(request, run)
    return JSONResponse(result, status_code=201 if created else 200)


@router.get("/members/{member_id}")
async def show_member(member_id: str, principal: AdminOrDeviceAuth,
                      request: Request) -> dict[str, Any]:
    async def body(session: AsyncSession) -> dict[str, Any]:
        program = await service.require_program(session, principal.workspace.id)
        account = await members.find_member(session, principal.workspace, member_id=member_id)
        return await members.member_summary(session, program, account)
    return await read(request, body)


@router.get("/members/{member_id}/rewards")
async def member_rewards(member_id: str, principal: AdminOrDeviceAuth,
                         request: Request) -> dict[str, Any]:
    async def body(session: AsyncSession) -> dict[str, Any]:
        account = await members.find_member(session, principal.workspace, member_id=member_id)
        return {"member_id": account.id,
                "data": await eligibility(session, principal.workspace.id, account)}
    return await read(request, body)


@router.post("/quote")
async def quote(body: QuoteIn, principal: AdminOrDeviceAuth, request: Request) -> dict[str, Any]:
    async def run(session: AsyncSession) -> dict[str, Any]:
        program = await service.require_program(session, principal.workspace.id)
        return await members.quote(session, principal.workspace, program, body)
    return await read(request, run)


@router.post("/holds", responses=CREATED)
async def create_hold(body: HoldIn, principal: AdminOrDeviceAuth, request: Request) -> Any:
    async def run(session: AsyncSession) -> dict[str, Any]:
        program = await service.require_program(session, principal.workspace.id)
        return await holds.create_hold(session, program, holds.HoldRequest(
            account_id=body.member_id, points=body.points, reward_id=body.reward_id,
            bill_total=body.bill_total, cart_ref=body.cart_ref, request_key=body.idempotency_key,
            ttl_seconds=body.ttl_seconds, location_id=_location(principal),
            terminal_id=_terminal(principal)))
    result = await write(request, run)
    return JSONResponse(result, status_code=200 if result["replayed"] else 201)


@router.get("/holds/{ref}")
async def show_hold(ref: str, principal: AdminOrDeviceAuth, request: Request) -> dict[str, Any]:
    """A hold by id, or a redemption code typed at checkout."""
    async def body(session: AsyncSession) -> dict[str, Any]:
        hold = await holds.find_hold(session, principal.workspace.id, ref, lock=False)
        pinned = _location(principal)
        if hold is None or (pinned and hold.location_id and hold.location_id != pinned):
            raise NotFound(f"no hold or redemption code {ref!r}")
        return holds.hold_out(hold)
    return await read(request, body)


@router.post("/holds/{ref}/release")
async def release_hold(ref: str, principal: AdminOrDeviceAuth, request: Request) -> dict[str, Any]:
    """Void a hold at once (a till calls it when its payment screen closes or its cart is
    cleared). Idempotent: a released or expired hold answers as it is; a used one is a 409.
    A till may release only the holds it made."""
    return await write(request, lambda s: holds.release_hold(
        s, principal.workspace.id, ref, location_id=_location(principal),
        terminal_id=_terminal(principal)))


@router.post("/events", responses=CREATED)
async def event_points(body: EventIn, principal: AdminOrDeviceAuth, request: Request) -> Any:
    async def run(session: AsyncSession) -> dict[str, Any]:
        program = await service.require_program(session, principal.workspace.id)
        return await members.event_points(session, program, body, location_id=_location(principal),
                                          actor=_actor(principal))
    result = await write(request, run)
    return JSONResponse(result, status_code=200 if result["replayed"] else 201)
