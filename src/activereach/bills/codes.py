"""Bill codes: 10 base62 characters from the CSPRNG, never derived from an id or a counter."""

from __future__ import annotations

import re
import secrets

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.bills.models import BillCodeReservation, BillReceipt

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
LENGTH = 10
CODE_RE = re.compile(r"^[0-9A-Za-z]{10}$")
ATTEMPTS = 8


def random_code() -> str:
    """10 characters from one CSPRNG read: bytes below 248 (4 × 62) map onto the alphabet
    without modulo bias and the rest are dropped (59.5 bits for 10 characters)."""
    chars: list[str] = []
    while len(chars) < LENGTH:
        chars.extend(ALPHABET[byte % 62] for byte in secrets.token_bytes(16) if byte < 248)
    return "".join(chars[:LENGTH])


def looks_like_code(value: str) -> bool:
    return bool(CODE_RE.match(value))


async def code_taken(session: AsyncSession, code: str) -> bool:
    """Held by a bill, or handed to a till in advance."""
    if await session.scalar(select(BillReceipt.id).where(BillReceipt.code == code)) is not None:
        return True
    return await session.scalar(select(BillCodeReservation.id).where(
        BillCodeReservation.code == code)) is not None


async def new_unique_code(session: AsyncSession, *, taken: set[str] | None = None) -> str:
    """A code no bill holds yet. The unique index stays the backstop: a race between two
    transactions picking the same code (p ≈ 1e-18) fails one, and the unit of work retries it."""
    for _ in range(ATTEMPTS):
        code = random_code()
        if taken and code in taken:
            continue
        if not await code_taken(session, code):
            return code
    raise RuntimeError("could not find a free bill code")  # only with a broken RNG
