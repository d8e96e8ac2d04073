"""Console sessions held by the server: ended on sign-out, on a password or role change, after
``session_idle_minutes`` without a request and ``session_absolute_hours`` after sign-in.

The signed cookie carries a random token (and the CSRF token, flash messages); the server keeps
only the token's SHA-256, so the cookie alone proves nothing once its row has ended.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.console.models import ConsoleSession, ConsoleUser
from activereach.kit.db import utcnow

# last_seen_at is written at most this often per session: idle expiry needs minutes, not a
# write on every page view.
TOUCH_EVERY = dt.timedelta(minutes=1)


def stamp_of(user: ConsoleUser) -> str:
    """Changes whenever the password, the role or the status changes: such a change ends every
    session of the user without any code path having to remember to revoke them."""
    basis = f"{user.password_hash}|{user.role}|{user.status}".encode()
    return hashlib.sha256(basis).hexdigest()[:32]


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def start(session: AsyncSession, user: ConsoleUser) -> str:
    """A new session for ``user``; the token for the cookie (shown nowhere else)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(ConsoleSession(workspace_id=user.workspace_id, id=_digest(token),
                               user_id=user.id, stamp=stamp_of(user), created_at=now,
                               last_seen_at=now))
    await session.flush()
    return token


async def live(session: AsyncSession, workspace_id: str, token: str, user: ConsoleUser, *,
               idle: dt.timedelta, absolute: dt.timedelta) -> ConsoleSession | None:
    """The session row when it is still good for ``user``, else None."""
    row = await session.get(ConsoleSession, (workspace_id, _digest(token)))
    now = utcnow()
    if (row is None or row.ended_at is not None or row.user_id != user.id
            or row.stamp != stamp_of(user) or now - row.last_seen_at > idle
            or now - row.created_at > absolute):
        return None
    return row


def needs_touch(row: ConsoleSession) -> bool:
    return utcnow() - row.last_seen_at > TOUCH_EVERY


async def touch(session: AsyncSession, workspace_id: str, token: str) -> None:
    await session.execute(update(ConsoleSession).where(
        ConsoleSession.workspace_id == workspace_id, ConsoleSession.id == _digest(token),
        ConsoleSession.ended_at.is_(None)).values(last_seen_at=utcnow()))


async def end(session: AsyncSession, workspace_id: str, token: str) -> None:
    await session.execute(update(ConsoleSession).where(
        ConsoleSession.workspace_id == workspace_id, ConsoleSession.id == _digest(token),
        ConsoleSession.ended_at.is_(None)).values(ended_at=utcnow()))

