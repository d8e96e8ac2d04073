"""Settings → Destinations: the list, add (a webhook URL or a Segment write key and endpoint,
with the event types), the signing secret shown once, test send, and the delivery log with its
status and replay (one, or every failed one). Thin: everything goes through
``activereach.destinations``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.console.auth import Console, console
from activereach.console.csrf import form_with_csrf
from activereach.console.web import flash, page, redirect
from activereach.destinations import delivery, log, service
from activereach.destinations.kinds import KINDS
from activereach.destinations.rules import CATEGORIES
from activereach.destinations.schemas import DestinationIn
from activereach.kit import crypto
from activereach.kit.errors import Conflict, Unprocessable
from activereach.kit.http import read, write

router = APIRouter(include_in_schema=False)
BASE = "/dashboard/{workspace}/settings/destinations"
LOG_SHOWN = 50
TYPE_LABELS = {"order_completed": "Order completed", "order_refunded": "Order refunded",
               "order_cancelled": "Order cancelled", "loyalty": "Loyalty points and tiers",
               "receipt": "Receipt delivery status", "contact": "Contact (identify, web events)"}


async def bound_console(con: Annotated[Console, Depends(console)]) -> Console:
    # Destination secrets are encrypted with a key derived from this app's secret key.
    crypto.use_settings(con.request.app.state.settings)
    return con


Con = Annotated[Console, Depends(bound_console)]


@router.get(BASE, response_class=HTMLResponse)
async def destinations(con: Con) -> HTMLResponse:
    async def load(session: AsyncSession) -> list[dict[str, Any]]:
        return [{"d": d, "counts": await log.counts(session, con.workspace.id, d.id)}
                for d in await service.list_destinations(session, con.workspace.id)]
    rows = await read(con.request, load)
    return page(con, "console/destinations.html", "destinations", rows=rows, kinds=KINDS,
                type_labels=TYPE_LABELS)


def _new_page(con: Console, kind: str, status_code: int = 200,
              values: dict[str, str] | None = None,
              errors: dict[str, str] | None = None) -> HTMLResponse:
    chosen = KINDS.get(kind)
    defaults = {f"type_{name}": "on" for name in CATEGORIES[:3]}
    return page(con, "console/destination_new.html", "destinations", status_code=status_code,
                kind=chosen, kinds=KINDS, categories=CATEGORIES, type_labels=TYPE_LABELS,
                values=values if values is not None else defaults, errors=errors or {})


@router.get(BASE + "/new", response_class=HTMLResponse)
async def new_destination(con: Con, kind: str = "") -> HTMLResponse:
    return _new_page(con, kind)


def _body(form: dict[str, str]) -> tuple[DestinationIn | None, dict[str, str]]:
    kind = KINDS.get(form.get("kind", ""))
    settings = {s.name: form[s.name] for s in kind.settings if form.get(s.name)} if kind else {}
    types = [name for name in CATEGORIES if form.get(f"type_{name}") == "on"]
    try:
        return DestinationIn(kind=form.get("kind", ""), name=form.get("name", ""),
                             event_types=types, settings=settings), {}
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for error in exc.errors():
            where = str(error["loc"][0]) if error["loc"] else "form"
            errors.setdefault(where, error["msg"])
        return None, errors


@router.post(BASE, response_model=None)
async def create_destination(con: Con) -> HTMLResponse | RedirectResponse:
    """The created page shows a webhook's signing secret once: never stored in the session,
    never shown again (the destination page only says a secret is set)."""
    form = await form_with_csrf(con.request)
    con.require_write()
    body, errors = _body(form)
    if body is not None:
        try:
            made, secret = await write(con.request, lambda s: service.create_destination(
                s, con.workspace.id, body))
        except Unprocessable as exc:
            errors = {str(d["field"]).removeprefix("settings."): d["message"]
                      for d in exc.details or []} or {"form": exc.message}
    if errors:
        secrets = {s.name for k in KINDS.values() for s in k.settings if s.secret}
        values = {k: v for k, v in form.items() if k not in secrets}
        return _new_page(con, form.get("kind", ""), 422, values, errors)
    return page(con, "console/destination_created.html", "destinations", d=made, secret=secret)


@router.get(BASE + "/{destination_id}", response_class=HTMLResponse)
async def show_destination(destination_id: str, con: Con, status: str = "") -> HTMLResponse:
    async def load(session: AsyncSession) -> dict[str, Any]:
        found = await service.get_destination(session, con.workspace.id, destination_id)
        rows = await log.list_deliveries(session, con.workspace.id, destination_id,
                                         status=status or None, limit=LOG_SHOWN)
        return {"d": found, "rows": [log.delivery_out(r) for r in rows],
                "counts": await log.counts(session, con.workspace.id, destination_id)}
    data = await read(con.request, load)
    return page(con, "console/destination.html", "destinations", **data, status=status,
                statuses=log.STATUSES, kind=KINDS[data["d"].kind], type_labels=TYPE_LABELS)


@router.post(BASE + "/{destination_id}/test")
async def test_destination(destination_id: str, con: Con) -> RedirectResponse:
    await form_with_csrf(con.request)
    con.require_write()
    found = await read(con.request, lambda s: service.get_destination(
        s, con.workspace.id, destination_id))
    result = await service.test_send(found)   # no transaction open during the call
    flash(con.request, f"Test event sent: the receiver answered {result.status_code}."
          if result.ok else f"Test event failed: {result.error}.")
    return redirect(con.url(f"settings/destinations/{destination_id}"))


@router.post(BASE + "/{destination_id}/deliveries/{delivery_id}/replay")
async def replay_delivery(destination_id: str, delivery_id: str, con: Con) -> RedirectResponse:
    await form_with_csrf(con.request)
    con.require_write()
    try:
        await write(con.request, lambda s: delivery.replay(
            s, con.workspace.id, destination_id, delivery_id))
        flash(con.request, f"Delivery {delivery_id} queued again.")
    except Conflict as exc:
        flash(con.request, exc.message)
    return redirect(con.url(f"settings/destinations/{destination_id}"))


@router.post(BASE + "/{destination_id}/replay-failed")
async def replay_failed(destination_id: str, con: Con) -> RedirectResponse:
    await form_with_csrf(con.request)
    con.require_write()
    count = await write(con.request, lambda s: _replay_all(s, con, destination_id))
    flash(con.request, f"{count} failed deliveries queued again.")
    return redirect(con.url(f"settings/destinations/{destination_id}"))


async def _replay_all(session: AsyncSession, con: Console, destination_id: str) -> int:
    await service.get_destination(session, con.workspace.id, destination_id)
    return await delivery.replay_failed(session, con.workspace.id, destination_id)


@router.post(BASE + "/{destination_id}/delete")
async def delete_destination(destination_id: str, con: Con) -> RedirectResponse:
    await form_with_csrf(con.request)
    con.require_write()
    await write(con.request, lambda s: service.delete_destination(
        s, con.workspace.id, destination_id))
    flash(con.request, "Destination deleted; its secret is destroyed.")
    return redirect(con.url("settings/destinations"))
