"""A contact merge in messaging: messages follow the person, and no opt-out is ever lost.

Consent is per contact and channel. When both contacts have a decision for a channel, an
opt-out wins over an opt-in whatever their dates (TRAI and DPDP: a withdrawal holds until the
person gives consent again, and merging two records is not the person saying yes); two equal
decisions keep the newer one's source and evidence. The profile's ``consent`` mirror is rebuilt
from the rows that remain.
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.contacts.merging import MoveRows
from activereach.contacts.models import Contact
from activereach.messaging.models import Consent, Message


def _survivor(old: Consent, new: Consent) -> Consent:
    """Which of two decisions for one channel stands."""
    if old.status != new.status:
        return old if old.status == "opted_out" else new
    return old if old.updated_at > new.updated_at else new


class MessagingMerge:
    tables: tuple[str, ...] = (Message.__tablename__, Consent.__tablename__)

    async def merge(self, session: AsyncSession, workspace_id: str, *, source: str,
                    target: str) -> None:
        await MoveRows(Message).merge(session, workspace_id, source=source, target=target)
        rows = (await session.scalars(select(Consent).where(
            Consent.workspace_id == workspace_id, Consent.contact_id.in_((source, target)))
            .order_by(Consent.channel, Consent.contact_id))).all()
        olds = {row.channel: row for row in rows if row.contact_id == source}
        news = {row.channel: row for row in rows if row.contact_id == target}
        await session.execute(delete(Consent).where(
            Consent.workspace_id == workspace_id, Consent.contact_id == source),
            execution_options={"synchronize_session": False})
        for channel, old in olds.items():
            new = news.get(channel)
            if new is None or _survivor(old, new) is old:
                kept = Consent(workspace_id=workspace_id, contact_id=target, channel=channel,
                               status=old.status, source=old.source, evidence=old.evidence,
                               updated_at=old.updated_at)
                news[channel] = await session.merge(kept)
            session.expunge(old)
        contact = await session.get(Contact, (workspace_id, target))
        if contact is not None and olds:
            contact.consent = {channel: {"status": row.status, "source": row.source,
                                         "at": row.updated_at.isoformat()}
                               for channel, row in sorted(news.items())}


CONTACT_MERGE = MessagingMerge()
