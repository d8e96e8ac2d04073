"""Pairing a till: a short-lived, single-use code becomes a device token pinned to one terminal.

Codes use an unambiguous alphabet (no 0/O, 1/I/L) so they can be read off a screen and typed.
Only hashes of codes and tokens are stored.
"""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.kit.db import utcnow
from activereach.kit.errors import Forbidden, Unauthorized
from activereach.tenancy.models import Location, Terminal, Workspace
from activereach.tenancy.service import hash_key

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
PAIRING_TTL = dt.timedelta(minutes=30)


def new_pairing_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(code: str) -> str:
    return code.strip().upper().replace("-", "").replace(" ", "")


async def issue_pairing_code(session: AsyncSession, terminal: Terminal,
                             ttl: dt.timedelta = PAIRING_TTL) -> tuple[str, dt.datetime]:
    if terminal.status != "active":
        raise Forbidden("terminal is revoked; re-activate it before pairing")
    code = new_pairing_code()
    now = utcnow()
    terminal.pairing_code_hash = hash_key(code)
    terminal.pairing_issued_at = now
    terminal.pairing_expires_at = now + ttl
    return code, terminal.pairing_expires_at


async def pair_device(session: AsyncSession, code: str) -> tuple[str, Terminal, Location, Workspace]:
    """Spend a pairing code; returns a fresh device token (shown once) and what it is pinned to."""
    row = (await session.execute(
        select(Terminal, Location, Workspace)
        .join(Location, (Location.workspace_id == Terminal.workspace_id)
              & (Location.id == Terminal.location_id))
        .join(Workspace, Workspace.id == Terminal.workspace_id)
        .where(Terminal.pairing_code_hash == hash_key(normalize_code(code)))
        .with_for_update(of=Terminal)
    )).first()
    if row is None:
        raise Unauthorized("unknown or already used pairing code")
    terminal, location, workspace = row
    if terminal.pairing_expires_at is None or terminal.pairing_expires_at <= utcnow():
        raise Unauthorized("pairing code expired; ask an admin for a new one")
    if terminal.status != "active" or location.status != "active":
        raise Forbidden("terminal or outlet is not active")
    token = f"dt_{secrets.token_hex(24)}"
    terminal.device_token_hash = hash_key(token)
    terminal.pairing_code_hash = None
    terminal.pairing_expires_at = None
    terminal.paired_at = utcnow()
    return token, terminal, location, workspace


async def authenticate_device(session: AsyncSession,
                              token: str) -> tuple[Terminal, Location, Workspace] | None:
    row = (await session.execute(
        select(Terminal, Location, Workspace)
        .join(Location, (Location.workspace_id == Terminal.workspace_id)
              & (Location.id == Terminal.location_id))
        .join(Workspace, Workspace.id == Terminal.workspace_id)
        .where(Terminal.device_token_hash == hash_key(token))
    )).first()
    if row is None:
        return None
    return row[0], row[1], row[2]


def revoke_terminal(terminal: Terminal) -> None:
    """The device stops working at its next contact; pairing again needs a new code."""
    terminal.status = "revoked"
    terminal.device_token_hash = None
    terminal.pairing_code_hash = None
    terminal.pairing_expires_at = None
