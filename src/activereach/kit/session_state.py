"""Typed state a unit of work keeps for itself: one object per kind, on the session.

Ingest code remembers things for the rest of its transaction (the identity owners a group
commit prefetched, the contacts it created, the invoice numbers still to assign). Each kind is
a small dataclass owned by its module, so what is kept is named and typed; the class itself is
the key, so no two modules can collide on a string. It ends with the session.
"""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

S = TypeVar("S")


def state(session: AsyncSession | Session, kind: type[S]) -> S:
    """This session's ``kind`` object, made (with its defaults) on first use."""
    found = session.info.get(kind)
    if found is None:
        found = session.info[kind] = kind()
    return found


def peek(session: AsyncSession | Session, kind: type[S]) -> S | None:
    """This session's ``kind`` object if one was made."""
    return session.info.get(kind)


def drop(session: AsyncSession | Session, kind: type[S]) -> S | None:
    """Forget (and return) this session's ``kind`` object."""
    return session.info.pop(kind, None)
