"""The one ingest path (DESIGN.md §4): every order, from any source, in one transaction.

``ingest_order`` upserts the order idempotently, resolves the contact, appends
``order_completed`` and enqueues follow-up jobs, all inside the caller's transaction; the
caller's unit of work commits.  A replay returns the stored reply and writes nothing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, column, or_, select, text, tuple_
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from activereach.contacts.merging import MoveRows
from activereach.contacts.rules import IdentityError, build_identities
from activereach.contacts.service import resolve_contact
from activereach.events.service import append_event
from activereach.jobs.service import enqueue
from activereach.kit import deferred, session_state
from activereach.kit.cache import TenantCache
from activereach.kit.db import T, plain_insert, statement, transient, utcnow
from activereach.kit.errors import Conflict, Unprocessable
from activereach.kit.ids import new_id
from activereach.kit.money import MoneyError, currency_exponent
from activereach.orders import rules
from activereach.orders.models import Order, OrderLine, OrderPayment
from activereach.orders.participants import CompletedOrder, PreparedOrder, participants
from activereach.orders.properties import order_completed_properties
from activereach.orders.schemas import LineIn, OrderIn
from activereach.tenancy.models import Workspace
from activereach.tenancy.service import find_location


@dataclass(frozen=True)
class IngestSource:
    """Where an order came from, and what its transport pins (a device token pins an outlet)."""

    workspace: Workspace
    source: str                      # "api" | "activepos" | "online" | a pipe id
    idempotency_key: str | None = None
    client_order_id: str | None = None
    location_id: str | None = None
    terminal_id: str | None = None
    message_id: str | None = None
    event_source: str = "api"        # the ``source`` column of the event: api | pos | sdk | webhook


def request_hash(source: str, order_in: OrderIn) -> str:
    return hashlib.sha256(f"{source}\n{order_in.model_dump_json()}".encode()).hexdigest()


async def ingest_order(session: AsyncSession, src: IngestSource, order_in: OrderIn) -> dict[str, Any]:
    """The one ingest path (docs/architecture.md): replay, price, resolve the customer, let the
    participants take part, write the order and its event, enqueue the roll-ups."""
    digest = request_hash(src.source, order_in)
    replay = await _replay(session, src, order_in, digest)
    if replay is not None:
        return replay
    priced = await _price(session, src, order_in)
    contact_id = await _resolve_customer(session, src.workspace, src.source, order_in)
    completed, rows = _completed(src, order_in, priced, digest, contact_id)
    for participant in participants():
        await participant.completed(session, completed)
    await _write(session, src, completed, rows)
    return dict(completed.order.result)


async def _replay(session: AsyncSession, src: IngestSource, order_in: OrderIn,
                  digest: str) -> dict[str, Any] | None:
    """The stored reply of the same order sent before; a different body under its keys is 409."""
    existing = await _find_existing(session, src, order_in.external_id)
    if existing is None:
        return None
    if existing.request_hash != digest:
        raise Conflict(
            f"order {order_in.external_id!r} from {src.source!r} was already ingested with "
            "different content", code="idempotency_conflict", details={"order_id": existing.id})
    return {**existing.result, "replayed": True}


@dataclass
class _Priced:
    """An order's outlet, channel and money, after the participants filled its lines."""

    currency: str
    location_id: str | None
    channel: str
    prepared: PreparedOrder
    line_rows: list[dict[str, Any]]
    totals: rules.OrderTotals
    paid: int
    change: int


async def _price(session: AsyncSession, src: IngestSource, order_in: OrderIn) -> _Priced:
    ws = src.workspace
    currency = order_in.currency or ws.currency
    try:
        currency_exponent(currency)
    except MoneyError as exc:
        raise Unprocessable.field("currency", str(exc)) from exc
    location_id = src.location_id or await _location_id(session, ws.id, order_in.location)
    prepared = PreparedOrder(workspace=ws, location_id=location_id, order_in=order_in,
                             lines=list(order_in.lines))
    for participant in participants():
        await participant.prepare(session, prepared)
    line_rows, amounts = _compute_lines(prepared.lines, prepared.variant_ids)
    line_discounts = sum(line.discount for line in prepared.lines)
    if order_in.order_discount > sum(a.total for a in amounts) + order_in.order_tax:
        raise Unprocessable.field("order_discount", "exceeds the order amount")
    totals = rules.order_totals(amounts, line_discounts=line_discounts,
                                order_discount=order_in.order_discount,
                                order_tax=order_in.order_tax, shipping=order_in.shipping)
    _check_client_totals(order_in, totals)
    paid, change = _check_payments(order_in, totals.total)
    return _Priced(currency=currency, location_id=location_id,
                   channel=order_in.channel or ("offline" if location_id else "online"),
                   prepared=prepared, line_rows=line_rows, totals=totals, paid=paid,
                   change=change)


def _completed(src: IngestSource, order_in: OrderIn, priced: _Priced, digest: str,
               contact_id: str | None) -> tuple[CompletedOrder, list[list[dict[str, Any]]]]:
    """The order the participants see, and its rows: order, lines, payments."""
    ws, totals = src.workspace, priced.totals
    order_id = new_id("ord")
    # Plain rows for plain inserts, seen by the participants as model objects (``transient``).
    order, order_row = transient(Order, dict(
        workspace_id=ws.id, id=order_id, source=src.source, external_id=order_in.external_id,
        client_order_id=src.client_order_id, idempotency_key=src.idempotency_key,
        request_hash=digest, location_id=priced.location_id,
        terminal_id=src.terminal_id or order_in.terminal, contact_id=contact_id,
        channel=priced.channel, currency=priced.currency, status="completed",
        occurred_at=order_in.occurred_at, created_at=utcnow(), subtotal=totals.subtotal,
        tax_total=totals.tax, discount_total=totals.discount, shipping=totals.shipping,
        total=totals.total, paid_total=priced.paid, change_due=priced.change, refunded_total=0,
        coupon=order_in.coupon, customer=_customer_snapshot(order_in), extra=_extra(order_in),
        event_id=new_id("ev"),
    ))
    lines, line_rows = _transients(OrderLine, [
        {"workspace_id": ws.id, "order_id": order_id, **row} for row in priced.line_rows])
    payments, payment_rows = _transients(OrderPayment, [
        {"workspace_id": ws.id, "order_id": order_id, "seq": index, "method": p.method.lower(),
         "amount": p.amount, "reference": p.reference}
        for index, p in enumerate(order_in.payments, start=1)])
    completed = CompletedOrder(workspace=ws, order=order, lines=lines, payments=payments,
                               order_in=order_in, result=_result(order, totals))
    return completed, [[order_row], line_rows, payment_rows]


async def _write(session: AsyncSession, src: IngestSource, completed: CompletedOrder,
                 rows: list[list[dict[str, Any]]]) -> None:
    order, (order_rows, line_rows, payment_rows) = completed.order, rows
    # The order rows go in after the participants (their tables hold no foreign key to orders),
    # so the stored reply is final on insert and needs no second UPDATE.
    order.result = order_rows[0]["result"] = completed.result
    # Core inserts with parameter lists: one cached statement per table, no ORM bookkeeping;
    # in a group commit they wait for the batch's end (``kit.deferred``).
    await deferred.write(session, plain_insert(session, Order), order_rows)
    await deferred.write(session, plain_insert(session, OrderLine), line_rows)
    await deferred.write(session, plain_insert(session, OrderPayment), payment_rows)
    # The id the order row and its reply already carry (issue 18, finding 12: it named no event).
    await append_event(
        session, workspace_id=order.workspace_id, event_id=order.event_id,
        message_id=src.message_id or f"order_completed:{order.id}",
        name="order_completed", timestamp=order.occurred_at, source=src.event_source,
        properties={**order_completed_properties(order, completed.lines, completed.payments),
                    **completed.event_properties},
        contact_id=order.contact_id, location_id=order.location_id,
    )
    await enqueue(session, kind="analytics.apply_order", workspace_id=order.workspace_id,
                  payload={"order_id": order.id})


async def _find_existing(session: AsyncSession, src: IngestSource, external_id: str) -> Any:
    new = session_state.peek(session, _NewOrders)
    if new is not None and replay_keys(src, external_id) <= new.keys:
        return None  # a group commit's look-up found none of its keys
    shape = (bool(src.client_order_id), bool(src.idempotency_key))
    stmt = statement(session, ("orders.find_existing", *shape), lambda _: _existing_query(*shape))
    return (await session.execute(stmt, {
        "ws": src.workspace.id, "source": src.source, "external_id": external_id,
        "client_order_id": src.client_order_id, "idempotency_key": src.idempotency_key})).first()


def _existing_query(by_client_id: bool, by_key: bool) -> Any:
    """Built once per shape: the same order by source + external id, the till's client order
    id or the request's idempotency key."""
    clauses: list[ColumnElement[bool]] = [(Order.source == bindparam("source")) & (Order.external_id == bindparam("external_id"))]
    if by_client_id:
        clauses.append(Order.client_order_id == bindparam("client_order_id"))
    if by_key:
        clauses.append(Order.idempotency_key == bindparam("idempotency_key"))
    # Core columns, not the ORM entity: a replay needs only these, and no ORM load is cheaper.
    return (select(Order.id, Order.request_hash, Order.result)
            .where(Order.workspace_id == bindparam("ws"), or_(*clauses)).limit(1))


def replay_keys(src: IngestSource, external_id: str) -> set[tuple[str, ...]]:
    """Every key under which this order may already exist (what ``_find_existing`` matches)."""
    ws = src.workspace.id
    keys: set[tuple[str, ...]] = {(ws, "external", src.source, external_id)}
    if src.client_order_id:
        keys.add((ws, "client", src.client_order_id))
    if src.idempotency_key:
        keys.add((ws, "key", src.idempotency_key))
    return keys


@dataclass
class _NewOrders:
    """Replay keys a group commit looked up and found no order under."""

    keys: set[tuple[str, ...]] = field(default_factory=set)


_REPLAY_LOOKUP = (
    "SELECT o.source, o.external_id, o.client_order_id, o.idempotency_key FROM {keys} "
    "CROSS JOIN LATERAL (SELECT * FROM orders o WHERE o.workspace_id = :ws AND {match} LIMIT 1) o")


def _replays_query(dialect: Any) -> Any:
    """Every order under any of a batch's replay keys. On PostgreSQL the keys arrive as arrays,
    each looked up on its unique index (``contacts.owners`` says why); elsewhere as expanding
    lists."""
    if dialect is postgresql:
        return text(" UNION ".join(_REPLAY_LOOKUP.format(keys=keys, match=match) for keys, match in (
            ("unnest(CAST(:sources AS varchar[]), CAST(:external_ids AS varchar[]))"
             " AS q(source, external_id)", "o.source = q.source AND o.external_id = q.external_id"),
            ("unnest(CAST(:clients AS varchar[])) AS q(v)", "o.client_order_id = q.v"),
            ("unnest(CAST(:keys AS varchar[])) AS q(v)", "o.idempotency_key = q.v")))
        ).columns(*(column(name) for name in ("source", "external_id", "client_order_id",
                                              "idempotency_key")))  # a read (batch_lock)
    return select(Order.source, Order.external_id, Order.client_order_id,
                  Order.idempotency_key).where(
        Order.workspace_id == bindparam("ws"),
        or_(tuple_(Order.source, Order.external_id).in_(bindparam("pairs", expanding=True)),
            Order.client_order_id.in_(bindparam("clients", expanding=True)),
            Order.idempotency_key.in_(bindparam("keys", expanding=True))))


async def prefetch_replays(session: AsyncSession, workspace_id: str,
                           keys: set[tuple[str, ...]]) -> None:
    """Look a group commit's replay keys (``replay_keys``, one workspace) up in one statement;
    ``_find_existing`` then skips its query for an order none of whose keys exist."""
    params: dict[str, list[Any]] = {"pairs": [], "clients": [], "keys": []}
    for _, kind, *value in keys:
        if kind == "external":
            params["pairs"].append(tuple(value))
        else:
            params["clients" if kind == "client" else "keys"].append(value[0])
    params["sources"] = [source for source, _ in params["pairs"]]
    params["external_ids"] = [external_id for _, external_id in params["pairs"]]
    rows = await session.execute(statement(session, ("orders.replays",), _replays_query),
                                 {"ws": workspace_id, **params})
    found = set()
    for source, external_id, client_order_id, idempotency_key in rows.all():
        found |= {(workspace_id, "external", source, external_id),
                  (workspace_id, "client", client_order_id), (workspace_id, "key", idempotency_key)}
    session_state.state(session, _NewOrders).keys.update(keys - found)


# Outlet ids and codes never change once created, so resolving a code is safe to remember.
_LOCATION_IDS: TenantCache[str] = TenantCache("order_location_ids", ttl=300)


async def _location_id(session: AsyncSession, workspace_id: str, ref: str | None) -> str | None:
    if not ref:
        return None

    async def load() -> str:
        location = await find_location(session, workspace_id, ref)
        if location is None:  # raised, so not remembered: the outlet may be created next
            raise Unprocessable.field("location", f"no outlet with id or code {ref!r}")
        return location.id
    return await _LOCATION_IDS.get((workspace_id, ref), load)


def _compute_lines(lines: list[LineIn], variant_ids: dict[int, str],
                   ) -> tuple[list[dict[str, Any]], list[rules.LineAmounts]]:
    rows, amounts = [], []
    for index, line in enumerate(lines):
        if line.unit_price is None:
            raise Unprocessable.field(f"lines[{index}].unit_price", "required (no catalog price)")
        if not line.name:
            raise Unprocessable.field(f"lines[{index}].name", "required (no catalog name)")
        computed = rules.line_amounts(rules.LineInput(
            quantity=line.quantity, unit_price=line.unit_price, discount=line.discount,
            tax_rate=line.tax_rate, tax_inclusive=line.tax_inclusive))
        if computed.net < 0:
            raise Unprocessable.field(f"lines[{index}].discount", "exceeds the line amount")
        amounts.append(computed)
        rows.append({
            "line_no": index + 1, "sku": line.sku, "product_id": line.product_id,
            "variant_id": variant_ids.get(index), "name": line.name, "variant": line.variant,
            "category": line.category, "quantity": line.quantity, "unit_price": line.unit_price,
            "discount": line.discount, "tax_rate": line.tax_rate,
            "tax_inclusive": line.tax_inclusive, "hsn": line.hsn, "taxable": computed.taxable,
            "tax": computed.tax, "total": computed.total, "refunded_quantity": 0, "note": line.note,
        })
    return rows, amounts


def _check_client_totals(order_in: OrderIn, totals: rules.OrderTotals) -> None:
    if order_in.totals is None:
        return
    expected = {"subtotal": totals.subtotal, "tax": totals.tax, "discount": totals.discount,
                "shipping": totals.shipping, "total": totals.total}
    sent = order_in.totals.model_dump(exclude_none=True)
    wrong = [{"field": f"totals.{key}", "message": f"expected {expected[key]}, got {value}"}
             for key, value in sent.items() if expected[key] != value]
    if wrong:
        raise Unprocessable("totals do not match the server's computation", details=wrong,
                            code="totals_mismatch")


def _check_payments(order_in: OrderIn, total: int) -> tuple[int, int]:
    """(paid, change). Over-payment is only change when cash can cover it."""
    if not order_in.payments:
        return 0, 0
    paid = sum(p.amount for p in order_in.payments)
    if paid < total:
        raise Unprocessable.field("payments", f"cover {paid} of the total {total}")
    change = paid - total
    cash = sum(p.amount for p in order_in.payments if p.method.lower() == "cash")
    if change and cash < change:
        raise Unprocessable.field("payments", f"exceed the total {total} by {change} with no cash "
                                  "tendered to give change from")
    return paid, change


async def _resolve_customer(session: AsyncSession, ws: Workspace, source: str,
                            order_in: OrderIn) -> str | None:
    customer = order_in.customer
    if customer is None:
        return None
    return await resolve_contact(session, ws.id, identities=customer_identities(ws, source, order_in),
                                 source=source, name=customer.name, traits=customer.traits)


def customer_identities(ws: Workspace, source: str, order_in: OrderIn) -> dict[str, str]:
    """The customer's normalised identities (kind → value); 422 naming a malformed one."""
    customer = order_in.customer
    if customer is None:
        return {}
    try:
        return build_identities(
            region=ws.country, source=source, phone=customer.phone, email=customer.email,
            user_id=customer.user_id, anonymous_id=customer.anonymous_id,
            external_id=customer.external_id)
    except IdentityError as exc:
        field, _, reason = str(exc).partition(": ")
        raise Unprocessable.field(f"customer.{field}", reason) from exc


def _customer_snapshot(order_in: OrderIn) -> dict[str, Any]:
    return order_in.customer.model_dump(exclude_none=True) if order_in.customer else {}


def _extra(order_in: OrderIn) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    if order_in.metadata:
        extra["metadata"] = order_in.metadata
    if order_in.receipt and order_in.receipt.channel:
        extra["receipt_channel"] = order_in.receipt.channel
    if order_in.loyalty and order_in.loyalty.hold_id:
        extra["loyalty_hold_id"] = order_in.loyalty.hold_id
    return extra


def _result(order: Order, totals: rules.OrderTotals) -> dict[str, Any]:
    return {
        "order_id": order.id, "external_id": order.external_id, "source": order.source,
        "contact_id": order.contact_id, "status": order.status, "channel": order.channel,
        "location_id": order.location_id, "terminal_id": order.terminal_id,
        "currency": order.currency, "event_id": order.event_id,
        "totals": {"subtotal": totals.subtotal, "tax": totals.tax, "discount": totals.discount,
                   "shipping": totals.shipping, "total": totals.total,
                   "paid": order.paid_total, "change": order.change_due},
        "bill": None, "loyalty": None, "replayed": False,
    }


def _transients(model: type[T], rows: list[dict[str, Any]]) -> tuple[list[T], list[dict[str, Any]]]:
    pairs = [transient(model, row) for row in rows]
    return [instance for instance, _ in pairs], [row for _, row in pairs]


# A contact merge moves the orders with the person (``contacts.merging``).
CONTACT_MERGE = MoveRows(Order)
