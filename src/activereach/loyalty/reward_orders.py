"""A reward on an order, judged by the server: what the reward should take off which line
(``reward_rules``) against what the order's lines say it took (``LineIn.reward_discount``).

The server never trusts the sender's figure.  An order from the API or a pipe with a mismatch is
refused (422 ``reward_mismatch``).  A till's order is judged by the till rules
(``cashier/participant.py``, which reads ``result["loyalty"]["reward"]``): refused when made
online, accepted and flagged when made offline, because the money was taken already.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from activereach.kit.errors import Unprocessable
from activereach.loyalty import reward_rules
from activereach.loyalty.models import LoyaltyReward
from activereach.orders.participants import CompletedOrder

# Orders from a paired till: the till rules participant judges their reward (and flags an
# offline one) instead of this module refusing it.
TILL_SOURCE = "activepos"


@dataclass(frozen=True)
class Judgement:
    reward: LoyaltyReward | None      # None: a reward discount with no reward behind it
    points: int                       # what the hold redeems
    expected: reward_rules.RewardDiscount
    sent: list[int]

    @property
    def ok(self) -> bool:
        return not reward_rules.mismatched_lines(self.expected, self.sent)

    def out(self) -> dict[str, Any]:
        """The reply's ``loyalty.reward``: what the order gives (``discount``, from its lines),
        what the reward gives (``expected``), and each line where either is not zero."""
        reward = self.reward
        return {"id": reward.id if reward else None, "name": reward.name if reward else None,
                "kind": reward.kind if reward else None, "points": self.points,
                "discount": sum(self.sent), "expected": self.expected.total,
                "status": "ok" if self.ok else "mismatch", "reason": self.expected.reason,
                "lines": [{"line": n, "discount": got, "expected": want}
                          for n, (want, got) in enumerate(zip(self.expected.lines, self.sent,
                                                              strict=True), start=1)
                          if want or got]}

    def ledger_note(self) -> tuple[str | None, dict[str, Any]]:
        """(reason, meta) of the ``redeem`` entry: the reward by name and what it took off."""
        if self.reward is None:
            return None, {}
        return (f"Reward: {self.reward.name}",
                {"reward_name": self.reward.name, "reward_kind": self.reward.kind,
                 "discount": sum(self.sent)})


def sent_parts(completed: CompletedOrder) -> list[int]:
    return [line.reward_discount for line in completed.order_in.lines]


def rewarded_skus(completed: CompletedOrder) -> set[str]:
    """SKUs the order gives away: lines with a reward discount, or rung at zero (the way an
    integration without reward discounts hands over a free item)."""
    return {line.sku for line, part in zip(completed.lines, sent_parts(completed), strict=True)
            if line.sku and (part > 0 or line.unit_price == 0)}


def terms_of(reward: LoyaltyReward) -> reward_rules.RewardTerms:
    return reward_rules.RewardTerms(kind=reward.kind, percent_bp=reward.percent_bp,
                                    amount=reward.amount, min_bill=reward.min_bill,
                                    sku=reward.sku, item_quantity=reward.item_quantity)


def cart_lines(completed: CompletedOrder) -> list[reward_rules.CartLine]:
    """The order's lines as they were before the reward: each with its own discount only."""
    return [reward_rules.CartLine(sku=line.sku, quantity=Decimal(line.quantity),
                                  unit_price=line.unit_price, discount=line.discount - part,
                                  tax_rate=Decimal(line.tax_rate),
                                  tax_inclusive=line.tax_inclusive)
            for line, part in zip(completed.lines, sent_parts(completed), strict=True)]


async def judge(session: AsyncSession, completed: CompletedOrder, reward_id: str | None,
                points: int = 0) -> Judgement | None:
    """The judgement of the order's reward; None when there is neither a reward nor a reward
    discount (a points hold, or no redemption at all)."""
    sent = sent_parts(completed)
    if reward_id is None and not any(sent):
        return None
    reward = (await session.get(LoyaltyReward, (completed.workspace.id, reward_id))
              if reward_id else None)
    if reward is None:
        expected = reward_rules.RewardDiscount(0, tuple(0 for _ in sent))
    else:
        expected = reward_rules.reward_discount(terms_of(reward), cart_lines(completed))
    return Judgement(reward, points, expected, sent)


def enforce(completed: CompletedOrder, judgement: Judgement | None) -> None:
    """Refuse a mismatch on an order that no till rules will judge (API, pipes)."""
    if judgement is None or judgement.ok or completed.order.source == TILL_SOURCE:
        return
    details = [{"field": f"lines[{i}].reward_discount",
                "message": f"expected {judgement.expected.lines[i]}, got {judgement.sent[i]}"}
               for i in reward_rules.mismatched_lines(judgement.expected, judgement.sent)]
    what = (f"the reward {judgement.reward.name!r}" if judgement.reward
            else "no reward (the order names no reward hold)")
    raise Unprocessable(f"lines: the reward discounts do not match what {what} gives",
                        details=details, code="reward_mismatch")
