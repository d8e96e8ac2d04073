"""What the member page shows and changes, for the contact a bill belongs to.

Open to the link: balance, tier, progress to the next tier and the rewards to claim. Behind a
code: the points history (in words: reward names, "Order #invoice at Outlet", local times)
and the receipt preferences, whose consent changes go through ``messaging.service.set_consent``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.bills.models import BillReceipt
from activereach.bills.snapshot import local_time
from activereach.bills.service import invoice_numbers
from activereach.contacts.models import Contact
from activereach.contacts.service import get_contact
from activereach.kit.db import utcnow
from activereach.loyalty import ledger
from activereach.loyalty.members import account_of_contact
from activereach.loyalty.models import LoyaltyAccount, LoyaltyEntry, LoyaltyProgram
from activereach.loyalty.rewards import eligibility, reward_names
from activereach.loyalty.tiers import tier_metric, tier_rows
from activereach.member_page import rules
from activereach.messaging.routing import reach_of
from activereach.messaging.rules import CHANNELS
from activereach.messaging.service import get_consent, set_consent
from activereach.tenancy.models import Location, Workspace

CHANNEL_LABELS = {"whatsapp": "WhatsApp", "sms": "SMS", "email": "Email"}
# Which address each channel needs.
ADDRESS = {"whatsapp": "phone", "sms": "phone", "email": "email"}
HISTORY_LIMIT = 30
TIME_FORMAT = "%d %b %Y, %H:%M"


@dataclass
class Member:
    """The shopper behind one bill: the live contact (after merges) and their account."""

    workspace: Workspace
    contact: Contact
    program: LoyaltyProgram | None
    account: LoyaltyAccount | None


async def member_of(session: AsyncSession, bill: BillReceipt) -> Member | None:
    if bill.contact_id is None:
        return None
    workspace = await session.get(Workspace, bill.workspace_id)
    contact = await get_contact(session, bill.workspace_id, bill.contact_id)
    if workspace is None or contact is None:
        return None
    program = await ledger.program_of(session, workspace.id)
    account = await account_of_contact(session, workspace.id, contact.id)
    while account is not None and account.status == "merged" and account.merged_into_id:
        account = await session.get(LoyaltyAccount, (workspace.id, account.merged_into_id))
    return Member(workspace, contact, program, account)


async def overview(session: AsyncSession, member: Member) -> dict[str, Any] | None:
    """Balance, tier, progress and rewards; None without a program or an account."""
    program, account = member.program, member.account
    if program is None or account is None or not program.active:
        return None
    tiers = await tier_rows(session, member.workspace.id)
    metric = await tier_metric(session, program, account, utcnow()) if tiers else 0
    progress = rules.tier_progress([(t.name, t.threshold) for t in tiers], metric)
    rewards = await eligibility(session, member.workspace.id, account)
    return {
        "points_name": program.points_name, "program": program.name,
        "balance": account.available, "pending": account.pending, "held": account.held,
        "tier": account.tier_name, "progress": progress if tiers else None,
        "basis": program.tier_basis, "pending_days": program.pending_days,
        "claimable": [r for r in rewards if r["eligible"]],
        # the next rewards within reach: locked only by the balance
        "almost": [r for r in rewards if r["reasons"] == ["balance"]][:3],
    }


async def _names(session: AsyncSession, workspace_id: str, entries: list[LoyaltyEntry],
                 ) -> tuple[dict[str, str], dict[str, str], dict[str, Location]]:
    """Invoice numbers by order, reward names by id and outlets by id: one query each."""
    orders = {e.order_id for e in entries if e.order_id}
    rewards = {e.reward_id for e in entries if e.reward_id}
    outlets = {e.location_id for e in entries if e.location_id}
    invoices = await invoice_numbers(session, workspace_id, orders)
    names = await reward_names(session, workspace_id, rewards)
    places: dict[str, Location] = {}
    if outlets:
        places = {loc.id: loc for loc in (await session.scalars(select(Location).where(
            Location.workspace_id == workspace_id, Location.id.in_(outlets))))}
    return invoices, names, places


async def history(session: AsyncSession, member: Member) -> list[dict[str, Any]]:
    """The newest ledger entries, each as words, points and a time in the outlet's zone."""
    if member.account is None or member.program is None:
        return []
    ws = member.workspace
    entries = list(await session.scalars(select(LoyaltyEntry).where(
        LoyaltyEntry.workspace_id == ws.id, LoyaltyEntry.account_id == member.account.id)
        .order_by(LoyaltyEntry.created_at.desc(), LoyaltyEntry.id.desc()).limit(HISTORY_LIMIT)))
    invoices, rewards, outlets = await _names(session, ws.id, entries)
    out = []
    for entry in entries:
        outlet = outlets.get(entry.location_id or "")
        order = None
        if entry.order_id and entry.order_id in invoices:
            order = f"Order #{invoices[entry.order_id]}" + (f" at {outlet.name}" if outlet else "")
        title, detail = rules.entry_words(
            entry.kind, entry.points, member.program.points_name, reason=entry.reason,
            reward=rewards.get(entry.reward_id or ""), order=order)
        when = local_time(entry.created_at, (outlet.timezone if outlet else None) or ws.timezone)
        out.append({"title": title, "detail": detail, "points": entry.points,
                    "when": when.strftime(TIME_FORMAT), "iso": when.isoformat()})
    return out


async def preferences(session: AsyncSession, member: Member) -> dict[str, Any]:
    """Consent per channel the contact can be reached on, and the preferred receipt channel."""
    found, _ = await reach_of(session, member.workspace.id, member.contact.id)
    consent = (await get_consent(session, member.workspace.id, member.contact.id))["channels"]
    channels = [{"channel": ch, "label": CHANNEL_LABELS[ch], "status": consent[ch]["status"]}
                for ch in CHANNELS if found.get(ADDRESS[ch])]
    return {"channels": channels, "preferred": member.contact.preferred_channel,
            "choices": [c["channel"] for c in channels]}


async def save_preferences(session: AsyncSession, member: Member, form: dict[str, str], *,
                           evidence: str) -> list[str]:
    """Record what the shopper changed (only that: an untouched channel keeps its source);
    returns the channels whose consent changed."""
    current = await preferences(session, member)
    changed = []
    for row in current["channels"]:
        wanted = form.get(f"consent_{row['channel']}")
        if wanted in ("opted_in", "opted_out") and wanted != row["status"]:
            await set_consent(session, member.workspace.id, member.contact.id, row["channel"],
                              wanted, source="member_page", evidence=evidence)
            changed.append(row["channel"])
    preferred = form.get("receipt_channel")
    if preferred is not None:
        value = preferred if preferred in current["choices"] else None
        if value != member.contact.preferred_channel:
            member.contact.preferred_channel = value
            member.contact.updated_at = utcnow()
    return changed
