"""Console users: people who sign in to a workspace's dashboard (not API keys)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from activereach.kit.db import Base, UTCDateTime, utcnow

ROLES = ("owner", "manager", "analyst")


class ConsoleUser(Base):
    __tablename__ = "console_users"
    __table_args__ = (UniqueConstraint("workspace_id", "email"),)

    workspace_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(16))
    # argon2id encoded hash (parameters and salt included), never the password itself.
    password_hash: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class ConsoleSession(Base):
    """A signed-in browser. The cookie carries a random token; only its SHA-256 is stored, so a
    database read gives no way in. ``stamp`` fingerprints the user's password hash and role at
    sign-in: when either changes every session of that user ends (``console/sessions.py``)."""

    __tablename__ = "console_sessions"
    __table_args__ = (Index("ix_console_sessions_user", "workspace_id", "user_id"),)

    workspace_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)   # sha256(token), hex
    user_id: Mapped[str] = mapped_column(String(40))
    stamp: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class ConsoleUserToken(Base):
    """A one-time link that lets a person set their password: an invite (the user is still
    ``invited``) or a reset an owner issued. Only the token's SHA-256 is stored (``id``), so a
    database read gives no way in; a link works once (``used_at``) and until ``expires_at``."""

    __tablename__ = "console_user_tokens"
    __table_args__ = (Index("ix_console_user_tokens_id", "id", unique=True),
                      Index("ix_console_user_tokens_user", "workspace_id", "user_id"))

    workspace_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)   # sha256(token), hex
    user_id: Mapped[str] = mapped_column(String(40))
    purpose: Mapped[str] = mapped_column(String(16))    # "invite" | "reset"
    created_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
