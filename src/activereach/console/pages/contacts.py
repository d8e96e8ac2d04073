"""Contacts: search by phone or email, a paginated list, and the profile with its timeline."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.audit.service import Target
from activereach.console import contacts as svc
from activereach.console.audit import audited
from activereach.console.auth import Console, console
from activereach.console.csrf import form_with_csrf
from activereach.console.messaging import LABELS
from activereach.console.web import flash, page, redirect
from activereach.contacts.models import Contact, ContactIdentity
from activereach.contacts.service import get_contact, identities_of
from activereach.events.service import online_visits
from activereach.kit.errors import NotFound
from activereach.kit.http import read, write
from activereach.loyalty.members import contact_summary
from activereach.messaging.service import get_consent, set_consent

router = APIRouter(include_in_schema=False)
Con = Annotated[Console, Depends(console)]


@router.get("/dashboard/{workspace}/contacts", response_model=None)
async def contacts(con: Con, q: str = Query(default="", max_length=320),
                   cursor: str | None = Query(default=None, max_length=200)
                   ) -> HTMLResponse | RedirectResponse:
    q = q.strip()
    problem = None
    if q:
        found, problem = await read(con.request, lambda s: svc.search(
            s, con.workspace.id, con.workspace.country, q))
        if found is not None:
            return redirect(con.url(f"contacts/{found.id}"))
        problem = problem or f"No contact with {'email' if '@' in q else 'phone'} {q}."
    location_id = con.location.id if con.location else None
    rows, next_cursor = await read(con.request, lambda s: svc.recent(
        s, con.workspace.id, location_id, cursor))
    return page(con, "console/contacts.html", "contacts", q=q, problem=problem, rows=rows,
                next_cursor=next_cursor, first_page=cursor is None)


@router.get("/dashboard/{workspace}/contacts/{contact_id}", response_class=HTMLResponse)
async def profile(contact_id: str, con: Con,
                  cursor: str | None = Query(default=None, max_length=200)) -> HTMLResponse:
    location_id = con.location.id if con.location else None

    async def load(session: AsyncSession) -> tuple[
            Contact, list[ContactIdentity], list[svc.ChannelStats],
            tuple[list[svc.TimelineRow], str | None], dict[str, Any], dict[str, Any] | None,
            dict[str, Any] | None]:
        contact = await get_contact(session, con.workspace.id, contact_id)
        if contact is None:
            raise NotFound(f"contact: no contact {contact_id!r}")
        events, next_cursor = await svc.timeline(session, con.workspace.id, contact.id,
                                                 location_id, cursor)
        rows = await svc.describe(session, con.workspace, events, con.locations)
        return (contact, await identities_of(session, con.workspace.id, contact.id),
                await svc.order_stats(session, con.workspace.id, contact.id, location_id),
                (rows, next_cursor),
                (await get_consent(session, con.workspace.id, contact.id))["channels"],
                await online_visits(session, con.workspace.id, contact.id),
                await contact_summary(session, con.workspace.id, contact.id))
    contact, identities, stats, (events, next_cursor), consent, online, loyalty = await read(
        con.request, load)
    return page(con, "console/contact.html", "contacts", contact=contact, identities=identities,
                stats=stats, events=events, next_cursor=next_cursor,
                first_page=cursor is None, consent=consent, channel_labels=LABELS,
                online=online, loyalty=loyalty)


@router.post("/dashboard/{workspace}/contacts/{contact_id}/consent/{channel}")
async def change_consent(contact_id: str, channel: str, con: Con) -> RedirectResponse:
    """Record an opt-in or opt-out the shopper gave in store or by phone (owner or manager);
    the console user is kept as the evidence. Receipts honour it from the next sale."""
    form = await form_with_csrf(con.request)
    con.require_write()
    status = form.get("status", "")

    async def save(session: AsyncSession) -> None:
        before = (await get_consent(session, con.workspace.id, contact_id))["channels"]
        await set_consent(session, con.workspace.id, contact_id, channel, status,
                          source="console", evidence=f"set in the console by {con.user.email}")
        contact = await session.get(Contact, (con.workspace.id, contact_id))
        label = (contact.name if contact is not None else None) or "a contact"
        await audited(session, con, "contact.consent", Target("contact", contact_id, label),
                      before={channel: before.get(channel, {}).get("status")},
                      after={channel: status})

    await write(con.request, save)
    word = "opted in to" if status == "opted_in" else "opted out of"
    flash(con.request, f"Contact {word} {LABELS.get(channel, channel)} receipts.")
    return redirect(con.url(f"contacts/{contact_id}"))
