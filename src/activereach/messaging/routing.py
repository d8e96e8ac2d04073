"""Channel resolution for one order: gather what we know (I/O), then ``rules.plan`` (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.bills.models import BillReceipt
from activereach.contacts.models import Contact, ContactIdentity
from activereach.contacts.service import get_contact
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


async def load_context(session: AsyncSession, workspace_id: str,
                       order_id: str) -> OrderContext | None:
    """One round trip for order + workspace + bill + contact, then channels, history, reach."""
    row = (await session.execute(
        select(Order, Workspace, BillReceipt, Contact)
        .join(Workspace, Workspace.id == Order.workspace_id)
        .outerjoin(BillReceipt, and_(BillReceipt.workspace_id == Order.workspace_id,
                                     BillReceipt.order_id == Order.id))
        .outerjoin(Contact, and_(Contact.workspace_id == Order.workspace_id,
                                 Contact.id == Order.contact_id))
        .where(Order.workspace_id == workspace_id, Order.id == order_id))).first()
    if row is None:
        return None
    order, workspace, bill, contact = row
    if contact is not None and contact.merged_into_id:
        contact = await get_contact(session, workspace_id, contact.id)
    channels = await cached_channels(session, workspace_id, order.location_id)
    previous = list(await session.scalars(select(Message).where(
        Message.workspace_id == workspace_id, Message.order_id == order_id,
        Message.purpose == "receipt")))
    found: dict[str, Any] = {}
    out: frozenset[str] = frozenset()
    if contact is not None:
        found, out = await _reach_of(session, workspace_id, contact.id)
    reach = rules.Reach(
        phone=found.get("phone"), email=found.get("email"), opted_out=out,
        configured=frozenset(channels),
        invalid=frozenset(m.channel for m in previous if m.status == "failed"))
    return OrderContext(workspace, order, contact, bill, channels, reach, previous)


async def _reach_of(session: AsyncSession, workspace_id: str,
                    contact_id: str) -> tuple[dict[str, str], frozenset[str]]:
    """The contact's phone (E.164) and email, and the channels it opted out of: one query."""
    identities = select(ContactIdentity.kind, ContactIdentity.value,
                        ContactIdentity.created_at.label("at")).where(
        ContactIdentity.workspace_id == workspace_id, ContactIdentity.contact_id == contact_id,
        ContactIdentity.kind.in_(("phone", "email")))
    consents = select(literal("opted_out").label("kind"), Consent.channel,
                      Consent.updated_at).where(
        Consent.workspace_id == workspace_id, Consent.contact_id == contact_id,
        Consent.status == "opted_out")
    rows = await session.execute(union_all(identities, consents).order_by("at"))
    found: dict[str, str] = {}
    out: set[str] = set()
    for kind, value, _ in rows.all():
        if kind == "opted_out":
            out.add(value)
        else:
            found.setdefault(kind, value)
    return found, frozenset(out)


def plan_for(ctx: OrderContext) -> rules.Plan:
    """The channel to use now, skipping channels already failed for this order."""
    if ctx.chosen in rules.NO_DIGITAL:
        return rules.Plan(None, None, [{"channel": str(ctx.chosen), "reason": "cashier_chose_"
                                        + str(ctx.chosen)}])
    if ctx.contact is None:
        return rules.Plan(None, None, [{"channel": "any", "reason": "no_contact"}])
    return rules.plan(ctx.order_of_channels(), ctx.reach)
