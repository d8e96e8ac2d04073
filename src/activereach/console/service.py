"""Console users: create, authenticate, look up.  Passwords are argon2id hashes."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.console.models import ROLES, ConsoleUser
from activereach.kit.db import utcnow
from activereach.kit.errors import Conflict, NotFound, Unprocessable
from activereach.kit.ids import new_id
from activereach.tenancy.models import Workspace

_hasher = PasswordHasher()
MIN_PASSWORD = 10
# Verifying against this when the email is unknown keeps both paths equally slow.
_DUMMY_HASH = _hasher.hash("activereach-timing-equaliser")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


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
                       password_hash=hash_password(password), status="active", created_at=utcnow())
    session.add(user)
    await session.flush()
    return user


async def find_user(session: AsyncSession, workspace_id: str, email: str) -> ConsoleUser | None:
    return await session.scalar(select(ConsoleUser).where(
        ConsoleUser.workspace_id == workspace_id, ConsoleUser.email == email))


async def authenticate(session: AsyncSession, *, email: str, password: str,
                       workspace_slug: str = "") -> tuple[ConsoleUser, Workspace] | None:
    """The user whose password matches; a blank workspace works when the email is unambiguous."""
    query = (select(ConsoleUser, Workspace)
             .join(Workspace, Workspace.id == ConsoleUser.workspace_id)
             .where(func.lower(ConsoleUser.email) == email.strip().lower(),
                    ConsoleUser.status == "active"))
    if workspace_slug.strip():
        query = query.where(Workspace.slug == workspace_slug.strip().lower())
    rows = (await session.execute(query.limit(5))).all()
    if not rows:
        verify_password(_DUMMY_HASH, password)
        return None
    for user, ws in rows:
        if verify_password(user.password_hash, password):
            if _hasher.check_needs_rehash(user.password_hash):
                user.password_hash = hash_password(password)
            user.last_login_at = utcnow()
            return user, ws
    return None


async def session_user(session: AsyncSession, workspace_id: str,
                       user_id: str) -> tuple[ConsoleUser, Workspace] | None:
    row = (await session.execute(
        select(ConsoleUser, Workspace).join(Workspace, Workspace.id == ConsoleUser.workspace_id)
        .where(ConsoleUser.workspace_id == workspace_id, ConsoleUser.id == user_id,
               ConsoleUser.status == "active"))).first()
    return (row[0], row[1]) if row else None
