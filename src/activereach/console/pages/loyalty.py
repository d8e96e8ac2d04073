"""Loyalty: the program (brand-wide, owner), earning rules with scope badges (brand rule under
"All outlets", owner; outlet rule with an outlet chip, owner or manager), tiers and rewards
(owner), the member list with balances, and one member's ledger."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.console import loyalty as forms
from activereach.console.catalog import major
from activereach.console.audit import Target, audited
from activereach.console.auth import Console, console
from activereach.console.csrf import form_with_csrf
from activereach.console.web import flash, page, redirect
from activereach.kit.errors import AppError, NotFound
from activereach.kit.http import read, write
from activereach.loyalty import ledger, members, service
from activereach.loyalty.models import LoyaltyAccount, LoyaltyProgram

router = APIRouter(include_in_schema=False)
Con = Annotated[Console, Depends(console)]
BASE = "/dashboard/{workspace}/loyalty"
PAGE_SIZE = 50
CODE_RE = re.compile(r"(?i)(loyalty:)?[a-z0-9]{8}")
PROGRAM_DEFAULTS = {"name": "", "points_name": "points", "active": True, "pending_days": 0,
                    "expiry_months": None, "min_redeem_points": 0, "max_redeem_share_bp": 10_000,
                    "point_value": 100, "negative_policy": "clamp",
                    "recredit_redeemed": "proportional", "hold_ttl_seconds": 900,
                    "tier_basis": "spend", "tier_window_days": 365}


def _rules_in_scope(rules: list[dict[str, Any]], location_id: str | None) -> list[dict[str, Any]]:
    """All outlets: every row. An outlet: brand rows and this outlet's rows, a brand row marked
    as replaced when the outlet has its own row of the same kind and event."""
    if location_id is None:
        return rules
    own = {(r["kind"], r["event_name"]) for r in rules if r["location_id"] == location_id}
    shown = []
    for rule in rules:
        if rule["location_id"] not in (None, location_id):
            continue
        replaced = rule["location_id"] is None and (rule["kind"], rule["event_name"]) in own
        shown.append({**rule, "replaced": replaced})
    return shown


async def _page(con: Console, status_code: int = 200, before: str | None = None,
                **extra: Any) -> HTMLResponse:
    ws = con.workspace.id
    location_id = con.location.id if con.location else None

    async def load(session: AsyncSession) -> tuple[
            LoyaltyProgram | None, list[dict[str, Any]], list[dict[str, Any]],
            list[dict[str, Any]], list[tuple[LoyaltyAccount, str | None]]]:
        program = await ledger.program_of(session, ws)
        return (program, await service.list_rules(session, ws),
                await service.list_tiers(session, ws),
                await service.list_rewards(session, ws),
                await members.list_members(session, ws, location_id=location_id, before=before,
                                           limit=PAGE_SIZE))
    program, rules, tiers, rewards, people = await read(con.request, load)
    rules, tiers, rewards = _dated(rules), _dated(tiers), _dated(rewards)
    program_doc = service.program_out(program) if program else None
    scoped = _rules_in_scope(rules, location_id)
    ctx: dict[str, Any] = {
        "program": program_doc, "rules": [r for r in scoped if not r["retired"]],
        "tiers": [t for t in tiers if not t["retired"]],
        "rewards": [r for r in rewards if not r["retired"]], "members": people,
        "retired": {"rules": [r for r in scoped if r["retired"]],
                    "tiers": [t for t in tiers if t["retired"]],
                    "rewards": [r for r in rewards if r["retired"]]}, "first_page": before is None,
        "next_before": people[-1][0].id if len(people) == PAGE_SIZE else None,
        "outlet_names": {loc.id: loc.name for loc in con.locations},
        "tier_names": {t["id"]: t["name"] for t in tiers},
        "program_values": extra.pop("program_values", None) or _program_values(
            program_doc, con.workspace.currency),
        "errors": {}, "form": None, "values": {}, "q": "", "problem": None, **extra}
    return page(con, "console/loyalty.html", "loyalty", status_code=status_code, **ctx)


def _dated(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Window bounds and retirement as datetimes for ``| when``; the window's last day is the
    day before its (exclusive) end."""
    out = []
    for doc in docs:
        parse = {k: dt.datetime.fromisoformat(doc[k]) if doc.get(k) else None
                 for k in ("valid_from", "valid_until", "retired_at")}
        until = parse["valid_until"]
        out.append({**doc, "valid_from_dt": parse["valid_from"], "valid_until_dt": until,
                    "valid_last_dt": until - dt.timedelta(seconds=1) if until else None,
                    "retired_at_dt": parse["retired_at"]})
    return out


def _program_values(doc: dict[str, Any] | None, currency: str) -> dict[str, Any]:
    """The program form's inputs in the units people type (money major, share in %)."""
    source = {**PROGRAM_DEFAULTS, **(doc or {})}
    values = {k: ("" if v is None else v) for k, v in source.items()}
    values["max_redeem_share"] = f"{source['max_redeem_share_bp'] / 100:g}"
    values["point_value"] = major(source["point_value"], currency)
    values["active"] = "on" if source["active"] else ""
    return values


@router.get(BASE, response_model=None)
async def loyalty(con: Con, q: str = Query(default="", max_length=100),
                  before: str | None = Query(default=None, max_length=40)
                  ) -> HTMLResponse | RedirectResponse:
    q = q.strip()
    if q:
        async def find(session: AsyncSession) -> LoyaltyAccount:
            """A member code (or its QR text) first, then the phone number."""
            if CODE_RE.fullmatch(q):
                try:
                    return await members.find_member(session, con.workspace, code=q)
                except NotFound:
                    if sum(ch.isdigit() for ch in q) < 7:
                        raise
            return await members.find_member(session, con.workspace, phone=q)
        try:
            found = await read(con.request, find)
        except AppError as exc:
            return await _page(con, 404 if isinstance(exc, NotFound) else 422, q=q,
                               problem=f"q: {exc.message}")
        return redirect(con.url(f"loyalty/members/{found.id}"))
    return await _page(con, before=before)


AUDIT_KINDS = {"program": "loyalty_program", "rule": "loyalty_rule", "tier": "loyalty_tier",
               "reward": "loyalty_reward"}
HIDDEN = ("id", "issued", "retired_at", "updated_at")


def audit_fields(doc: dict[str, Any]) -> dict[str, Any]:
    """What people edit, for the audit log (no ids, counters or timestamps)."""
    return {k: v for k, v in doc.items() if k not in HIDDEN}


def audit_label(kind: str, doc: dict[str, Any], con: Console) -> str:
    """A rule is named by its event and scope; everything else by its name."""
    if kind != "rule":
        return str(doc.get("name") or kind)
    names = {loc.id: loc.name for loc in con.locations}
    where = names.get(doc.get("location_id") or "", "the brand")
    return f"{doc['event_name']} ({doc['kind']}) at {where}"


async def _save(con: Console, name: str, parsed: tuple[Any, dict[str, str]], run: Any,
                done: str, before: Any = None) -> HTMLResponse | RedirectResponse:
    """Validate → write and audit in one transaction → 303; errors (form or service)
    re-render, 422."""
    body, errors = parsed
    if body is not None:
        async def txn(session: AsyncSession) -> None:
            old = await before(session) if before else None
            doc = await run(session, body)
            action = f"{name}.update" if old else f"{name}.create"
            await audited(session, con, action,
                          Target(AUDIT_KINDS[name], doc["id"], audit_label(name, doc, con)),
                          before=audit_fields(old) if old else None, after=audit_fields(doc))
        try:
            await write(con.request, txn)
        except AppError as exc:
            if exc.status_code != 422:
                raise
            detail = exc.details[0] if isinstance(exc.details, list) and exc.details else {}
            errors = {detail.get("field", "form"): detail.get("message", exc.message)}
    if errors:
        values = await _posted(con)
        extra: dict[str, Any] = ({"program_values": values} if name == "program"
                                 else {"values": values})
        return await _page(con, 422, errors=errors, form=name, **extra)
    flash(con.request, done)
    return redirect(con.url("loyalty"))


async def _posted(con: Console) -> dict[str, str]:
    form = await con.request.form()
    return {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}


@router.post(BASE + "/program", response_model=None)
async def save_program(con: Con) -> HTMLResponse | RedirectResponse:
    form = await form_with_csrf(con.request)
    con.require_owner()
    if con.location is not None:
        raise NotFound("location: the program is brand-wide; edit it under All outlets")
    ws = con.workspace.id

    async def before(session: AsyncSession) -> dict[str, Any] | None:
        program = await ledger.program_of(session, ws)
        return service.program_out(program) if program else None
    return await _save(con, "program", forms.program_form(form, con.workspace.currency),
                       lambda s, body: service.put_program(s, ws, body), "Program saved.",
                       before)


@router.post(BASE + "/rules", response_model=None)
async def save_rule(con: Con) -> HTMLResponse | RedirectResponse:
    """The chip strip decides the scope: All outlets → the brand rule (owner); an outlet → that
    outlet's rule, which replaces the brand rule there (owner or manager)."""
    form = await form_with_csrf(con.request)
    if con.location is None:
        con.require_owner()
    else:
        con.require_write()
    ws = con.workspace.id
    location_id = con.location.id if con.location else None
    scope = con.location.name if con.location else "the brand"
    return await _save(con, "rule", forms.rule_form(form, con.workspace.currency, location_id,
                                                      con.workspace.timezone),
                       lambda s, body: service.put_rule(s, ws, body),
                       f"Earning rule saved for {scope}.")


@router.post(BASE + "/tiers", response_model=None)
async def save_tier(con: Con) -> HTMLResponse | RedirectResponse:
    form = await form_with_csrf(con.request)
    con.require_owner()
    ws = con.workspace.id
    program = await read(con.request, lambda s: ledger.program_of(s, ws))
    basis = program.tier_basis if program else "spend"
    return await _save(con, "tier", forms.tier_form(form, con.workspace.currency, basis),
                       lambda s, body: service.put_tier(s, ws, body), "Tier saved.")


@router.post(BASE + "/rewards", response_model=None)
async def save_reward(con: Con) -> HTMLResponse | RedirectResponse:
    form = await form_with_csrf(con.request)
    con.require_owner()
    ws = con.workspace.id
    return await _save(con, "reward", forms.reward_form(form, con.workspace.currency,
                                                          con.workspace.timezone),
                       lambda s, body: service.put_reward(s, ws, body), "Reward added.")
