"""Destinations: create, read, change, delete, the reply shape, and the test send.

Secrets (a webhook's signing secret, a Segment write key) are stored Fernet-encrypted
(``kit.crypto``) and never returned; a webhook's secret is shown once, in the create reply."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.destinations import rules, sender
from activereach.destinations.kinds import KINDS, describe, get_kind
from activereach.destinations.models import Destination
from activereach.destinations.schemas import DestinationIn, DestinationPatch
from activereach.kit import crypto
from activereach.kit.db import utcnow
from activereach.kit.errors import NotFound, Unprocessable
from activereach.kit.ids import new_id


def _refuse(problems: dict[str, str]) -> None:
    if problems:
        details = [{"field": f"settings.{name}", "message": message}
                   for name, message in problems.items()]
        raise Unprocessable("; ".join(f"{d['field']}: {d['message']}" for d in details),
                            details=details)


async def create_destination(session: AsyncSession, workspace_id: str,
                             body: DestinationIn) -> tuple[Destination, str | None]:
    """The new destination and, for a webhook, its signing secret (shown this once)."""
    kind = get_kind(body.kind)
    unknown = set(body.settings) - {s.name for s in kind.settings}
    problems = {name: "is not a setting of this kind" for name in sorted(unknown)}
    problems.update(kind.check(body.settings))
    secret = rules.new_secret() if kind.makes_secret else kind.secret_of(body.settings)
    if secret is None:
        problems.setdefault("write_key", "is required")
    _refuse(problems)
    assert secret is not None
    destination = Destination(
        workspace_id=workspace_id, id=new_id("dst"), kind=kind.name, name=body.name,
        status="active", event_types=sorted(set(body.event_types)),
        settings=kind.public(body.settings), secret_ciphertext=crypto.encrypt(secret),
        created_at=utcnow(), updated_at=utcnow())
    session.add(destination)
    await session.flush()
    return destination, secret if kind.makes_secret else None


async def list_destinations(session: AsyncSession, workspace_id: str) -> list[Destination]:
    rows = await session.scalars(
        select(Destination).where(Destination.workspace_id == workspace_id,
                                  Destination.status != "deleted")
        .order_by(Destination.created_at, Destination.id))
    return list(rows)


async def get_destination(session: AsyncSession, workspace_id: str,
                          destination_id: str) -> Destination:
    destination = await session.get(Destination, (workspace_id, destination_id))
    if destination is None or destination.status == "deleted":
        raise NotFound(f"no destination {destination_id!r}")
    return destination


async def update_destination(session: AsyncSession, workspace_id: str, destination_id: str,
                             body: DestinationPatch) -> Destination:
    destination = await get_destination(session, workspace_id, destination_id)
    kind = get_kind(destination.kind)
    if body.settings is not None:
        unknown = set(body.settings) - {s.name for s in kind.settings}
        merged = {**destination.settings, **body.settings}
        problems = {name: "is not a setting of this kind" for name in sorted(unknown)}
        problems.update(kind.check(merged))
        _refuse(problems)
        destination.settings = kind.public(merged)
        rotated = kind.secret_of(body.settings)
        if rotated is not None and not kind.makes_secret:
            destination.secret_ciphertext = crypto.encrypt(rotated)
    if body.name is not None:
        destination.name = body.name
    if body.event_types is not None:
        destination.event_types = sorted(set(body.event_types))
    if body.status is not None:
        destination.status = body.status
    destination.updated_at = utcnow()
    return destination


async def rotate_secret(session: AsyncSession, workspace_id: str, destination_id: str) -> str:
    """A new signing secret for a webhook (the old one stops verifying at once); returned to
    be shown once. A Segment write key is replaced by sending a new one instead."""
    destination = await get_destination(session, workspace_id, destination_id)
    if not get_kind(destination.kind).makes_secret:
        raise Unprocessable("settings.write_key: a write key is replaced by entering a new one",
                            details=[{"field": "settings.write_key",
                                      "message": "enter the new write key instead"}])
    secret = rules.new_secret()
    destination.secret_ciphertext = crypto.encrypt(secret)
    destination.updated_at = utcnow()
    return secret


async def delete_destination(session: AsyncSession, workspace_id: str,
                             destination_id: str) -> None:
    """Soft delete: the delivery log stays readable to nobody, the secret is destroyed, and
    deliveries still queued give up (Svix: a removed endpoint's attempts stop)."""
    destination = await get_destination(session, workspace_id, destination_id)
    destination.status = "deleted"
    destination.secret_ciphertext = None
    destination.updated_at = utcnow()


def destination_out(destination: Destination) -> dict[str, Any]:
    """The reply shape: settings in clear, never a secret (only whether one is set)."""
    return {"id": destination.id, "kind": destination.kind, "name": destination.name,
            "status": destination.status, "event_types": list(destination.event_types),
            "settings": dict(destination.settings),
            "secret_set": destination.secret_ciphertext is not None,
            "created_at": destination.created_at.isoformat(),
            "updated_at": destination.updated_at.isoformat()}


def kinds_out() -> list[dict[str, Any]]:
    return [{**describe(kind), "event_types": list(rules.CATEGORIES)} for kind in KINDS.values()]


def test_event(workspace_id: str) -> dict[str, Any]:
    """The sample event a test send carries (a ``destination_test`` track, no contact)."""
    now = utcnow()
    return rules.envelope({"id": new_id("ev"), "name": "destination_test", "type": "track",
                           "message_id": f"destination_test:{now.timestamp():.0f}",
                           "timestamp": now, "source": "api", "contact_id": None,
                           "location_id": None,
                           "properties": {"workspace_id": workspace_id, "test": True}})


async def test_send(destination: Destination) -> sender.Attempt:
    """Send the sample event now (no transaction may be open: the caller read the row first)."""
    assert destination.secret_ciphertext is not None
    kind = get_kind(destination.kind)
    event = test_event(destination.workspace_id)
    return await sender.send(kind, dict(destination.settings),
                             crypto.decrypt(destination.secret_ciphertext), event,
                             msg_id=new_id("msg"))
