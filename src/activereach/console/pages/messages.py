"""Messages (the receipt outbox): filter by status/channel/outlet (chip strip)/date, with the
customer (masked), invoice and order of each; one message with the text the shopper got (WhatsApp
bubble, SMS with its parts, the email in a sandboxed frame), the provider's answer and the status
history in local time, and a resend action."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.audit.service import Target
from activereach.console import messaging as helpers
from activereach.console.audit import audited
from activereach.console.messaging import LABELS
from activereach.console import receipt_forms
from activereach.console.auth import Console, console
from activereach.console.csrf import form_with_csrf
from activereach.console.web import flash, page, redirect
from activereach.kit.errors import Conflict, Unprocessable
from activereach.kit.http import read, write
from activereach.messaging import service
from activereach.messaging.models import Message

router = APIRouter(include_in_schema=False)
Con = Annotated[Console, Depends(console)]
BASE = "/dashboard/{workspace}/messages"
PAGE_SIZE = 50


@router.get(BASE, response_class=HTMLResponse)
async def outbox(con: Con, before: str | None = Query(default=None, max_length=40)
                 ) -> HTMLResponse:
    found = helpers.outbox_filter(con.params, con.workspace.timezone)
    rows: list[Message] = []
    people: dict[str, helpers.Party] = {}
    if not found.errors:
        ws, location_id = con.workspace.id, con.location.id if con.location else None

        async def load(session: AsyncSession) -> tuple[list[Message], dict[str, helpers.Party]]:
            got = await service.list_messages(
                session, ws, status=found.status, channel=found.channel,
                location_id=location_id, since=found.since, until=found.until, before=before,
                limit=PAGE_SIZE)
            return got, await helpers.parties(session, ws, got)
        rows, people = await read(con.request, load)
    query = {k: v for k, v in found.values.items() if v}
    return page(con, "console/messages.html", "messages",
                status_code=422 if found.errors else 200, rows=rows, people=people,
                values=found.values,
                errors=found.errors, query=query, statuses=helpers.STATUSES,
                channels=helpers.CHANNELS, labels=helpers.LABELS, first_page=before is None,
                next_before=rows[-1].id if len(rows) == PAGE_SIZE else None,
                outlet_names={loc.id: loc.name for loc in con.locations})


async def _detail(con: Console, message_id: str, status_code: int = 200,
                  problem: str | None = None) -> HTMLResponse:
    ws = con.workspace.id

    async def load(session: AsyncSession) -> tuple[Message, list[Message], dict[str, Any] | None,
                                                   helpers.Party]:
        msg = await service.get_message(session, ws, message_id)
        resends = [m for m in await service.list_messages(session, ws, order_id=msg.order_id,
                                                          limit=200)
                   if m.resend_of == msg.id] if msg.order_id else []
        dispatch = await service.get_dispatch(session, ws, msg.order_id) if msg.order_id else None
        return msg, resends, dispatch, (await helpers.parties(session, ws, [msg]))[msg.id]
    msg, resends, dispatch, party = await read(con.request, load)
    sms_view = receipt_forms.sms_view(msg.content or {}) if msg.channel == "sms" else None
    return page(con, "console/message.html", "messages", status_code=status_code, msg=msg,
                resends=resends, dispatch=dispatch, party=party, sms_view=sms_view,
                history=helpers.history(msg.status_history),
                provider_response=msg.provider_response or {},
                problem=problem, labels=helpers.LABELS,
                resend_key=secrets.token_urlsafe(12),
                outlet_names={loc.id: loc.name for loc in con.locations})


@router.get(BASE + "/{message_id}", response_class=HTMLResponse)
async def message(message_id: str, con: Con) -> HTMLResponse:
    return await _detail(con, message_id)


@router.post(BASE + "/{message_id}/resend", response_model=None)
async def resend(message_id: str, con: Con) -> HTMLResponse | RedirectResponse:
    """A new outbox row with the same content, sent by the worker. The form carries a key
    minted when the page was shown, so a double submit returns the same resend."""
    form = await form_with_csrf(con.request)
    con.require_write()
    key = form.get("resend_key", "").strip()
    if not 8 <= len(key) <= 100:
        return await _detail(con, message_id, 422, "resend_key: reload the page and try again")
    ws = con.workspace.id
    async def again(session: AsyncSession) -> Message:
        new = await service.resend(session, ws, message_id, f"console:{key}")
        label = f"{LABELS.get(new.channel, new.channel)} receipt"
        await audited(session, con, "message.resend", Target("message", message_id, label),
                      note="sent again as a new message")
        return new

    try:
        new = await write(con.request, again)
    except (Conflict, Unprocessable) as exc:
        return await _detail(con, message_id, 409 if isinstance(exc, Conflict) else 422,
                             f"Resend refused: {exc.message}")
    flash(con.request, "Resend queued as a new message (this page); the worker sends it now.")
    return redirect(con.url(f"messages/{new.id}"))
