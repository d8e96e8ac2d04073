"""Extension points of the one ingest path: domains that take part in every order.

``ingest_order`` calls each participant, in the order ``register`` was given them, inside the
same transaction.  Later participants see what earlier ones wrote into ``CompletedOrder.result``
(the bill snapshot needs the points the loyalty participant earned; the receipt needs the bill).
A participant raises an ``AppError`` to refuse the order; the whole transaction rolls back.
``completed`` runs before the order's own rows are inserted (so the reply is stored once): a
participant reads the order from ``CompletedOrder``, never from the ``orders`` table, and its
tables hold no foreign key to ``orders``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from activereach.orders.models import Order, OrderLine, OrderPayment, OrderRefund
from activereach.orders.schemas import LineIn, OrderIn
from activereach.tenancy.models import Workspace


@dataclass
class PreparedOrder:
    """Before totals are computed: participants may fill lines from the catalog."""

    workspace: Workspace
    location_id: str | None
    order_in: OrderIn
    lines: list[LineIn]
    # variant id per line index, set by the catalog participant when a line matches the catalog
    variant_ids: dict[int, str] = field(default_factory=dict)


@dataclass
class CompletedOrder:
    workspace: Workspace
    order: Order
    lines: list[OrderLine]
    payments: list[OrderPayment]
    order_in: OrderIn
    # the reply being built; participants add their part ("bill", "loyalty", ...)
    result: dict[str, Any]
    # extra properties for the order_completed event (e.g. "bill_code")
    event_properties: dict[str, Any] = field(default_factory=dict)


@dataclass
class RefundedOrder:
    workspace_id: str
    order: Order
    refund: OrderRefund
    # (line, quantity refunded now) for line refunds; empty for money-only refunds
    line_quantities: list[tuple[OrderLine, Any]]
    result: dict[str, Any]


class OrderParticipant(Protocol):
    name: str

    async def prefetch(self, session: AsyncSession, workspace_id: str,
                       orders: list[OrderIn]) -> None: ...

    async def prepare(self, session: AsyncSession, prepared: PreparedOrder) -> None: ...

    async def completed(self, session: AsyncSession, completed: CompletedOrder) -> None: ...

    async def refunded(self, session: AsyncSession, refunded: RefundedOrder) -> None: ...


class BaseParticipant:
    """No-op defaults so a participant implements only the steps it cares about."""

    name = "base"

    async def prefetch(self, session: AsyncSession, workspace_id: str,
                       orders: list[OrderIn]) -> None:
        """A group commit's orders, before any is ingested: read set-wise what ``prepare`` and
        ``completed`` will need (they must still work when nothing was prefetched)."""
        return None

    async def prepare(self, session: AsyncSession, prepared: PreparedOrder) -> None:
        return None

    async def completed(self, session: AsyncSession, completed: CompletedOrder) -> None:
        return None

    async def refunded(self, session: AsyncSession, refunded: RefundedOrder) -> None:
        return None


_PARTICIPANTS: list[OrderParticipant] = []


def register(*found: OrderParticipant) -> None:
    """Set the participants, in the order they run (``activereach.wiring`` at start-up: catalog
    → loyalty → till rules → bills → messaging)."""
    _PARTICIPANTS[:] = found


def participants() -> list[OrderParticipant]:
    """The ordered list; empty means start-up never wired the domains, which would ingest
    orders with no loyalty or bill, so it is refused."""
    if not _PARTICIPANTS:
        raise RuntimeError("no order participants registered: call activereach.wiring.install() "
                           "at start-up")
    return _PARTICIPANTS
