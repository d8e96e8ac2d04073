"""Workspace, outlet, terminal and API-key operations."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.kit.db import utcnow
from activereach.kit.errors import Unprocessable
from activereach.kit.ids import new_id
from activereach.tenancy.models import ApiKey, Location, Terminal, Workspace

KEY_PREFIX = {"admin": "sk", "write": "wk"}


def hash_key(secret: str) -> str:
    """API keys are 256-bit random strings, so a plain SHA-256 is a safe, fast lookup hash."""
    return hashlib.sha256(secret.encode()).hexdigest()


def generate_key(kind: str, *, derive_from: tuple[str, str] | None = None) -> str:
    """A new key, or a deterministic one derived from (server secret, label) for the demo."""
    if derive_from:
        secret, label = derive_from
        body = hmac.new(secret.encode(), label.encode(), hashlib.sha256).hexdigest()[:40]
    else:
        body = secrets.token_hex(20)
    return f"{KEY_PREFIX[kind]}_{body}"


async def add_api_key(session: AsyncSession, workspace_id: str, *, kind: str, name: str,
                      secret: str | None = None) -> tuple[ApiKey, str]:
    if kind not in KEY_PREFIX:
        raise Unprocessable.field("kind", "must be admin or write")
    secret = secret or generate_key(kind)
    key = ApiKey(workspace_id=workspace_id, id=new_id("key"), kind=kind, name=name,
                 prefix=secret[:7], key_hash=hash_key(secret), created_at=utcnow())
    session.add(key)
    await session.flush()
    return key, secret


async def authenticate(session: AsyncSession, secret: str) -> tuple[ApiKey, Workspace] | None:
    row = (await session.execute(
        select(ApiKey, Workspace)
        .join(Workspace, Workspace.id == ApiKey.workspace_id)
        .where(ApiKey.key_hash == hash_key(secret), ApiKey.revoked_at.is_(None))
    )).first()
    return (row[0], row[1]) if row else None


async def workspace_by_slug(session: AsyncSession, slug: str) -> Workspace | None:
    return await session.scalar(select(Workspace).where(Workspace.slug == slug))


async def find_location(session: AsyncSession, workspace_id: str, ref: str) -> Location | None:
    """An outlet by id or by code."""
    return await session.scalar(
        select(Location).where(Location.workspace_id == workspace_id,
                               or_(Location.id == ref, Location.code == ref))
    )


async def list_locations(session: AsyncSession, workspace_id: str) -> list[Location]:
    rows = await session.execute(
        select(Location).where(Location.workspace_id == workspace_id).order_by(Location.code))
    return list(rows.scalars())


async def list_terminals(session: AsyncSession, workspace_id: str,
                         location_id: str | None = None) -> list[Terminal]:
    query = select(Terminal).where(Terminal.workspace_id == workspace_id)
    if location_id:
        query = query.where(Terminal.location_id == location_id)
    rows = await session.execute(query.order_by(Terminal.location_id, Terminal.terminal_id))
    return list(rows.scalars())
