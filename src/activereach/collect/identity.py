"""Who a message is about: its identities, the traits it writes, and ``alias``.

All resolution goes through ``contacts.service.resolve_contact``, so placeholders identify
nobody and two contacts with different ``user_id``s never merge (docs/decisions.md, "Identity
resolution"). ``alias`` is the one call that asks for a merge by name; it gets the same rules,
and a merge they forbid is refused (409 ``alias_refused``) rather than accepted and ignored.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from activereach.collect.calls import Call
from activereach.collect.schemas import MessageIn
from activereach.contacts.models import Contact
from activereach.contacts.rules import IdentityError, build_identities, normalize_plain_id
from activereach.contacts.service import find_by_identity, resolve_contact
from activereach.kit import deferred
from activereach.kit.errors import Conflict, Unprocessable
from activereach.tenancy.models import Workspace

CHANNELS = {"whatsapp", "sms", "email"}
_IDENTITY_TRAITS = {"phone", "email"}


def traits_of(message: MessageIn) -> dict[str, Any]:
    """The person's traits: ``context.traits`` (where rudder-sdk-python's identify puts them),
    overlaid by the message's own. A group's own traits describe the company, not the person."""
    traits = dict((message.context.traits if message.context else None) or {})
    if message.type not in ("group", "alias"):
        traits.update(message.traits or {})
    return traits


def customer(message: MessageIn, traits: dict[str, Any]) -> dict[str, Any]:
    found = {"user_id": message.user_id, "anonymous_id": message.anonymous_id,
             "phone": _str(traits.get("phone")), "email": _str(traits.get("email")),
             "name": _str(traits.get("name"))}
    return {key: value for key, value in found.items() if value}


def _str(value: object) -> str | None:
    return None if value is None else str(value)[:320]


def _profile_traits(call: Call) -> dict[str, Any]:
    """What the message writes on the profile: an identify's traits, a group's company (the
    account the person belongs to, Segment's ``company`` trait), nothing else for other calls
    but their own top-level traits, as before."""
    message = call.message
    if message.type == "group":
        return {"company": {**(message.traits or {}), "id": message.group_id}}
    traits = call.traits if message.type == "identify" else (message.traits or {})
    return {k: v for k, v in traits.items() if k not in _IDENTITY_TRAITS}


def identities(workspace: Workspace, found: dict[str, Any]) -> dict[str, str]:
    """Normalised identities (placeholders dropped); a malformed one refuses the message."""
    try:
        return build_identities(
            region=workspace.country, source="online", phone=found.get("phone"),
            email=found.get("email"), user_id=found.get("user_id"),
            anonymous_id=found.get("anonymous_id"))
    except IdentityError as exc:
        field, _, reason = str(exc).partition(": ")
        raise Unprocessable.field(f"traits.{field}", reason) from exc


async def resolve(session: AsyncSession, workspace: Workspace, call: Call) -> str | None:
    """The message's contact (``collect.parse`` checked its identities), traits written."""
    traits = _profile_traits(call)
    contact_id = await resolve_contact(session, workspace.id, identities=call.identities,
                                       source="online", name=call.customer.get("name"),
                                       traits=traits or None)
    preferred = call.traits.get("preferred_channel")
    if contact_id and isinstance(preferred, str) and preferred.lower() in CHANNELS:
        await deferred.release(session)  # a contact made in this batch may still be held
        contact = await session.get(Contact, (workspace.id, contact_id))
        if contact is not None:
            contact.preferred_channel = preferred.lower()
    return contact_id


async def alias(session: AsyncSession, workspace: Workspace, call: Call) -> str | None:
    """``previousId`` (an anonymous id, usually) is the person now known as ``userId``: the
    profiles merge. An id that is another person's ``userId`` is refused, as resolution would."""
    message = call.message
    user_id, previous = normalize_plain_id(message.user_id), normalize_plain_id(message.previous_id)
    if not message.user_id or not message.previous_id:
        raise Unprocessable.field("userId" if not message.user_id else "previousId",
                                  "alias needs both userId and previousId")
    if user_id is None or previous is None or previous == user_id:
        return await resolve(session, workspace, call)   # a placeholder: nothing to merge
    as_user = await find_by_identity(session, workspace.id, "user_id", previous)
    if as_user is not None:
        owner = await find_by_identity(session, workspace.id, "user_id", user_id)
        if owner is not None and owner.id == as_user.id:
            return owner.id
        raise _refused(previous, "it is another person's userId")
    found = {**call.customer, "user_id": user_id, "anonymous_id": previous}
    contact_id = await resolve_contact(session, workspace.id,
                                       identities=identities(workspace, found), source="online",
                                       name=found.get("name"))
    owner = await find_by_identity(session, workspace.id, "anonymous_id", previous)
    if owner is not None and owner.id != contact_id:
        raise _refused(previous, "its profile has another userId")
    return contact_id


def _refused(previous: str, why: str) -> Conflict:
    return Conflict(f"alias of {previous!r} refused: {why}; profiles with different user ids "
                    "stay apart", code="alias_refused",
                    details=[{"field": "previousId", "message": why}])
