"""Pure loyalty maths: earn basis and points, rule resolution, FEFO lot allocation, proportional
reversal, tier choice, reward eligibility and quotes.  No I/O; every number is an integer."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

BP = 10_000  # basis points: multipliers and shares are stored as integers out of 10 000


@dataclass(frozen=True, slots=True)
class EarnLine:
    sku: str | None
    category: str | None
    taxable: int      # pre-tax amount of the line after its own discount, minor units
    discount: int     # the line's own discount (for "exclude discounted lines")


@dataclass(frozen=True, slots=True)
class PurchaseRule:
    id: str
    location_id: str | None
    event_name: str
    points_per_unit: int
    spend_unit: int                     # minor units per earning step, e.g. 10000 = ₹100
    excluded_skus: frozenset[str] = frozenset()
    excluded_categories: frozenset[str] = frozenset()
    exclude_discounted: bool = False


def in_window(valid_from: dt.datetime | None, valid_until: dt.datetime | None,
              now: dt.datetime) -> bool:
    """Whether ``now`` lies in [valid_from, valid_until): the start counts, the end does not
    (an "until 31 Dec" typed in the console is stored as 1 Jan 00:00 local)."""
    if valid_from is not None and now < valid_from:
        return False
    return valid_until is None or now < valid_until


@dataclass(frozen=True, slots=True)
class RuleRow:
    """Any earning-rule row, reduced to what scope resolution needs."""

    id: str
    kind: str
    event_name: str
    location_id: str | None
    payload: Any = None
    valid_from: dt.datetime | None = None
    valid_until: dt.datetime | None = None


def resolve_rules(rows: list[RuleRow], location_id: str | None,
                  at: dt.datetime | None = None) -> list[RuleRow]:
    """Brand rows apply everywhere; an outlet row replaces the brand row of the same
    (kind, qualifying event) at that outlet, and rows of other outlets never apply.

    With ``at``, a row outside its validity window does not exist at that moment: an outlet
    rule that has ended hands the outlet back to the brand rule rather than to nothing."""
    chosen: dict[tuple[str, str], RuleRow] = {}
    for row in sorted(rows, key=lambda r: r.location_id is not None):
        if row.location_id is not None and row.location_id != location_id:
            continue
        if at is not None and not in_window(row.valid_from, row.valid_until, at):
            continue
        chosen[(row.kind, row.event_name)] = row  # outlet rows sort last, so they win
    return sorted(chosen.values(), key=lambda r: (r.kind, r.event_name, r.id))


def earn_basis(lines: list[EarnLine], rule: PurchaseRule, *, order_discount: int,
               order_pretax: int, points_paid: int = 0, order_total: int = 0) -> int:
    """Eligible pre-tax amount after discounts, in minor units.

    The order-level discount is spread over lines in proportion to their pre-tax amounts, and
    the share of the bill paid with points earns nothing (paying with points is not spend).
    """
    gross = sum(line.taxable for line in lines)
    eligible = sum(line.taxable for line in lines if _eligible(line, rule))
    if gross <= 0 or eligible <= 0:
        return 0
    basis = eligible - (order_discount * eligible) // gross
    if points_paid and order_total > 0:
        basis = basis * max(0, order_total - points_paid) // order_total
    return max(0, min(basis, max(order_pretax, 0)))


def _eligible(line: EarnLine, rule: PurchaseRule) -> bool:
    if line.sku and line.sku in rule.excluded_skus:
        return False
    if line.category and line.category in rule.excluded_categories:
        return False
    return not (rule.exclude_discounted and line.discount > 0)


def points_for(basis: int, rule: PurchaseRule, multiplier_bp: int = BP) -> int:
    """Floor at each step: base points first (as printed on the rule), then the tier multiplier."""
    if basis <= 0 or rule.spend_unit <= 0 or rule.points_per_unit <= 0:
        return 0
    base = (basis // rule.spend_unit) * rule.points_per_unit
    return base * max(multiplier_bp, 0) // BP


def add_months(moment: dt.datetime, months: int) -> dt.datetime:
    """Calendar months, clamping the day (31 Jan + 1 month = 28/29 Feb)."""
    total = moment.month - 1 + months
    year, month = moment.year + total // 12, total % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


@dataclass(slots=True)
class Lot:
    id: str
    remaining: int
    expires_at: dt.datetime | None
    created_at: dt.datetime


def allocate_fefo(lots: list[Lot], points: int) -> list[tuple[str, int]]:
    """Take ``points`` from lots, first-expiring first (never-expiring last, then oldest)."""
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    order = sorted(lots, key=lambda lot: (lot.expires_at or far, lot.created_at, lot.id))
    taken: list[tuple[str, int]] = []
    left = points
    for lot in order:
        if left <= 0:
            break
        part = min(lot.remaining, left)
        if part > 0:
            taken.append((lot.id, part))
            left -= part
    return taken


def proportional_target(total: int, part: int, whole: int) -> int:
    """floor(total × part / whole), capped at total: cumulative, so repeated partial refunds
    never add up to more than one full refund."""
    if whole <= 0 or total <= 0 or part <= 0:
        return 0
    return min(total, total * part // whole)


@dataclass(frozen=True, slots=True)
class TierRow:
    id: str
    name: str
    threshold: int
    multiplier_bp: int


def pick_tier(tiers: list[TierRow], metric: int) -> TierRow | None:
    """The highest tier whose threshold the metric reaches (None below every threshold)."""
    reached = [t for t in tiers if metric >= t.threshold]
    return max(reached, key=lambda t: (t.threshold, t.id)) if reached else None


@dataclass(frozen=True, slots=True)
class RewardView:
    points_cost: int
    tier_rank: int | None          # minimum tier rank, None = any
    members_only: bool
    stock_cap: int | None
    issued: int
    per_customer_cap: int | None
    valid_from: dt.datetime | None
    valid_until: dt.datetime | None
    active: bool = True
    retired: bool = False


@dataclass(frozen=True, slots=True)
class MemberView:
    is_member: bool
    spendable: int
    tier_rank: int | None
    redeemed_by_member: int = 0
    reasons: list[str] = field(default_factory=list)


def reward_reasons(reward: RewardView, member: MemberView, now: dt.datetime) -> list[str]:
    """Why a reward is locked for this member; an empty list means eligible."""
    reasons: list[str] = []
    if reward.retired:
        reasons.append("retired")
    if not reward.active:
        reasons.append("inactive")
    if not in_window(reward.valid_from, reward.valid_until, now):
        reasons.append("window")
    if reward.members_only and not member.is_member:
        reasons.append("membership")
    if reward.tier_rank is not None and (member.tier_rank or 0) < reward.tier_rank:
        reasons.append("tier")
    if member.spendable < reward.points_cost:
        reasons.append("balance")
    if reward.stock_cap is not None and reward.issued >= reward.stock_cap:
        reasons.append("stock")
    if reward.per_customer_cap is not None and member.redeemed_by_member >= reward.per_customer_cap:
        reasons.append("cap")
    return reasons


@dataclass(frozen=True, slots=True)
class RedeemLimits:
    min_points: int
    max_share_bp: int      # of the bill total
    point_value: int       # minor units one point pays


def max_redeemable(limits: RedeemLimits, spendable: int, bill_total: int) -> int:
    """The most points this bill can take: balance, and the program's share-of-bill cap."""
    if limits.point_value <= 0 or bill_total <= 0:
        return 0
    by_share = bill_total * limits.max_share_bp // BP // limits.point_value
    return max(0, min(spendable, by_share))


def check_points_redemption(limits: RedeemLimits, points: int, spendable: int,
                            bill_total: int | None) -> str | None:
    """The reason ``points`` cannot be redeemed, or None."""
    if points <= 0:
        return "points must be positive"
    if points < limits.min_points:
        return f"below the program minimum of {limits.min_points} points"
    if points > spendable:
        return f"more than the {spendable} points available"
    if bill_total is not None:
        cap = max_redeemable(limits, spendable, bill_total)
        if points > cap:
            return f"more than this bill allows ({cap} points)"
    return None


def reward_value(kind: str, *, bill_total: int, percent_bp: int = 0, amount: int = 0,
                 min_bill: int = 0) -> int:
    """Money off a bill for a discount reward (0 when the bill is below the minimum)."""
    if bill_total < min_bill:
        return 0
    if kind == "percent":
        return bill_total * percent_bp // BP
    if kind == "fixed":
        return min(amount, bill_total)
    return 0
