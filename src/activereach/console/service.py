"""Console users: create, authenticate, look up.  Passwords are argon2id hashes, computed and
checked off the event loop (``kit/passwords.py``)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.console.models import ROLES, ConsoleUser
from activereach.kit.db import utcnow
from activereach.kit.errors import Conflict, NotFound, Unprocessable
from activereach.kit.ids import new_id
from activereach.kit.passwords import hash_secret, needs_rehash, verify_secret
from activereach.tenancy.models import Workspace

MIN_PASSWORD = 10
hash_password, verify_password = hash_secret, verify_secret


def normalize_email(email: str) -> str:
    value = email.strip().lower()
    if "@" not in value or value.startswith("@") or value.endswith("@") or len(value) > 320:
        raise Unprocessable.field("email", "not an email address")
    return value


async def create_user(session: AsyncSession, *, workspace_slug: str, email: str, role: str,
                      password: str, name: str = "") -> ConsoleUser:
    if role not in ROLES:
        raise Unprocessable.field("role", "must be owner, manager or analyst")
    if len(password) < MIN_PASSWORD:
        raise Unprocessable.field("password", f"at least {MIN_PASSWORD} characters")
    ws = await session.scalar(select(Workspace).where(Workspace.slug == workspace_slug))
    if ws is None:
        raise NotFound(f"workspace: no workspace {workspace_slug!r}")
    email = normalize_email(email)
    if await find_user(session, ws.id, email):
        raise Conflict(f"email: {email} already has a console user in {workspace_slug}")
    user = ConsoleUser(workspace_id=ws.id, id=new_id("usr"), email=email, name=name, role=role,
                       password_hash=await hash_password(password), status="active", created_at=utcnow())
    session.add(user)
    await session.flush()
    return user


async def update_user(session: AsyncSession, *, workspace_slug: str, email: str,
                      role: str | None = None, password: str | None = None) -> ConsoleUser:
    """Change a user's role and/or password. Either change ends every session of the user
    (``console/sessions.stamp_of``)."""
    if role is not None and role not in ROLES:
        raise Unprocessable.field("role", "must be owner, manager or analyst")
    if password is not None and len(password) < MIN_PASSWORD:
        raise Unprocessable.field("password", f"at least {MIN_PASSWORD} characters")
    ws = await session.scalar(select(Workspace).where(Workspace.slug == workspace_slug))
    user = await find_user(session, ws.id, normalize_email(email)) if ws else None
    if user is None:
        raise NotFound(f"email: no console user {email!r} in {workspace_slug!r}")
    if role is not None:
        user.role = role
    if password is not None:
        user.password_hash = await hash_password(password)
    return user


async def find_user(session: AsyncSession, workspace_id: str, email: str) -> ConsoleUser | None:
    return await session.scalar(select(ConsoleUser).where(
        ConsoleUser.workspace_id == workspace_id, ConsoleUser.email == email))


async def sign_in_candidates(session: AsyncSession, *, email: str,
                             workspace_slug: str = "") -> list[tuple[ConsoleUser, Workspace]]:
    """The active users with this email (in this workspace, when one is named)."""
    query = (select(ConsoleUser, Workspace)
             .join(Workspace, Workspace.id == ConsoleUser.workspace_id)
             .where(func.lower(ConsoleUser.email) == email.strip().lower(),
                    ConsoleUser.status == "active"))
    if workspace_slug.strip():
        query = query.where(Workspace.slug == workspace_slug.strip().lower())
    return [(user, ws) for user, ws in (await session.execute(query.limit(5))).all()]


async def password_match(candidates: list[tuple[ConsoleUser, Workspace]],
                         password: str) -> tuple[ConsoleUser, Workspace] | None:
    """The candidate whose password this is; a blank workspace works when the email is
    unambiguous. Called outside any database session: argon2 holds no connection or lock."""
    if not candidates:
        await verify_password(None, password)   # as slow as a wrong password
        return None
    for user, ws in candidates:
        if await verify_password(user.password_hash, password):
            return user, ws
    return None


async def record_sign_in(session: AsyncSession, user: ConsoleUser, password: str) -> ConsoleUser:
    """After a good password: upgrade its hash if argon2's parameters changed, note the time."""
    current = await session.get(ConsoleUser, (user.workspace_id, user.id))
    if current is None:
        raise NotFound("user: signed in user no longer exists")
    if needs_rehash(current.password_hash):
        current.password_hash = await hash_password(password)
    current.last_login_at = utcnow()
    return current


async def session_user(session: AsyncSession, workspace_id: str,
                       user_id: str) -> tuple[ConsoleUser, Workspace] | None:
    row = (await session.execute(
        select(ConsoleUser, Workspace).join(Workspace, Workspace.id == ConsoleUser.workspace_id)
        .where(ConsoleUser.workspace_id == workspace_id, ConsoleUser.id == user_id,
               ConsoleUser.status == "active"))).first()
    return (row[0], row[1]) if row else None
