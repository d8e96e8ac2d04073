"""Sections other domains add to a contact's profile (``GET /v1/contacts/{id}``).

Contacts knows identities and traits; a domain with more to say about the person (loyalty's
balance and tier) registers a section at start-up (``activereach.wiring``), named after the
field of ``ContactOut`` it fills, so contacts imports no other domain.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

# (session, workspace id, contact id) -> the section's value, or None when it has nothing
ProfileSection = Callable[[AsyncSession, str, str], Awaitable[Any]]

_SECTIONS: dict[str, ProfileSection] = {}


def register(name: str, section: ProfileSection) -> None:
    _SECTIONS[name] = section


async def sections(session: AsyncSession, workspace_id: str, contact_id: str) -> dict[str, Any]:
    """Every registered section's value for the contact, by field name."""
    return {name: await section(session, workspace_id, contact_id)
            for name, section in _SECTIONS.items()}
