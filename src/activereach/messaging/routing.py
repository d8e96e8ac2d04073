"""Channel resolution for orders: gather what we know (I/O, set-wise for a worker batch), then
``rules.plan`` (pure)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import and_, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.bills.models import BillReceipt
from activereach.contacts.models import Contact, ContactIdentity
from activereach.contacts.service import get_contact
from activereach.kit import session_state
from activereach.messaging import rules
from activereach.messaging.channels import ResolvedChannel, cached_channels
from activereach.messaging.models import Consent, Message
from activereach.orders.models import Order
from activereach.tenancy.models import Workspace


@dataclass
class OrderContext:
    """Everything a receipt send needs about one order, loaded once per job."""

    workspace: Workspace
    order: Order
    contact: Contact | None
    bill: BillReceipt | None
    channels: dict[str, ResolvedChannel]
    reach: rules.Reach
    previous: list[Message]

    @property
    def chosen(self) -> str | None:
        return (self.order.extra or {}).get("receipt_channel")

    def customer_name(self) -> str | None:
        return (self.order.customer or {}).get("name") or (self.contact.name if self.contact else None)

    def order_of_channels(self) -> list[str]:
        return rules.channel_order(chosen=self.chosen,
                                   preferred=self.contact.preferred_channel if self.contact else None,
                                   country=self.workspace.country)


@dataclass
class _Prepared:
    """Contexts a worker batch loaded ahead (``prepare_contexts``), by (workspace, order)."""

    contexts: dict[tuple[str, str], OrderContext] = field(default_factory=dict)


async def prepare_contexts(session: AsyncSession, keys: list[tuple[str, str]]) -> None:
    """Load the contexts of a batch's orders set-wise; each ``load_context`` then takes its own
    once (a second job for the same order loads afresh and sees the first one's message)."""
    by_workspace: dict[str, list[str]] = {}
    for workspace_id, order_id in keys:
        by_workspace.setdefault(workspace_id, []).append(order_id)
    prepared = session_state.state(session, _Prepared).contexts
    for workspace_id, order_ids in by_workspace.items():
        loaded = await load_contexts(session, workspace_id, order_ids)
        prepared.update(((workspace_id, oid), ctx) for oid, ctx in loaded.items())


async def load_context(session: AsyncSession, workspace_id: str,
                       order_id: str) -> OrderContext | None:
    held = session_state.peek(session, _Prepared)
    prepared = held.contexts.pop((workspace_id, order_id), None) if held else None
    if prepared is not None:
        return prepared
    return (await load_contexts(session, workspace_id, [order_id])).get(order_id)


async def load_contexts(session: AsyncSession, workspace_id: str,
                        order_ids: list[str]) -> dict[str, OrderContext]:
    """Three round trips for any number of orders: order + workspace + bill + contact, the
    receipt messages so far, and the contacts' reach; channels come from a cache."""
    rows = (await session.execute(
        select(Order, Workspace, BillReceipt, Contact)
        .join(Workspace, Workspace.id == Order.workspace_id)
        .outerjoin(BillReceipt, and_(BillReceipt.workspace_id == Order.workspace_id,
                                     BillReceipt.order_id == Order.id))
        .outerjoin(Contact, and_(Contact.workspace_id == Order.workspace_id,
                                 Contact.id == Order.contact_id))
        .where(Order.workspace_id == workspace_id, Order.id.in_(order_ids)))).all()
    if not rows:
        return {}
    previous: dict[str, list[Message]] = {order.id: [] for order, *_ in rows}
    for msg in await session.scalars(select(Message).where(
            Message.workspace_id == workspace_id, Message.order_id.in_(list(previous)),
            Message.purpose == "receipt")):
        if msg.order_id is not None:  # always (order_id IN above): tells the type checker
            previous[msg.order_id].append(msg)
    contacts: dict[str, Contact | None] = {}   # the order's contact id → the live profile
    for _, _, _, contact in rows:
        if contact is not None:
            contacts[contact.id] = (await get_contact(session, workspace_id, contact.id)
                                    if contact.merged_into_id else contact)
    reach = await reach_of_many(session, workspace_id,
                                list({c.id for c in contacts.values() if c is not None}))
    contexts = {}
    for order, workspace, bill, contact in rows:
        live = contacts.get(contact.id) if contact is not None else None
        channels = await cached_channels(session, workspace_id, order.location_id)
        found, out = reach.get(live.id, ({}, frozenset())) if live else ({}, frozenset())
        earlier = previous[order.id]
        contexts[order.id] = OrderContext(workspace, order, live, bill, channels, rules.Reach(
            phone=found.get("phone"), email=found.get("email"), opted_out=out,
            configured=frozenset(channels),
            invalid=frozenset(m.channel for m in earlier if m.status == "failed")), earlier)
    return contexts


async def reach_of(session: AsyncSession, workspace_id: str,
                   contact_id: str) -> tuple[dict[str, str], frozenset[str]]:
    """One contact's phone (E.164) and email, and the channels it opted out of."""
    return (await reach_of_many(session, workspace_id, [contact_id]))[contact_id]


async def reach_of_many(session: AsyncSession, workspace_id: str, contact_ids: list[str],
                        ) -> dict[str, tuple[dict[str, str], frozenset[str]]]:
    """Each contact's phone (E.164) and email, and the channels it opted out of: one query."""
    if not contact_ids:
        return {}
    identities = select(ContactIdentity.contact_id, ContactIdentity.kind, ContactIdentity.value,
                        ContactIdentity.created_at.label("at")).where(
        ContactIdentity.workspace_id == workspace_id, ContactIdentity.contact_id.in_(contact_ids),
        ContactIdentity.kind.in_(("phone", "email")))
    consents = select(Consent.contact_id, literal("opted_out").label("kind"), Consent.channel,
                      Consent.updated_at).where(
        Consent.workspace_id == workspace_id, Consent.contact_id.in_(contact_ids),
        Consent.status == "opted_out")
    rows = await session.execute(union_all(identities, consents).order_by("at"))
    found: dict[str, dict[str, str]] = {cid: {} for cid in contact_ids}
    out: dict[str, set[str]] = {cid: set() for cid in contact_ids}
    for contact_id, kind, value, _ in rows.all():
        if kind == "opted_out":
            out[contact_id].add(value)
        else:
            found[contact_id].setdefault(kind, value)
    return {cid: (found[cid], frozenset(out[cid])) for cid in contact_ids}


def plan_for(ctx: OrderContext) -> rules.Plan:
    """The channel to use now, skipping channels already failed for this order."""
    if ctx.chosen in rules.NO_DIGITAL:
        return rules.Plan(None, None, [{"channel": str(ctx.chosen), "reason": "cashier_chose_"
                                        + str(ctx.chosen)}])
    if ctx.contact is None:
        return rules.Plan(None, None, [{"channel": "any", "reason": "no_contact"}])
    return rules.plan(ctx.order_of_channels(), ctx.reach)
