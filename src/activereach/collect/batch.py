"""Processing Segment-spec messages: one verdict per message, good messages kept.

The six call types are stored (track, identify, page, screen, alias, group); e-commerce events
go through the order paths (``collect.commerce``). How verdicts map to the HTTP status an SDK
acts on is in ``collect.api``.

A ``messageId`` seen before (stored, or earlier in the same batch) is a ``duplicate`` only when
the message says the same thing again (its content digest, ``collect.envelope``); with
different content it is a ``conflict`` (409 in its verdict), as ``/v1/orders`` answers a reused
external id. A time outside the operator's bounds is refused (422 naming ``timestamp``).

**How a batch runs.** Everything that can refuse a plain message (its shape, size, time and
identities) is checked first, without the database. Then one query finds the messageIds
already stored and one the owners of every identity sent, and the plain messages run with
their writes held to the batch's end (``kit.deferred``: one statement per table, the way a
group commit of orders does). Messages that change orders, and ``alias``, run each in a
savepoint with nothing held, since they may still be refused after writing. If a plain message
fails anyway, the batch is undone and runs again one message per savepoint
(``kit.batching.together_or_alone``): slower, same verdicts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from activereach.collect import commerce, envelope, identity
from activereach.collect.calls import Call, Seen, record
from activereach.collect.parse import prepare
from activereach.contacts.owners import forget, prefetch_owners
from activereach.events.service import find_events
from activereach.kit import deferred
from activereach.kit.batching import together_or_alone
from activereach.kit.db import utcnow
from activereach.kit.errors import AppError, Conflict
from activereach.collect.schemas import BatchIn
from activereach.tenancy.models import Workspace

# The verdict statuses that say more than "rejected" (400); an SDK never sees them per message.
_VERDICT_STATUS = {404: 404, 409: 409, 413: 413}


@dataclass
class _Run:
    """One batch's state: its workspace, and the messageIds stored so far (before or in it)."""

    workspace: Workspace
    seen: dict[str, Seen] = field(default_factory=dict)


class _PlainFailed(Exception):
    """A plain message was refused after it wrote: the batch runs again, message by message."""


async def process_batch(session: AsyncSession, workspace: Workspace,
                        body: BatchIn) -> list[dict[str, Any]]:
    received = utcnow()
    sent_at = envelope.parse_time(body.sent_at)
    items = [prepare(workspace, index, raw, body, sent_at=sent_at, received=received)
             for index, raw in enumerate(body.batch)]
    calls = [call for _, call in items if isinstance(call, Call)]
    stored = await find_events(session, workspace.id, [c.message.message_id for c in calls])
    run = _Run(workspace, {mid: Seen.of(event) for mid, event in stored.items()})
    await prefetch_owners(session, workspace.id, {pair for c in calls if c.plain
                                                  for pair in c.identities.items()})
    seen_before = dict(run.seen)

    async def together(batch: list[tuple[dict[str, Any], Call | AppError]]) -> list[dict[str, Any]]:
        async with session.begin_nested():
            return [await _one(session, run, verdict, call, held=True)
                    for verdict, call in batch]

    async def alone(item: tuple[dict[str, Any], Call | AppError]) -> dict[str, Any]:
        return await _one(session, run, *item, held=False)

    def undo(_: BaseException) -> None:
        deferred.discard(session)
        forget(session, workspace.id)
        run.seen = dict(seen_before)

    try:
        outcomes = await together_or_alone(items, together, alone, on_fallback=undo)
    finally:
        await deferred.flush(session)
    for outcome in outcomes:
        if isinstance(outcome, Exception):
            raise outcome   # a failure of ours, not the message's: the request fails, to retry
    return [outcome for outcome in outcomes if isinstance(outcome, dict)]


async def _one(session: AsyncSession, run: _Run, verdict: dict[str, Any],
               call: Call | AppError, *, held: bool) -> dict[str, Any]:
    """One message's verdict. ``held``: plain messages' writes wait for the batch's end."""
    if isinstance(call, AppError):
        return _refused(verdict, call)
    known = run.seen.get(call.message.message_id)
    try:
        if known is not None:
            outcome = await _seen_before(session, run.workspace, call, known)
        elif call.plain and held:
            if not deferred.active(session):
                deferred.start(session)
            try:
                outcome = await _plain(session, run.workspace, call)
            except AppError as exc:
                raise _PlainFailed(str(exc)) from exc
        else:
            await deferred.flush(session)   # nothing held may outlive a savepoint's rollback
            try:
                async with session.begin_nested():
                    outcome = await _changing(session, run.workspace, call)
            finally:
                forget(session, run.workspace.id)  # identities it claimed may be rolled back
    except AppError as exc:
        return _refused(verdict, exc)
    run.seen.setdefault(call.message.message_id, Seen(
        digest=call.digest, contact_id=outcome.get("contact_id"), name=call.name,
        order_id=outcome.get("order_id")))
    return {**verdict, **outcome}


def _refused(verdict: dict[str, Any], exc: AppError) -> dict[str, Any]:
    # Rejected for its content: retrying cannot help, so the SDK must not retry it.
    return {**verdict, "status": _VERDICT_STATUS.get(exc.status_code, 400),
            "result": "conflict" if isinstance(exc, Conflict) else "rejected",
            "error": exc.body()["error"]}


async def _plain(session: AsyncSession, workspace: Workspace, call: Call) -> dict[str, Any]:
    contact_id = await identity.resolve(session, workspace, call)
    await record(session, workspace, call, contact_id)
    return {"status": 200, "result": "accepted", "contact_id": contact_id}


async def _changing(session: AsyncSession, workspace: Workspace, call: Call) -> dict[str, Any]:
    """A message that may be refused after writing: an order event, or an alias."""
    if call.name in commerce.HANDLERS:
        return await commerce.HANDLERS[call.name](session, workspace, call)
    if call.message.type == "alias":
        contact_id = await identity.alias(session, workspace, call)
        await record(session, workspace, call, contact_id)
        return {"status": 200, "result": "accepted", "contact_id": contact_id}
    return await _plain(session, workspace, call)


async def _seen_before(session: AsyncSession, workspace: Workspace, call: Call,
                       known: Seen) -> dict[str, Any]:
    """The verdict for a messageId already stored: duplicate when the content is the same."""
    if known.digest is not None:
        same = known.digest == call.digest
    else:   # stored before digests were kept (migration 0014): compare as then
        assert known.legacy is not None
        same = await commerce.same_as_legacy(session, workspace, call, known.legacy)
    if not same:
        raise Conflict(f"messageId {call.message.message_id!r} was already accepted with "
                       "different content", code="message_id_conflict",
                       details={"event_id": known.event_id})
    verdict: dict[str, Any] = {"status": 200, "result": "duplicate",
                               "contact_id": known.contact_id}
    if known.order_id and known.name == "order_completed":
        verdict["order_id"] = known.order_id
    return verdict

