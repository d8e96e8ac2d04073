"""One-time codes for the member page: issue, check, and the short session a good code grants.

A code is six digits, lives ten minutes, works once, and only on the page of the bill it was
asked from. Its row keeps an HMAC of it under the server secret, never the code. Five wrong
tries burn it (whatever address they come from); asking again replaces the open code; a
contact gets at most three codes per fifteen minutes (SMS costs money and annoys). The routes
add the per-address sign-in throttle on top (``kit/throttle.py``).

A good code opens a session of thirty minutes: a random token whose SHA-256 is kept on the
code's row, carried by a cookie scoped to that bill's member page.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.bills.models import BillReceipt
from activereach.contacts.merging import MoveRows
from activereach.kit.db import utcnow
from activereach.kit.ids import new_id
from activereach.member_page.models import MemberCode
from activereach.messaging.codes import (
    CodeChannel,
    CodeSend,
    record_code_outcome,
    start_code_message,
)
from activereach.messaging.providers import SendResult

CODE_TTL = dt.timedelta(minutes=10)
SESSION_TTL = dt.timedelta(minutes=30)
MAX_WRONG = 5
MAX_SENDS = 3
SEND_WINDOW = dt.timedelta(minutes=15)
DIGITS = 6


class TooManyCodes(Exception):
    """This contact asked for ``MAX_SENDS`` codes within ``SEND_WINDOW``."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many codes; try again in {retry_after} s")
        self.retry_after = retry_after


@dataclass(frozen=True)
class Issued:
    key: tuple[str, str]
    send: CodeSend
    sent_to: str


@dataclass(frozen=True)
class Checked:
    """``outcome``: ok, wrong, expired, none (used, replaced or never sent), burned."""

    outcome: str
    cookie: str | None = None
    left: int = 0
    sent_to: str | None = None


def new_code() -> str:
    return f"{secrets.randbelow(10 ** DIGITS):0{DIGITS}d}"


def code_digest(secret: str, row_id: str, code: str) -> str:
    # Keyed and bound to its row: a leaked table gives neither codes nor a lookup table.
    return hmac.new(secret.encode(), f"{row_id}:{code}".encode(), hashlib.sha256).hexdigest()


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def _send_wait(session: AsyncSession, bill: BillReceipt, now: dt.datetime) -> int:
    """Seconds until this contact may have another code (0: now)."""
    since = now - SEND_WINDOW
    count, oldest = (await session.execute(select(func.count(), func.min(MemberCode.created_at))
                                           .where(MemberCode.workspace_id == bill.workspace_id,
                                                  MemberCode.contact_id == bill.contact_id,
                                                  MemberCode.created_at >= since))).one()
    if count < MAX_SENDS or oldest is None:
        return 0
    oldest = oldest if oldest.tzinfo else oldest.replace(tzinfo=dt.UTC)  # aggregates are naive
    return max(1, int((oldest + SEND_WINDOW - now).total_seconds()) + 1)


async def issue_code(session: AsyncSession, bill: BillReceipt, target: CodeChannel, *,
                     brand: str, secret: str) -> Issued:
    """A new code for this bill's page, replacing any open one; the send to make after commit."""
    assert bill.contact_id is not None
    now = utcnow()
    wait = await _send_wait(session, bill, now)
    if wait:
        raise TooManyCodes(wait)
    await session.execute(update(MemberCode).where(
        MemberCode.workspace_id == bill.workspace_id, MemberCode.bill_id == bill.id,
        MemberCode.status == "sent").values(status="superseded"))
    row_id, code = new_id("mpc"), new_code()
    send = await start_code_message(
        session, workspace_id=bill.workspace_id, contact_id=bill.contact_id,
        location_id=bill.location_id, target=target, brand=brand, code=code,
        minutes=int(CODE_TTL.total_seconds() // 60), dedupe=row_id)
    session.add(MemberCode(
        workspace_id=bill.workspace_id, id=row_id, bill_id=bill.id, contact_id=bill.contact_id,
        channel=target.channel, sent_to=target.masked, message_id=send.key[1],
        code_hash=code_digest(secret, row_id, code), status="sent", attempts=0,
        expires_at=now + CODE_TTL, created_at=now))
    return Issued((bill.workspace_id, row_id), send, target.masked)


async def record_sent(session: AsyncSession, issued: Issued,
                      outcome: SendResult | Exception) -> bool:
    """The provider's answer; a refused message leaves no open code behind."""
    sent = await record_code_outcome(session, issued.send, outcome)
    if not sent:
        await session.execute(update(MemberCode).where(
            MemberCode.workspace_id == issued.key[0], MemberCode.id == issued.key[1])
            .values(status="failed"))
    return sent


async def open_code(session: AsyncSession, bill: BillReceipt) -> MemberCode | None:
    """The newest code of this bill's page, if it can still be used."""
    row = await _newest(session, bill)
    return row if row is not None and row.status == "sent" and row.expires_at > utcnow() else None


async def _newest(session: AsyncSession, bill: BillReceipt, *,
                  lock: bool = False) -> MemberCode | None:
    query = select(MemberCode).where(
        MemberCode.workspace_id == bill.workspace_id, MemberCode.bill_id == bill.id
    ).order_by(MemberCode.created_at.desc(), MemberCode.id.desc()).limit(1)
    return await session.scalar(query.with_for_update() if lock else query)


async def check_code(session: AsyncSession, bill: BillReceipt, typed: str, *,
                     secret: str) -> Checked:
    """Use the code typed on this bill's page: a session cookie value, or why not."""
    now = utcnow()
    row = await _newest(session, bill, lock=True)   # locked: two tries never both use it
    if row is None or row.status != "sent":
        burned = row is not None and row.status == "burned"
        return Checked("burned" if burned else "none")
    if row.expires_at <= now:
        return Checked("expired", sent_to=row.sent_to)
    code = "".join(typed.split())
    if not hmac.compare_digest(row.code_hash, code_digest(secret, row.id, code)):
        row.attempts += 1
        if row.attempts >= MAX_WRONG:
            row.status = "burned"
            return Checked("burned", sent_to=row.sent_to)
        return Checked("wrong", left=MAX_WRONG - row.attempts, sent_to=row.sent_to)
    token = secrets.token_urlsafe(32)
    row.status, row.used_at = "used", now
    row.session_hash, row.session_expires_at = token_digest(token), now + SESSION_TTL
    return Checked("ok", cookie=f"{row.id}.{token}", sent_to=row.sent_to)


async def session_grant(session: AsyncSession, bill: BillReceipt,
                        cookie: str | None) -> MemberCode | None:
    """The used code whose session this cookie carries, when it is for this bill and fresh."""
    row_id, _, token = (cookie or "").partition(".")
    if not row_id or not token or len(cookie or "") > 200:
        return None
    row = await session.get(MemberCode, (bill.workspace_id, row_id))
    if (row is None or row.bill_id != bill.id or row.status != "used"
            or row.session_hash is None or row.session_expires_at is None
            or row.session_expires_at <= utcnow()):
        return None
    return row if hmac.compare_digest(row.session_hash, token_digest(token)) else None


# A contact merge moves the codes (and open sessions) with the person (``contacts.merging``).
CONTACT_MERGE = MoveRows(MemberCode)
