"""HTTP route for a contact's timeline (admin key): ``GET /v1/contacts/{id}/events``."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.contacts.service import get_contact
from activereach.events.schemas import EventOut, TimelineOut
from activereach.events.service import timeline
from activereach.kit.errors import NotFound
from activereach.kit.http import read
from activereach.tenancy.auth import AdminAuth

router = APIRouter(prefix="/v1/contacts", tags=["contacts"])


@router.get("/{contact_id}/events", response_model=TimelineOut)
async def contact_events(contact_id: str, principal: AdminAuth, request: Request,
                         limit: int = Query(default=50, ge=1, le=500),
                         cursor: str | None = Query(default=None, max_length=200)) -> TimelineOut:
    async def body(session: AsyncSession) -> TimelineOut:
        contact = await get_contact(session, principal.workspace.id, contact_id)
        if contact is None:
            raise NotFound(f"no contact {contact_id!r}")
        events, next_cursor = await timeline(session, principal.workspace.id, contact.id,
                                             limit=limit, cursor=cursor)
        return TimelineOut(next_cursor=next_cursor, data=[EventOut(
            id=e.id, message_id=e.message_id, type=e.type, name=e.name,
            timestamp=e.timestamp.isoformat(), received_at=e.received_at.isoformat(),
            source=e.source, location_id=e.location_id, properties=e.properties,
            context=e.context, integrations=e.integrations,
            original_timestamp=e.original_timestamp.isoformat() if e.original_timestamp else None)
            for e in events])
    return await read(request, body)
