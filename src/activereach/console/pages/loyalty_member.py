"""Loyalty member page: balance, pending, held, tier, next expiries, the ledger in people's words
(who did what, local times, invoice numbers and reward names, never ids), reward eligibility,
and adding or removing points by hand with a reason (owner or manager, audited)."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.bills.service import invoice_numbers
from activereach.console import loyalty as forms
from activereach.console.audit import Target, audited
from activereach.console.auth import Console, console
from activereach.console.csrf import form_with_csrf
from activereach.console.event_labels import ADJUST_REASONS, label
from activereach.console.web import flash, page, redirect
from activereach.kit.errors import Conflict
from activereach.kit.http import read, write
from activereach.loyalty import members, service
from activereach.loyalty.rewards import reward_names
from activereach.loyalty.schemas import AdjustIn
from activereach.orders.models import Order

router = APIRouter(include_in_schema=False)
Con = Annotated[Console, Depends(console)]
BASE = "/dashboard/{workspace}/loyalty/members/{member_id}"
KINDS = {"earn": "Earned", "redeem": "Redeemed", "reverse": "Taken back after a refund",
         "refund_credit": "Given back after a refund", "expire": "Expired",
         "adjust": "Adjusted by hand"}


def _who(actor: str | None) -> str:
    """The ledger's actor as people read it: a console user's email, a till, or the API."""
    if not actor:
        return ""
    kind, _, rest = actor.partition(":")
    if kind == "user":
        return rest
    return f"Till {rest}" if kind == "device" else "API"


def _reason(reason: str | None) -> str:
    if reason and reason.startswith("event:"):
        return label(reason.removeprefix("event:"))
    return reason or ""


async def _ledger(session: AsyncSession, ws: str, account_id: str) -> list[dict[str, Any]]:
    """The 200 newest entries with what each was for: an invoice number, a reward's name."""
    entries = await members.member_ledger(session, ws, account_id, 200)
    order_ids = {e["order_id"] for e in entries if e["order_id"]}
    invoices = await invoice_numbers(session, ws, order_ids)
    if order_ids - set(invoices):  # no bill yet: the POS's own order number instead
        rows = await session.execute(select(Order.id, Order.external_id).where(
            Order.workspace_id == ws, Order.id.in_(order_ids - set(invoices))))
        invoices.update({order_id: external for order_id, external in rows.all()})
    rewards = await reward_names(session, ws, {e["reward_id"] for e in entries
                                               if e["reward_id"]})
    for e in entries:
        e["at"] = dt.datetime.fromisoformat(e["created_at"])
        e["kind_text"], e["who"] = KINDS.get(e["kind"], label(e["kind"])), _who(e["actor"])
        e["reason_text"] = _reason(e["reason"])
        e["invoice"] = invoices.get(e["order_id"] or "")
        e["reward_name"] = rewards.get(e["reward_id"] or "")
    return entries


async def _page(con: Console, member_id: str, status_code: int = 200,
                **extra: Any) -> HTMLResponse:
    ws = con.workspace.id

    async def load(session: AsyncSession) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        program = await service.require_program(session, ws)
        account = await members.find_member(session, con.workspace, member_id=member_id)
        summary = await members.member_summary(session, program, account)
        return summary, await _ledger(session, ws, account.id)
    summary, entries = await read(con.request, load)
    if con.location is not None:
        entries = [e for e in entries if e["location_id"] == con.location.id]
    for e in summary["expiring"]:
        e["at"] = dt.datetime.fromisoformat(e["expires_at"])
    ctx: dict[str, Any] = {"errors": {}, "values": {}, **extra}
    return page(con, "console/loyalty_member.html", "loyalty", status_code=status_code,
                member=summary, entries=entries, reasons=ADJUST_REASONS,
                adjust_key=secrets.token_urlsafe(12),
                outlet_names={loc.id: loc.name for loc in con.locations}, **ctx)


@router.get(BASE, response_class=HTMLResponse)
async def member(member_id: str, con: Con) -> HTMLResponse:
    return await _page(con, member_id)


@router.post(BASE + "/adjust", response_model=None)
async def adjust(member_id: str, con: Con) -> HTMLResponse | RedirectResponse:
    """Add or remove points with a reason, through the ledger's adjustment path (idempotent
    on the form's key: a double submit records one adjustment), audited."""
    form = await form_with_csrf(con.request)
    con.require_write()
    parsed, errors = forms.adjust_form(form)
    values = {k: v for k, v in form.items() if k in ("points", "direction", "reason", "note")}
    if parsed is None:
        return await _page(con, member_id, 422, errors=errors, values=values)
    body = AdjustIn(points=parsed["points"], reason=parsed["reason"],
                    idempotency_key=f"console:{parsed['key']}")
    actor = f"user:{con.user.email}"[:80]

    async def run(session: AsyncSession) -> dict[str, Any]:
        program = await service.require_program(session, con.workspace.id)
        account = await members.find_member(session, con.workspace, member_id=member_id)
        before = account.available
        done = await members.adjust(session, program, account.id, body, actor=actor)
        if not done["replayed"]:
            await audited(session, con, "points.adjust",
                          Target("loyalty_member", account.id, account.member_code),
                          before={"available": before},
                          after={"available": done["available"], "points": body.points,
                                 "reason": body.reason})
        return done
    try:
        done = await write(con.request, run)
    except Conflict as exc:  # taking more than the member has under the clamp policy
        return await _page(con, member_id, 422, values=values,
                           errors={"points": exc.message.removeprefix("points: ")})
    word = "added to" if body.points > 0 else "taken from"
    flash(con.request, "That adjustment was already recorded." if done["replayed"] else
          f"{abs(body.points)} points {word} the balance: {done['available']} available now.")
    return redirect(con.url(f"loyalty/members/{member_id}"))
