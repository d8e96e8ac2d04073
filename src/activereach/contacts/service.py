"""Identity resolution: find or create the one contact an order or event belongs to.

Match order and merge rules (docs/decisions.md, "Identity resolution"):
1. Identities are normalised first; placeholders identify nobody.
2. The contact that owns the highest-precedence identity sent (user_id, external id, email, phone,
   anonymous id) is the match.  An unowned ``user_id`` never lands on a contact that already
   has a different ``user_id``: that is another person, so a new contact is created.
3. Other contacts owning sent identities merge into the match, unless both carry different
   ``user_id``s (then they stay apart and keep their identities).
4. Unowned identities attach to the match; traits merge on write.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.contacts import merging
from activereach.contacts.models import Contact, ContactIdentity
from activereach.contacts.owners import check_unclaimed, find_owners, forget, remember
from activereach.contacts.rules import MATCH_PRECEDENCE, merge_traits
from activereach.kit import deferred, session_state
from activereach.kit.db import plain_insert, statement, utcnow
from activereach.kit.ids import new_id


async def resolve_contact(session: AsyncSession, workspace_id: str, *, identities: dict[str, str],
                          source: str, name: str | None = None,
                          traits: dict[str, Any] | None = None) -> str | None:
    """The contact id for these (already normalised) identities, creating or merging as needed."""
    if not identities:
        return None
    owners, user_ids = await find_owners(session, workspace_id, identities)
    incoming_user = identities.get("user_id")

    primary = next((owners[kind] for kind in MATCH_PRECEDENCE if kind in owners), None)
    if primary and incoming_user and user_ids.get(primary, incoming_user) != incoming_user:
        primary = None  # a different user_id means a different person
    now = utcnow()
    created = primary is None
    if primary is None:
        primary = new_id("ct")
        # Held in a group commit (``kit.deferred``): later orders find it through ``remember``.
        await deferred.write(session, plain_insert(session, Contact), dict(
            workspace_id=workspace_id, id=primary, name=name, traits=merge_traits({}, traits or {}),
            consent={}, created_at=now, updated_at=now, orders_count=0, total_spent=0))
        user_ids[primary] = incoming_user or ""
        session_state.state(session, _Created).ids.add(primary)
    for other in set(owners.values()) - {primary}:
        if _same_person_possible(user_ids.get(primary) or incoming_user, user_ids.get(other)):
            await _merge(session, workspace_id, source=other, target=primary)
            forget(session, workspace_id)
            owners = {kind: (primary if cid == other else cid) for kind, cid in owners.items()}
    new_rows: list[dict[str, Any]] = [
        {"workspace_id": workspace_id, "kind": kind, "value": value, "contact_id": primary,
         "source": source, "created_at": now}
        for kind, value in identities.items() if kind not in owners
    ]
    if new_rows:
        # A plain insert: if a concurrent request claimed the identity first, the unique key
        # fails this transaction and the unit of work retries it against the winner's rows.
        # A group commit holds the rows and looks again under its lock before sending them.
        await deferred.write(session, plain_insert(session, ContactIdentity), new_rows)
        if deferred.reads_unlocked(session):
            deferred.before_send(session, ("contacts.unclaimed", workspace_id),
                                 lambda s: check_unclaimed(s, workspace_id))
        remember(session, workspace_id, primary, [(r["kind"], r["value"]) for r in new_rows])
    if not created:
        await _touch(session, workspace_id, primary, name=name, traits=traits, now=now)
    return primary


async def _touch(session: AsyncSession, workspace_id: str, contact_id: str, *, name: str | None,
                 traits: dict[str, Any] | None, now: dt.datetime) -> None:
    """Write name/traits onto an existing contact; one UPDATE unless traits need a merge."""
    values: dict[str, Any] = {"updated_at": now}
    if name:
        values["name"] = name
    if traits:
        await deferred.release(session)  # the contact may be a held row of this batch
        contact = await session.get(Contact, (workspace_id, contact_id), with_for_update=True)
        assert contact is not None
        values["traits"] = merge_traits(contact.traits or {}, traits)
    # One statement per set of columns, built once; executed with parameters, or held to the
    # end of a group commit (the newest values win).
    shape = tuple(sorted(values))
    stmt = statement(session, ("contacts.touch", *shape), lambda _: _touch_query(shape))
    params = {"ws": workspace_id, "cid": contact_id,
              **{f"v_{name}": value for name, value in values.items()}}
    await deferred.write(session, stmt, params, key=(workspace_id, contact_id),
                         duplicate=deferred.NEWEST)


@dataclass
class _Created:
    """Contacts created by this transaction: nothing else can reference them yet."""

    ids: set[str] = field(default_factory=set)


def created_here(session: AsyncSession, contact_id: str) -> bool:
    """Whether this transaction created the contact (so, e.g., it has no loyalty account in the
    database yet)."""
    created = session_state.peek(session, _Created)
    return created is not None and contact_id in created.ids


def _touch_query(columns: tuple[str, ...]) -> Any:
    c = Contact.__table__.c
    return (update(Contact.__table__).where(c.workspace_id == bindparam("ws"), c.id == bindparam("cid"))
            .values({name: bindparam(f"v_{name}", type_=c[name].type) for name in columns}))


def _same_person_possible(user_a: str | None, user_b: str | None) -> bool:
    return not (user_a and user_b and user_a != user_b)


async def _merge(session: AsyncSession, workspace_id: str, *, source: str, target: str) -> None:
    """Fold contact ``source`` into ``target``: every domain's rows move (``contacts.merging``),
    then the profile's traits and counts."""
    await deferred.release(session)  # rows this batch holds for ``source`` must move too
    session_state.drop(session, _Created)  # rows may now point at either contact
    for hook in merging.hooks():
        await hook.merge(session, workspace_id, source=source, target=target)
    old = await session.get(Contact, (workspace_id, source), with_for_update=True)
    new = await session.get(Contact, (workspace_id, target), with_for_update=True)
    if old is None or new is None:
        return
    new.traits = merge_traits(old.traits or {}, new.traits or {})
    new.name = new.name or old.name
    new.orders_count += old.orders_count
    new.total_spent += old.total_spent
    new.first_order_at = _earliest(new.first_order_at, old.first_order_at)
    new.last_order_at = max(filter(None, [new.last_order_at, old.last_order_at]), default=None)
    old.merged_into_id = target
    old.updated_at = utcnow()


# The contact's own identities move like any domain's rows.
CONTACT_MERGE = merging.MoveRows(ContactIdentity)


def _earliest(a: dt.datetime | None, b: dt.datetime | None) -> dt.datetime | None:
    return min(filter(None, [a, b]), default=None)


async def get_contact(session: AsyncSession, workspace_id: str, contact_id: str) -> Contact | None:
    """A contact by id; a merged-away id answers with the contact it merged into."""
    for _ in range(8):
        contact = await session.get(Contact, (workspace_id, contact_id))
        if contact is None or not contact.merged_into_id:
            return contact
        contact_id = contact.merged_into_id
    return None


async def find_by_identity(session: AsyncSession, workspace_id: str, kind: str,
                           value: str) -> Contact | None:
    owner = await session.scalar(
        select(ContactIdentity.contact_id).where(
            ContactIdentity.workspace_id == workspace_id, ContactIdentity.kind == kind,
            ContactIdentity.value == value)
    )
    return await get_contact(session, workspace_id, owner) if owner else None


async def identities_of(session: AsyncSession, workspace_id: str,
                        contact_id: str) -> list[ContactIdentity]:
    rows = await session.execute(
        select(ContactIdentity)
        .where(ContactIdentity.workspace_id == workspace_id, ContactIdentity.contact_id == contact_id)
        .order_by(ContactIdentity.kind, ContactIdentity.value)
    )
    return list(rows.scalars())
