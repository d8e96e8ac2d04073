"""Settings → Destinations: the list, add (a webhook URL or a Segment write key and endpoint,
with the event types), the signing secret shown once, edit, disable/enable, rotate the signing
secret, delete (the last three after a confirmation page), test send, and the delivery log with
its status and replay. Every write is audited. Thin: the work is ``activereach.destinations``."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.audit.service import Target
from activereach.console import destinations as forms
from activereach.console.audit import audited
from activereach.console.auth import Console, console
from activereach.console.csrf import form_with_csrf
from activereach.console.web import flash, page, redirect
from activereach.destinations import delivery, log, service
from activereach.destinations.kinds import KINDS
from activereach.destinations.rules import CATEGORIES
from activereach.destinations.models import Destination
from activereach.destinations.schemas import DeliveryOut, DestinationPatch
from activereach.kit import crypto
from activereach.kit.errors import Conflict, NotFound, Unprocessable
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


def _dated(out: DeliveryOut) -> dict[str, Any]:
    """ISO strings of the API shape back to instants, so the page shows them in local time."""
    row = out.model_dump()
    for name in ("created_at", "next_attempt_at", "delivered_at"):
        if row.get(name):
            row[name] = dt.datetime.fromisoformat(row[name])
    return row


def _target(d: Destination) -> Target:
    return Target("destination", d.id, d.name)


@router.post(BASE, response_model=None)
async def create_destination(con: Con) -> HTMLResponse | RedirectResponse:
    """The created page shows a webhook's signing secret once: never stored in the session,
    never shown again (the destination page only says a secret is set)."""
    form = await form_with_csrf(con.request)
    con.require_write()
    body, errors = forms.new_body(form)
    if body is not None:
        async def run(session: AsyncSession) -> tuple[Destination, str | None]:
            made, secret = await service.create_destination(session, con.workspace.id, body)
            await audited(session, con, "destination.create", _target(made),
                          after=forms.state(made))
            return made, secret
        try:
            made, secret = await write(con.request, run)
        except Unprocessable as exc:
            errors = {str(d["field"]).removeprefix("settings."): d["message"]
                      for d in exc.details or []} or {"form": exc.message}
    if errors:
        values = {k: v for k, v in form.items() if k not in forms.secret_names()}
        return _new_page(con, form.get("kind", ""), 422, values, errors)
    return page(con, "console/destination_created.html", "destinations", d=made, secret=secret)


@router.get(BASE + "/{destination_id}", response_class=HTMLResponse)
async def show_destination(destination_id: str, con: Con, status: str = "") -> HTMLResponse:
    async def load(session: AsyncSession) -> dict[str, Any]:
        found = await service.get_destination(session, con.workspace.id, destination_id)
        rows = await log.list_deliveries(session, con.workspace.id, destination_id,
                                         status=status or None, limit=LOG_SHOWN)
        return {"d": found, "rows": [_dated(log.delivery_out(r)) for r in rows],
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
    async def replay(session: AsyncSession) -> None:
        found = await service.get_destination(session, con.workspace.id, destination_id)
        await delivery.replay(session, con.workspace.id, destination_id, delivery_id)
        await audited(session, con, "destination.replay", _target(found),
                      note="one delivery queued again")

    try:
        await write(con.request, replay)
        flash(con.request, "The delivery is queued again.")
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
    found = await service.get_destination(session, con.workspace.id, destination_id)
    count = await delivery.replay_failed(session, con.workspace.id, destination_id)
    await audited(session, con, "destination.replay_failed", _target(found),
                  note=f"{count} failed deliveries queued again")
    return count


def _confirm(con: Console, d: Destination, *, verb: str, title: str, message: str,
             button: str) -> HTMLResponse:
    return page(con, "console/settings_confirm.html", "destinations", title=title,
                message=message, action=con.url(f"settings/destinations/{d.id}/{verb}"),
                button=button, testid=f"confirm-{verb}",
                back=con.url(f"settings/destinations/{d.id}"))


CONFIRMS = {
    "delete": ("Delete destination {name}?", "Nothing more is sent to it, deliveries still "
               "queued give up, and its secret is destroyed. This cannot be undone.",
               "Delete destination"),
    "disable": ("Disable destination {name}?", "Events stop going to it until you enable it "
                "again; events meanwhile are not sent later.", "Disable destination"),
    "rotate": ("Rotate the signing secret of {name}?", "A new secret is made and shown once; "
               "the old one stops verifying at once, so your receiver must switch to the new "
               "one.", "Rotate secret"),
}


@router.get(BASE + "/{destination_id}/rotated", response_class=HTMLResponse)
async def rotated(destination_id: str, con: Con, k: str = "") -> HTMLResponse:
    found = await read(con.request, lambda s: service.get_destination(
        s, con.workspace.id, destination_id))
    secret = forms.read_ticket(k, destination_id, con.user.id) if k else None
    return page(con, "console/destination_created.html", "destinations", d=found,
                secret=secret, rotated=True)


@router.get(BASE + "/{destination_id}/{verb}", response_class=HTMLResponse)
async def confirm(destination_id: str, verb: str, con: Con) -> HTMLResponse:
    """The no-JavaScript confirmation page of a destructive action (or the edit form)."""
    con.require_write()
    found = await read(con.request, lambda s: service.get_destination(
        s, con.workspace.id, destination_id))
    if verb == "edit":
        return _edit_page(con, found, forms.edit_values(found), {})
    if verb not in CONFIRMS:
        raise NotFound(f"no page {verb!r} for a destination")
    title, message, button = CONFIRMS[verb]
    return _confirm(con, found, verb=verb, title=title.format(name=found.name),
                    message=message, button=button)


def _edit_page(con: Console, d: Destination, values: dict[str, str], errors: dict[str, str],
               status_code: int = 200) -> HTMLResponse:
    return page(con, "console/destination_edit.html", "destinations", status_code=status_code,
                d=d, kind=KINDS[d.kind], categories=CATEGORIES, type_labels=TYPE_LABELS,
                values=values, errors=errors)


@router.post(BASE + "/{destination_id}/edit", response_model=None)
async def save_destination(destination_id: str, con: Con) -> HTMLResponse | RedirectResponse:
    form = await form_with_csrf(con.request)
    con.require_write()
    found = await read(con.request, lambda s: service.get_destination(
        s, con.workspace.id, destination_id))
    body, errors = forms.edit_body(found, form)
    if body is not None:
        async def run(session: AsyncSession) -> None:
            d = await service.get_destination(session, con.workspace.id, destination_id)
            before = forms.state(d)
            await service.update_destination(session, con.workspace.id, destination_id, body)
            after = forms.state(d)
            if body.settings and any(body.settings.get(n) for n in forms.secret_names()):
                before["write_key"], after["write_key"] = "kept", "changed"
            await audited(session, con, "destination.update", _target(d), before=before,
                          after=after)
        try:
            await write(con.request, run)
        except Unprocessable as exc:
            errors = {str(d["field"]).removeprefix("settings."): d["message"]
                      for d in exc.details or []} or {"form": exc.message}
    if errors:
        values = {k: v for k, v in form.items() if k not in forms.secret_names()}
        return _edit_page(con, found, values, errors, 422)
    flash(con.request, f"Destination {body.name if body else found.name} saved.")
    return redirect(con.url(f"settings/destinations/{destination_id}"))


@router.post(BASE + "/{destination_id}/rotate")
async def rotate(destination_id: str, con: Con) -> RedirectResponse:
    """A new signing secret, carried encrypted through the redirect and shown on the next page
    (a reload within two minutes shows the same secret; it never rotates again)."""
    await form_with_csrf(con.request)
    con.require_write()

    async def run(session: AsyncSession) -> str:
        d = await service.get_destination(session, con.workspace.id, destination_id)
        secret = await service.rotate_secret(session, con.workspace.id, destination_id)
        await audited(session, con, "destination.rotate_secret", _target(d),
                      before={"signing_secret": "old"}, after={"signing_secret": "new"})
        return secret
    secret = await write(con.request, run)
    ticket = forms.secret_ticket(secret, destination_id, con.user.id)
    return redirect(con.url(f"settings/destinations/{destination_id}/rotated", k=ticket))


@router.post(BASE + "/{destination_id}/delete")
async def delete_destination(destination_id: str, con: Con) -> RedirectResponse:
    await form_with_csrf(con.request)
    con.require_write()
    async def run(session: AsyncSession) -> str:
        d = await service.get_destination(session, con.workspace.id, destination_id)
        before = forms.state(d)
        await service.delete_destination(session, con.workspace.id, destination_id)
        await audited(session, con, "destination.delete", _target(d), before=before,
                      after=forms.state(d), note="its secret is destroyed")
        return d.name
    name = await write(con.request, run)
    flash(con.request, f"Destination {name} deleted; its secret is destroyed.")
    return redirect(con.url("settings/destinations"))


# Last: the paths above (rotate, delete, edit …) must match before this catch-all.
@router.post(BASE + "/{destination_id}/{verb}", response_model=None)
async def set_status(destination_id: str, verb: str, con: Con) -> RedirectResponse:
    """Disable (after its confirmation page) or enable; audited."""
    await form_with_csrf(con.request)
    con.require_write()
    if verb not in {"disable", "enable"}:
        raise NotFound(f"no action {verb!r} for a destination")
    patch = DestinationPatch(status="disabled" if verb == "disable" else "active")

    async def run(session: AsyncSession) -> str:
        d = await service.get_destination(session, con.workspace.id, destination_id)
        before = forms.state(d)
        await service.update_destination(session, con.workspace.id, destination_id, patch)
        await audited(session, con, f"destination.{verb}", _target(d), before=before,
                      after=forms.state(d))
        return d.name
    name = await write(con.request, run)
    flash(con.request, f"Destination {name} {'disabled' if verb == 'disable' else 'enabled'}.")
    return redirect(con.url(f"settings/destinations/{destination_id}"))
