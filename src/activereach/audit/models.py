"""One row per audited change. Append-only: nothing updates or deletes an entry."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from activereach.kit.db import Base, JSONType, UTCDateTime, utcnow


class AuditEntry(Base):
    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_at", "workspace_id", "at", "id"),
                      Index("ix_audit_entries_target", "workspace_id", "target_kind",
                            "target_id"),)

    workspace_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Who: a console user (id + email at the time), an API key, or the CLI.
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[str] = mapped_column(String(40), default="")
    actor_label: Mapped[str] = mapped_column(String(320), default="")
    # What: a dotted verb ("staff.create", "reward.retire") on a named thing.
    action: Mapped[str] = mapped_column(String(64))
    target_kind: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[str] = mapped_column(String(80), default="")
    target_label: Mapped[str] = mapped_column(String(300), default="")
    location_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    # [{"field", "before", "after"}]; secrets appear as "set"/"changed", never their value.
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    note: Mapped[str] = mapped_column(String(500), default="")
