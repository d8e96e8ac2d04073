"""Pairing a till: a short-lived, single-use code becomes a device token pinned to one terminal.

Codes use an unambiguous alphabet (no 0/O, 1/I/L) so they can be read off a screen and typed.
Only hashes of codes and tokens are stored.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.kit.db import utcnow
from activereach.kit.errors import Forbidden, NotFound, Unauthorized
from activereach.kit.ids import new_id
from activereach.tenancy.models import Location, PairingCode, Terminal, Workspace
from activereach.tenancy.service import hash_key

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
PAIRING_TTL = dt.timedelta(minutes=30)


def new_pairing_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(code: str) -> str:
    return code.strip().upper().replace("-", "").replace(" ", "")


async def issue_pairing_code(session: AsyncSession, terminal: Terminal,
                             ttl: dt.timedelta = PAIRING_TTL,
                             issued_by: str = "") -> tuple[str, dt.datetime]:
    code, expires, _ = await issue_logged_code(session, terminal, ttl, issued_by)
    return code, expires


async def issue_logged_code(session: AsyncSession, terminal: Terminal,
                            ttl: dt.timedelta = PAIRING_TTL,
                            issued_by: str = "") -> tuple[str, dt.datetime, PairingCode]:
    """A new code for ``terminal`` (a live earlier one is replaced), logged as issued."""
    if terminal.status != "active":
        raise Forbidden("terminal is revoked; re-activate it before pairing")
    code = new_pairing_code()
    now = utcnow()
    await _end_open(session, terminal, "replaced", now)
    terminal.pairing_code_hash = hash_key(code)
    terminal.pairing_issued_at = now
    terminal.pairing_expires_at = now + ttl
    row = PairingCode(workspace_id=terminal.workspace_id, id=new_id("pcd"),
                      terminal_pk=terminal.id, code_hash=terminal.pairing_code_hash,
                      issued_at=now, expires_at=terminal.pairing_expires_at,
                      issued_by=issued_by[:320])
    session.add(row)
    return code, terminal.pairing_expires_at, row


async def _end_open(session: AsyncSession, terminal: Terminal, how: str,
                    now: dt.datetime) -> None:
    """Close the log rows of codes this terminal still holds (at most one in practice)."""
    await session.execute(
        update(PairingCode)
        .where(PairingCode.workspace_id == terminal.workspace_id,
               PairingCode.terminal_pk == terminal.id, PairingCode.ended.is_(None))
        .values(ended=how, ended_at=now)
        .execution_options(synchronize_session=False))


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
    await _end_open(session, terminal, "used", utcnow())
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


@dataclass(frozen=True)
class IssuedCode:
    """A logged code as the console lists it (never the code itself)."""

    id: str
    issued_at: dt.datetime
    expires_at: dt.datetime
    issued_by: str
    state: str  # live | used | revoked | replaced | expired | withdrawn
    ended_at: dt.datetime | None


def code_state(row: PairingCode, terminal: Terminal, now: dt.datetime) -> str:
    """``withdrawn``: the terminal no longer holds the code (it was revoked meanwhile)."""
    if row.ended:
        return row.ended
    if row.expires_at <= now:
        return "expired"
    return "live" if terminal.pairing_code_hash == row.code_hash else "withdrawn"


async def issued_codes(session: AsyncSession, workspace_id: str, terminals: list[Terminal],
                       per_terminal: int = 5) -> dict[str, list[IssuedCode]]:
    """The newest codes issued for each terminal, newest first."""
    by_pk = {t.id: t for t in terminals}
    out: dict[str, list[IssuedCode]] = {pk: [] for pk in by_pk}
    if not by_pk:
        return out
    rows = await session.scalars(
        select(PairingCode).where(PairingCode.workspace_id == workspace_id,
                                  PairingCode.terminal_pk.in_(list(by_pk)))
        .order_by(PairingCode.issued_at.desc(), PairingCode.id.desc()))
    now = utcnow()
    for row in rows:
        shown = out[row.terminal_pk]
        if len(shown) < per_terminal:
            shown.append(IssuedCode(row.id, row.issued_at, row.expires_at, row.issued_by,
                                    code_state(row, by_pk[row.terminal_pk], now), row.ended_at))
    return out


async def logged_code(session: AsyncSession, terminal: Terminal, code_id: str) -> PairingCode:
    row = await session.get(PairingCode, (terminal.workspace_id, code_id), with_for_update=True)
    if row is None or row.terminal_pk != terminal.id:
        raise NotFound(f"pairing code: no code {code_id!r} for this terminal")
    return row


async def revoke_pairing_code(session: AsyncSession, terminal: Terminal, code_id: str) -> str:
    """Withdraw one issued code; returns its state before (only a live code changes)."""
    row = await logged_code(session, terminal, code_id)
    state = code_state(row, terminal, utcnow())
    if state == "live":
        terminal.pairing_code_hash = None
        terminal.pairing_expires_at = None
        row.ended, row.ended_at = "revoked", utcnow()
    return state
