"""Pure till rules the server checks on every ActivePOS order (no I/O, tested without a DB).

The facts come from the server's own computation (line gross amounts, the total, what the
ledger covered) and from signatures already verified; these functions only judge them.  Each
broken rule is a ``Breach``; the caller refuses the order when it was made online and
accepts-and-flags it when it was made offline (the money was already taken).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Signer:
    """A verified staff key: who it belongs to and whether it may still sign."""

    staff_id: str
    name: str
    role: str                    # "cashier" | "manager"
    active: bool
    location_id: str | None      # None: every outlet
    expires_at: dt.datetime
    revoked_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class Breach:
    rule: str        # staff | discount | payments | points | reward
    field: str
    message: str

    def out(self) -> dict[str, str]:
        return {"rule": self.rule, "field": self.field, "message": self.message}


@dataclass(frozen=True)
class TillFacts:
    location_id: str | None
    now: dt.datetime
    cashier: Signer
    # (gross, discount) per line, in order; line numbers start at 1
    lines: list[tuple[int, int]]
    order_discount: int
    discount_limit_bp: int
    total: int
    paid: int
    # value of the points tender the ledger / allowance did not cover
    points_uncovered: int = 0
    # verified manager approvals by line number (0: the order-level discount)
    approvals: dict[int, Signer] = field(default_factory=dict)
    # the lines' reward discounts disagree with the reward the hold redeems (why, or None),
    # and how much more they give than the reward does (money nothing backs)
    reward_problem: str | None = None
    reward_excess: int = 0


def signer_problem(signer: Signer, location_id: str | None, now: dt.datetime) -> str | None:
    """Why this key cannot vouch for a sale at this outlet now, or None."""
    if not signer.active:
        return f"{signer.name} is not an active staff member"
    if signer.revoked_at is not None and signer.revoked_at <= now:
        return f"{signer.name}'s key was revoked; sign in again online"
    if signer.location_id and location_id and signer.location_id != location_id:
        return f"{signer.name} does not work at this outlet"
    if signer.expires_at <= now:
        return f"{signer.name}'s staff key expired; sign in again online"
    return None


def staff_limit(staff_limit_bp: int | None, till_limit_bp: int) -> int:
    """The discount limit a cashier works under: their own when set, else the till's
    (till: policy.ts ``discountLimitFor``)."""
    return till_limit_bp if staff_limit_bp is None else staff_limit_bp


def needs_approval(gross: int, discount: int, limit_bp: int) -> bool:
    """Above ``limit_bp`` of the gross amount; at the limit needs nothing (till: policy.ts)."""
    return discount > 0 and discount * 10_000 > gross * limit_bp


def check(facts: TillFacts) -> list[Breach]:
    breaches: list[Breach] = []
    why = signer_problem(facts.cashier, facts.location_id, facts.now)
    if why:
        breaches.append(Breach("staff", "proof.key_id", why))
    discounts = [(n, gross, discount) for n, (gross, discount) in enumerate(facts.lines, start=1)]
    if facts.order_discount:
        discounts.append((0, sum(gross - d for gross, d in facts.lines), facts.order_discount))
    for line_no, gross, discount in discounts:
        if needs_approval(gross, discount, facts.discount_limit_bp):
            problem = _approval_problem(facts, line_no)
            if problem:
                where = f"lines[{line_no - 1}].discount" if line_no else "order_discount"
                breaches.append(Breach("discount", where, f"a discount of {discount} on {gross} "
                                       f"is above the limit and {problem}"))
    if facts.paid < facts.total:
        breaches.append(Breach("payments", "payments",
                               f"cover {facts.paid} of the total {facts.total}"))
    if facts.points_uncovered > 0:
        breaches.append(Breach("points", "payments", f"{facts.points_uncovered} of the points "
                               "tender (or of an offline reward's discount) is backed by "
                               "neither a hold nor the offline allowance"))
    if facts.reward_problem:
        breaches.append(Breach("reward", "lines", facts.reward_problem))
    return breaches


def _approval_problem(facts: TillFacts, line_no: int) -> str | None:
    manager = facts.approvals.get(line_no)
    if manager is None:
        return "has no manager's approval"
    if manager.role != "manager":
        return f"{manager.name} is not a manager"
    why = signer_problem(manager, facts.location_id, facts.now)
    return f"the approval does not hold: {why}" if why else None


def uncovered_amount(facts: TillFacts) -> int:
    """Money the order claims that nothing backs: the unpaid total, uncovered points and any
    reward discount beyond what the reward gives."""
    return (max(0, facts.total - facts.paid) + max(0, facts.points_uncovered)
            + max(0, facts.reward_excess))
