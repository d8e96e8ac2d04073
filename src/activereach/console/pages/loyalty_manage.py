"""Editing and retiring earning rules, tiers and rewards from the Loyalty page.

Each row's *Edit* opens a form prefilled from the stored row (money in major units, windows as
local dates in the brand's timezone); *Retire* asks first on its own page (no script needed);
retired rows are listed under "Retired" with *Restore*.  Every write is audited
(``rule.update``, ``reward.retire``, ``tier.restore`` …).  Roles: brand rules, tiers and rewards
are owner-only; an outlet's own rule is owner or manager (as on the Loyalty page)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.console import loyalty as forms
from activereach.console.audit import Target, audited
from activereach.console.auth import Console, console
from activereach.console.csrf import form_with_csrf
from activereach.console.pages.loyalty import audit_fields, audit_label
from activereach.console.web import flash, page, redirect
from activereach.kit.errors import AppError
from activereach.kit.http import read, write
from activereach.loyalty import ledger, manage, service

router = APIRouter(include_in_schema=False)
Con = Annotated[Console, Depends(console)]
Kind = Literal["rules", "tiers", "rewards"]
BASE = "/dashboard/{workspace}/loyalty/{kind}/{item_id}"


@dataclass(frozen=True)
class Spec:
    one: str                     # audit action prefix and form name: rule | tier | reward
    noun: str                    # what people call it
    get: Callable[[AsyncSession, str, str], Awaitable[dict[str, Any]]]
    update: Callable[..., Awaitable[dict[str, Any]]]
    retire: Callable[..., Awaitable[dict[str, Any]]]
    effect: str                  # what retiring does, on the confirmation page


SPECS: dict[str, Spec] = {
    "rules": Spec("rule", "earning rule", manage.get_rule, manage.update_rule,
                  manage.retire_rule,
                  "It stops earning from the next sale. Points already earned stay. An outlet "
                  "rule hands its outlet back to the brand rule."),
    "tiers": Spec("tier", "tier", manage.get_tier, manage.update_tier, manage.retire_tier,
                  "Members on it move at once to the highest remaining tier their spend or "
                  "points reach (or to no tier). Refused while a reward needs this tier."),
    "rewards": Spec("reward", "reward", manage.get_reward, manage.update_reward,
                    manage.retire_reward,
                    "Tills and the member page stop offering it. Rewards already held for a "
                    "cart still go through, and past redemptions keep its name."),
}


def _allowed(con: Console, spec: Spec, doc: dict[str, Any]) -> None:
    """An outlet's own rule: owner or manager; everything else here is a brand setting."""
    if spec.one == "rule" and doc.get("location_id"):
        con.require_write()
    else:
        con.require_owner()


async def _load(con: Console, spec: Spec, item_id: str) -> tuple[dict[str, Any], str]:
    ws = con.workspace.id

    async def load(session: AsyncSession) -> tuple[dict[str, Any], str]:
        program = await ledger.program_of(session, ws)
        return await spec.get(session, ws, item_id), program.tier_basis if program else "spend"
    return await read(con.request, load)


def _values(spec: Spec, doc: dict[str, Any], con: Console, basis: str) -> dict[str, str]:
    cur, tz = con.workspace.currency, con.workspace.timezone
    if spec.one == "rule":
        return forms.rule_values(doc, cur, tz)
    if spec.one == "tier":
        return forms.tier_values(doc, cur, basis)
    return forms.reward_values(doc, cur, tz)


async def _edit_page(con: Console, kind: str, doc: dict[str, Any], basis: str,
                     status_code: int = 200, values: dict[str, str] | None = None,
                     errors: dict[str, str] | None = None) -> HTMLResponse:
    spec = SPECS[kind]
    tiers = await read(con.request, lambda s: service.list_tiers(s, con.workspace.id))
    return page(con, "console/loyalty_edit.html", "loyalty", status_code=status_code,
                kind=kind, spec=spec, doc=doc, basis=basis,
                values=values if values is not None else _values(spec, doc, con, basis),
                errors=errors or {}, tiers=[t for t in tiers if not t["retired"]],
                label=audit_label(spec.one, doc, con),
                outlet_names={loc.id: loc.name for loc in con.locations})


@router.get(BASE + "/edit", response_class=HTMLResponse)
async def edit(kind: Kind, item_id: str, con: Con) -> HTMLResponse:
    doc, basis = await _load(con, SPECS[kind], item_id)
    return await _edit_page(con, kind, doc, basis)


def _parse(con: Console, spec: Spec, doc: dict[str, Any], form: dict[str, str],
           basis: str) -> tuple[Any, dict[str, str]]:
    cur, tz = con.workspace.currency, con.workspace.timezone
    if spec.one == "rule":  # kind, event and outlet identify the rule: they come from the row
        fixed = {**form, "kind": doc["kind"], "event_name": doc["event_name"]}
        return forms.rule_form(fixed, cur, doc["location_id"], tz)
    if spec.one == "tier":
        return forms.tier_form(form, cur, basis)
    return forms.reward_form(form, cur, tz)


@router.post(BASE, response_model=None)
async def update(kind: Kind, item_id: str, con: Con) -> HTMLResponse | RedirectResponse:
    form = await form_with_csrf(con.request)
    spec = SPECS[kind]
    doc, basis = await _load(con, spec, item_id)
    _allowed(con, spec, doc)
    posted = {k: v for k, v in form.items() if k != "csrf_token"}
    body, errors = _parse(con, spec, doc, posted, basis)
    if body is not None:
        async def run(session: AsyncSession) -> None:
            before = await spec.get(session, con.workspace.id, item_id)
            after = await spec.update(session, con.workspace.id, item_id, body)
            await audited(session, con, f"{spec.one}.update",
                          Target(f"loyalty_{spec.one}", item_id, audit_label(spec.one, after, con)),
                          before=audit_fields(before), after=audit_fields(after))
        try:
            await write(con.request, run)
        except AppError as exc:
            if exc.status_code != 422:
                raise
            detail = exc.details[0] if isinstance(exc.details, list) and exc.details else {}
            errors = {detail.get("field", "form"): detail.get("message", exc.message)}
    if errors:
        return await _edit_page(con, kind, doc, basis, 422, values=posted, errors=errors)
    flash(con.request, f"{spec.noun.capitalize()} saved.")
    return redirect(con.url("loyalty") + f"#{kind}")


@router.get(BASE + "/retire", response_class=HTMLResponse)
async def confirm_retire(kind: Kind, item_id: str, con: Con) -> HTMLResponse:
    """Retiring asks first, on a page of its own (works without JavaScript)."""
    spec = SPECS[kind]
    doc, _ = await _load(con, spec, item_id)
    _allowed(con, spec, doc)
    return page(con, "console/loyalty_retire.html", "loyalty", kind=kind, spec=spec, doc=doc,
                label=audit_label(spec.one, doc, con), problem=None)


async def _set_retired(con: Console, kind: str, item_id: str,
                       retired: bool) -> HTMLResponse | RedirectResponse:
    spec = SPECS[kind]
    doc, _ = await _load(con, spec, item_id)
    _allowed(con, spec, doc)
    name = audit_label(spec.one, doc, con)

    async def run(session: AsyncSession) -> None:
        after = await spec.retire(session, con.workspace.id, item_id, retired=retired)
        await audited(session, con, f"{spec.one}.{'retire' if retired else 'restore'}",
                      Target(f"loyalty_{spec.one}", item_id, name),
                      before={"retired": doc["retired"]}, after={"retired": after["retired"]})
    try:
        await write(con.request, run)
    except AppError as exc:
        if exc.status_code != 409:
            raise
        problem = exc.message.partition(": ")[2] or exc.message
        return page(con, "console/loyalty_retire.html", "loyalty", status_code=409, kind=kind,
                    spec=spec, doc=doc, label=name, problem=problem, restoring=not retired)
    flash(con.request, f"{spec.noun.capitalize()} “{name}” {'retired' if retired else 'restored'}.")
    return redirect(con.url("loyalty") + f"#{kind}")


@router.post(BASE + "/retire", response_model=None)
async def retire(kind: Kind, item_id: str, con: Con) -> HTMLResponse | RedirectResponse:
    await form_with_csrf(con.request)
    return await _set_retired(con, kind, item_id, True)


@router.post(BASE + "/restore", response_model=None)
async def restore(kind: Kind, item_id: str, con: Con) -> HTMLResponse | RedirectResponse:
    await form_with_csrf(con.request)
    return await _set_retired(con, kind, item_id, False)
