"""HTTP routes for contact lookup, profiles and timelines (admin key)."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.contacts.models import Contact
from activereach.contacts.rules import IdentityError, normalize_email, normalize_phone
from activereach.contacts import profile
from activereach.contacts.schemas import ContactOut, IdentityOut
from activereach.contacts.service import find_by_identity, get_contact, identities_of
from activereach.kit.errors import BadRequest, NotFound, Unprocessable
from activereach.kit.http import read
from activereach.tenancy.auth import AdminAuth

router = APIRouter(prefix="/v1/contacts", tags=["contacts"])


async def _contact_out(session: AsyncSession, contact: Contact) -> ContactOut:
    identities = await identities_of(session, contact.workspace_id, contact.id)
    merged = (await session.execute(select(Contact.id).where(
        Contact.workspace_id == contact.workspace_id,
        Contact.merged_into_id == contact.id))).scalars().all()
    return ContactOut(
        id=contact.id, name=contact.name, traits=contact.traits or {},
        preferred_channel=contact.preferred_channel, consent=contact.consent or {},
        identities=[IdentityOut(kind=i.kind, value=i.value, source=i.source) for i in identities],
        orders_count=contact.orders_count, total_spent=contact.total_spent,
        first_order_at=contact.first_order_at.isoformat() if contact.first_order_at else None,
        last_order_at=contact.last_order_at.isoformat() if contact.last_order_at else None,
        created_at=contact.created_at.isoformat(), merged_ids=list(merged),
        **await profile.sections(session, contact.workspace_id, contact.id),
    )


@router.get("", response_model=ContactOut)
async def lookup_contact(principal: AdminAuth, request: Request,
                         phone: str | None = Query(default=None, max_length=40),
                         email: str | None = Query(default=None, max_length=320)) -> ContactOut:
    if bool(phone) == bool(email):
        raise BadRequest("give exactly one of phone or email")
    try:
        kind, value = (("phone", normalize_phone(phone, principal.workspace.country)) if phone
                       else ("email", normalize_email(email or "")))
    except IdentityError as exc:
        raise Unprocessable.field("phone" if phone else "email", str(exc)) from exc
    if value is None:
        raise NotFound("placeholder identities belong to no contact")

    async def body(session: AsyncSession) -> ContactOut:
        contact = await find_by_identity(session, principal.workspace.id, kind, value)
        if contact is None:
            raise NotFound(f"no contact with that {kind}")
        return await _contact_out(session, contact)
    return await read(request, body)


@router.get("/{contact_id}", response_model=ContactOut)
async def show_contact(contact_id: str, principal: AdminAuth, request: Request) -> ContactOut:
    async def body(session: AsyncSession) -> ContactOut:
        contact = await get_contact(session, principal.workspace.id, contact_id)
        if contact is None:
            raise NotFound(f"no contact {contact_id!r}")
        return await _contact_out(session, contact)
    return await read(request, body)
