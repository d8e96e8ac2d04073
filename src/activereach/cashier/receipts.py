"""Receipt operations of the tills: the default channel for a member at the till, and the
gaps in each terminal's receipt (invoice) sequence that ops should look at."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.bills.models import BillCodeReservation
from activereach.cashier import rules
from activereach.contacts.service import get_contact
from activereach.kit.errors import NotFound
from activereach.loyalty.models import LoyaltyAccount
from activereach.messaging import rules as messaging
from activereach.messaging.channels import resolved_channels
from activereach.messaging.routing import reach_of
from activereach.orders.models import Order
from activereach.tenancy.models import Terminal, Workspace

MAX_LISTED = 200  # missing numbers listed per terminal (the count is always exact)


async def receipt_channel(session: AsyncSession, workspace: Workspace, location_id: str | None,
                          member_id: str) -> dict[str, Any]:
    """The channel the till preselects for this member, and which channels can reach them."""
    account = await session.get(LoyaltyAccount, (workspace.id, member_id))
    contact = await get_contact(session, workspace.id, account.contact_id) if account else None
    if contact is None:
        raise NotFound(f"no loyalty member {member_id!r}")
    found, out = await reach_of(session, workspace.id, contact.id)
    channels = await resolved_channels(session, workspace.id, location_id)
    reach = messaging.Reach(phone=found.get("phone"), email=found.get("email"), opted_out=out,
                            configured=frozenset(channels))
    return {"channel": rules.default_receipt_channel(contact.preferred_channel, reach,
                                                     workspace.country),
            "preferred_channel": contact.preferred_channel,
            "has_phone": "phone" in found, "has_email": "email" in found,
            "reachable": {c: messaging.unreachable_reason(c, reach) is None
                          for c in messaging.CHANNELS}}


async def receipt_gaps(session: AsyncSession, workspace_id: str, *, since: dt.datetime,
                       location_id: str | None = None) -> list[dict[str, Any]]:
    """Per terminal: pre-issued invoice numbers skipped while later ones were used (all time),
    and missing local receipt numbers (``metadata.terminal_seq``) among orders since ``since``."""
    query = select(Terminal).where(Terminal.workspace_id == workspace_id)
    if location_id:
        query = query.where(Terminal.location_id == location_id)
    terminals = list((await session.execute(query.order_by(Terminal.terminal_id))).scalars())
    invoices = await _invoice_gaps(session, workspace_id, {t.id for t in terminals})
    seqs = await _receipt_seqs(session, workspace_id, since, location_id)
    report = []
    for term in terminals:
        seen = seqs.get((term.location_id, term.terminal_id), set())
        missing = rules.missing_numbers(seen)
        inv = invoices.get(term.id, [])
        report.append({
            "terminal": term.id, "terminal_id": term.terminal_id, "location_id": term.location_id,
            "invoice_gaps": inv, "invoice_missing_count": sum(g["count"] for g in inv),
            "receipt_seq": {"first": min(seen, default=None), "last": max(seen, default=None),
                            "missing": missing[:MAX_LISTED], "missing_count": len(missing)},
            "has_gaps": bool(missing or inv)})
    return report


async def _invoice_gaps(session: AsyncSession, workspace_id: str,
                        terminal_pks: set[str]) -> dict[str, list[dict[str, Any]]]:
    """Reserved-but-unused numbers below the highest used one, per terminal and fiscal year:
    a till spends its pool oldest first, so such a number is a lost or still unsynced sale."""
    rows = await session.execute(select(
        BillCodeReservation.terminal_pk, BillCodeReservation.fiscal_year,
        BillCodeReservation.invoice_seq, BillCodeReservation.invoice_number,
        BillCodeReservation.status).where(BillCodeReservation.workspace_id == workspace_id))
    pools: dict[tuple[str, str], list[tuple[int, str, str]]] = defaultdict(list)
    for pk, fy, seq, number, status in rows.all():
        if pk in terminal_pks:
            pools[(pk, fy)].append((seq, number, status))
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for (pk, fy), pool in sorted(pools.items()):
        used = [seq for seq, _, status in pool if status == "used"]
        if not used:
            continue
        skipped = sorted((seq, number) for seq, number, status in pool
                         if status == "reserved" and seq < max(used))
        if skipped:
            out[pk].append({"fiscal_year": fy, "count": len(skipped),
                            "missing": [number for _, number in skipped[:MAX_LISTED]]})
    return out


async def _receipt_seqs(session: AsyncSession, workspace_id: str, since: dt.datetime,
                        location_id: str | None) -> dict[tuple[str, str], set[int]]:
    query = select(Order.location_id, Order.terminal_id, Order.extra).where(
        Order.workspace_id == workspace_id, Order.source == "activepos",
        Order.occurred_at >= since)
    if location_id:
        query = query.where(Order.location_id == location_id)
    seqs: dict[tuple[str, str], set[int]] = defaultdict(set)
    for loc, terminal, extra in (await session.execute(query)).all():
        seq = ((extra or {}).get("metadata") or {}).get("terminal_seq")
        if isinstance(seq, int) and terminal:
            seqs[(loc, terminal)].add(seq)
    return seqs
