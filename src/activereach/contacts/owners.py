"""Who owns which identity: the one look-up identity resolution starts from.

``find_owners`` answers in one round trip. A group commit of orders asks for all of its
customers' identities at once first (``prefetch_owners``); the orders then answer from that,
and each new identity an order claims is written through (``remember``), so a later order of
the same shopper in the batch finds it. A merge moves identities between contacts, so it drops
the prefetched answers (``forget``) and later orders query again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, bindparam, column, select, text, tuple_
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from activereach.contacts.models import ContactIdentity
from activereach.kit import deferred, session_state
from activereach.kit.db import plain_insert, statement

Pair = tuple[str, str]  # (kind, value)


@dataclass
class _Known:
    asked: set[Pair]
    owner: dict[Pair, str] = field(default_factory=dict)        # identity → contact
    user_id: dict[str, str] = field(default_factory=dict)       # contact → its user_id

    def add(self, kind: str, value: str, contact_id: str, user_id: str | None) -> None:
        self.owner[(kind, value)] = contact_id
        if user_id:
            self.user_id[contact_id] = user_id


@dataclass
class _Owners:
    """What this transaction knows of identity owners, per workspace: what a group commit
    prefetched, and what it inserted (or holds) itself."""

    prefetched: dict[str, _Known] = field(default_factory=dict)
    written: dict[str, _Known] = field(default_factory=dict)


def _owners_query(dialect: Any) -> Any:
    """Built once (the aliased join is costly to build). On PostgreSQL the identities arrive as
    two parallel arrays, each pair looked up on its own (``LATERAL … LIMIT 1``, which the
    planner cannot turn into a hash join over the workspace): one statement text, prepared
    once, a key look-up per identity. A list of pairs made a new text per length, planned each
    time, and scanned the table while its statistics were young. Elsewhere as an expanding
    list of pairs."""
    if dialect is postgresql:
        return text(
            "SELECT ci.kind, ci.value, ci.contact_id, u.value FROM "
            "unnest(CAST(:kinds AS varchar[]), CAST(:values AS varchar[])) AS q(kind, value) "
            "CROSS JOIN LATERAL (SELECT ci.kind, ci.value, ci.contact_id FROM contact_identities ci"
            " WHERE ci.workspace_id = :ws AND ci.kind = q.kind AND ci.value = q.value LIMIT 1) ci "
            "LEFT JOIN LATERAL (SELECT u.value FROM contact_identities u"
            " WHERE u.workspace_id = :ws AND u.contact_id = ci.contact_id AND u.kind = 'user_id'"
            " LIMIT 1) u ON true"
        ).columns(*(column(name) for name in ("kind", "value", "contact_id", "user_id")))
    user = aliased(ContactIdentity)
    return (select(ContactIdentity.kind, ContactIdentity.value, ContactIdentity.contact_id,
                   user.value)
            .outerjoin(user, and_(user.workspace_id == ContactIdentity.workspace_id,
                                  user.contact_id == ContactIdentity.contact_id,
                                  user.kind == "user_id"))
            .where(ContactIdentity.workspace_id == bindparam("ws"),
                   tuple_(ContactIdentity.kind, ContactIdentity.value).in_(
                       bindparam("pairs", expanding=True))))


async def _query(session: AsyncSession, workspace_id: str, pairs: set[Pair]) -> _Known:
    known = _Known(asked=set(pairs))
    ordered = sorted(pairs)
    rows = await session.execute(statement(session, ("contacts.owners",), _owners_query), {
        "ws": workspace_id, "pairs": ordered, "kinds": [kind for kind, _ in ordered],
        "values": [value for _, value in ordered]})
    for kind, value, contact_id, user_id in rows.all():
        known.add(kind, value, contact_id, user_id)
    return known


async def find_owners(session: AsyncSession, workspace_id: str, identities: dict[str, str],
                      ) -> tuple[dict[str, str], dict[str, str]]:
    """(kind → owning contact, owning contact → its user_id)."""
    pairs = set(identities.items())
    owners_state = session_state.peek(session, _Owners)
    known = owners_state.prefetched.get(workspace_id) if owners_state else None
    if known is None or not pairs <= known.asked:
        known = await _query(session, workspace_id, pairs)
    written = owners_state.written.get(workspace_id) if owners_state else None
    owners, user_ids = {}, {}
    for source in (known, written) if written else (known,):
        owners.update({kind: source.owner[(kind, value)] for kind, value in pairs
                       if (kind, value) in source.owner})
        user_ids.update(source.user_id)
    return owners, {cid: user_ids[cid] for cid in owners.values() if cid in user_ids}


async def prefetch_owners(session: AsyncSession, workspace_id: str, pairs: set[Pair]) -> None:
    if pairs:
        session_state.state(session, _Owners).prefetched[workspace_id] = await _query(
            session, workspace_id, pairs)


def remember(session: AsyncSession, workspace_id: str, contact_id: str,
             identities: list[Pair]) -> None:
    """``contact_id`` now owns these identities (inserted, or held, in this transaction)."""
    written = session_state.state(session, _Owners).written.setdefault(
        workspace_id, _Known(asked=set()))
    for kind, value in identities:
        written.add(kind, value, contact_id, value if kind == "user_id" else None)


def forget(session: AsyncSession, workspace_id: str) -> None:
    owners_state = session_state.peek(session, _Owners)
    if owners_state is not None:
        owners_state.prefetched.pop(workspace_id, None)
        owners_state.written.pop(workspace_id, None)


async def check_unclaimed(session: AsyncSession, workspace_id: str) -> None:
    """``deferred.Stale`` if an identity this transaction holds for insert now has an owner:
    another process's batch claimed it after this one looked (the batch then runs again)."""
    held = [(row["kind"], row["value"]) for row in
            deferred.held(session, plain_insert(session, ContactIdentity))
            if row["workspace_id"] == workspace_id]
    if held and (await _query(session, workspace_id, set(held))).owner:
        raise deferred.Stale(f"identities claimed meanwhile in workspace {workspace_id}")
