"""The one table of the member page: a one-time code, and the session it grants once used."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from activereach.kit.db import Base, UTCDateTime, utcnow


class MemberCode(Base):
    """One code sent for one bill's member page.

    ``code_hash`` is an HMAC of the code under the server secret (a six-digit code under a
    plain hash would fall to a lookup table); ``session_hash`` is the SHA-256 of the token
    the page's cookie carries after the code was used. ``status``: ``sent`` (open), ``used``,
    ``superseded`` (a newer code was asked for), ``burned`` (too many wrong tries), ``failed``
    (the provider refused the message).
    """

    __tablename__ = "member_page_codes"
    __table_args__ = (
        Index("ix_member_page_codes_bill", "workspace_id", "bill_id", "created_at"),
        Index("ix_member_page_codes_contact", "workspace_id", "contact_id", "created_at"),
    )

    workspace_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    bill_id: Mapped[str] = mapped_column(String(40))
    contact_id: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(16))
    sent_to: Mapped[str] = mapped_column(String(120))        # masked: +91••••••3210
    message_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="sent")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    session_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    session_expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
