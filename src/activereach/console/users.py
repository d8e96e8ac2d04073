"""Console users managed from the console (Settings → Users): invite, change role, disable /
re-enable, and one-time links to set a password (an invite, or a reset an owner issues).

A link's token is 32 random bytes shown once (on the owner's page, and in the invite email);
only its SHA-256 is stored. It works once and until it expires; issuing a new link for the
same user ends the older ones. Setting the password changes the user's session stamp
(``sessions.stamp_of``), so every other session of that user ends at once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.console.models import ROLES, ConsoleUser, ConsoleUserToken
from activereach.console.service import MIN_PASSWORD, find_user, hash_password, normalize_email
from activereach.kit.db import utcnow
from activereach.kit.errors import Conflict, NotFound, Unprocessable
from activereach.kit.ids import new_id
from activereach.tenancy.models import Workspace

LIFETIME = {"invite": dt.timedelta(hours=72), "reset": dt.timedelta(hours=24)}
UNUSABLE = "!"   # an invited user's password hash: no password matches it
STATUSES = ("invited", "active", "disabled")


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def last_owner_problem(users: Sequence[ConsoleUser], user_id: str, *, role: str,
                       status: str) -> str | None:
    """Why this change would leave the brand without an active owner, or None (pure)."""
    def owner(u: ConsoleUser) -> bool:
        return u.role == "owner" and u.status == "active"
    target = next((u for u in users if u.id == user_id), None)
    if target is None or not owner(target) or (role == "owner" and status == "active"):
        return None
    if any(owner(u) for u in users if u.id != user_id):
        return None
    return (f"{target.email} is the only active owner: make someone else an owner first, "
            "so the brand always has one")


async def list_users(session: AsyncSession, ws: str) -> list[ConsoleUser]:
    return list((await session.execute(select(ConsoleUser).where(
        ConsoleUser.workspace_id == ws).order_by(ConsoleUser.email))).scalars())


async def get_user(session: AsyncSession, ws: str, user_id: str) -> ConsoleUser:
    user = await session.get(ConsoleUser, (ws, user_id), with_for_update=True)
    if user is None:
        raise NotFound(f"user: no console user {user_id!r}")
    return user


async def issue_link(session: AsyncSession, user: ConsoleUser, purpose: str,
                     by: str) -> tuple[str, dt.datetime]:
    """A new one-time link (token, expiry); the user's older unused links end."""
    now = utcnow()
    await session.execute(update(ConsoleUserToken).where(
        ConsoleUserToken.workspace_id == user.workspace_id,
        ConsoleUserToken.user_id == user.id, ConsoleUserToken.used_at.is_(None)).values(
        used_at=now))
    token = secrets.token_urlsafe(32)
    expires = now + LIFETIME[purpose]
    session.add(ConsoleUserToken(workspace_id=user.workspace_id, id=digest(token),
                                 user_id=user.id, purpose=purpose, created_by=by[:320],
                                 created_at=now, expires_at=expires))
    await session.flush()
    return token, expires


async def invite(session: AsyncSession, ws: str, *, email: str, name: str, role: str,
                 by: str) -> tuple[ConsoleUser, str, dt.datetime]:
    """A user in status ``invited`` and their invite link; inviting an invited email again
    issues a fresh link (the old one ends)."""
    if role not in ROLES:
        raise Unprocessable.field("role", "Choose owner, manager or analyst")
    email = normalize_email(email)
    user = await find_user(session, ws, email)
    if user is not None and user.status != "invited":
        raise Conflict(f"email: {email} already has a console user here")
    if user is None:
        user = ConsoleUser(workspace_id=ws, id=new_id("usr"), email=email, name=name,
                           role=role, password_hash=UNUSABLE, status="invited",
                           created_at=utcnow())
        session.add(user)
    else:
        user.name, user.role = name or user.name, role
    token, expires = await issue_link(session, user, "invite", by)
    return user, token, expires


async def change(session: AsyncSession, ws: str, user_id: str, *, role: str | None = None,
                 status: str | None = None) -> ConsoleUser:
    """A new role and/or status, refused when it would leave no active owner. Either change
    ends the user's sessions (the stamp covers role and status)."""
    if role is not None and role not in ROLES:
        raise Unprocessable.field("role", "Choose owner, manager or analyst")
    users = await list_users(session, ws)
    user = await get_user(session, ws, user_id)
    new_role, new_status = role or user.role, status or user.status
    if status == "active" and user.password_hash == UNUSABLE:
        new_status = "invited"      # re-enabling someone who never set a password
    problem = last_owner_problem(users, user_id, role=new_role, status=new_status)
    if problem:
        raise Unprocessable.field("role" if role is not None else "status", problem)
    user.role, user.status = new_role, new_status
    return user


async def link_user(session: AsyncSession, token: str, *,
                    lock: bool = False) -> tuple[ConsoleUserToken, ConsoleUser, Workspace]:
    """The link's row, user and workspace while it is good; 404 once used or expired (the
    page says which in words, without telling a guesser anything)."""
    query = select(ConsoleUserToken).where(ConsoleUserToken.id == digest(token))
    row = await session.scalar(query.with_for_update() if lock else query)
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        raise NotFound("link: this link was already used or has expired; ask an owner "
                       "for a new one")
    user = await session.get(ConsoleUser, (row.workspace_id, row.user_id))
    ws = await session.get(Workspace, row.workspace_id)
    if user is None or ws is None or user.status == "disabled":
        raise NotFound("link: this link no longer works; ask an owner for a new one")
    return row, user, ws


async def set_password(session: AsyncSession, token: str,
                       password: str) -> tuple[ConsoleUser, Workspace, str]:
    """Use the link: the password is set, the user is active, the link is spent. Returns the
    user, the workspace and the link's purpose."""
    if len(password) < MIN_PASSWORD:
        raise Unprocessable.field("password", f"Use at least {MIN_PASSWORD} characters")
    row, user, ws = await link_user(session, token, lock=True)
    user.password_hash = await hash_password(password)
    user.status = "active"
    row.used_at = utcnow()
    return user, ws, row.purpose


def link_email(brand: str, link: str, purpose: str, role: str) -> dict[str, str]:
    """The invite or reset email: what the link does, how long it works, who may ignore it."""
    hours = int(LIFETIME[purpose].total_seconds() // 3600)
    if purpose == "invite":
        subject = f"You are invited to the {brand} console"
        line = (f"You have been invited to the {brand} console as {role}. Open this link to "
                f"choose your password and sign in:")
    else:
        subject = f"Set a new password for the {brand} console"
        line = f"An owner of {brand} issued you a link to set a new console password:"
    text = (f"{line}\n\n{link}\n\nThe link works once, for {hours} hours. If you did not "
            f"expect it, ignore this email.\n\n{brand}\n")
    html = (f"<!doctype html><html><body style=\"font-family:sans-serif;color:#222\">"
            f"<p>{_esc(line)}</p><p><a href=\"{_esc(link)}\">Set my password</a></p>"
            f"<p>The link works once, for {hours} hours. If you did not expect it, ignore "
            f"this email.</p></body></html>")
    return {"subject": subject, "text": text, "html": html}


def _esc(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))
