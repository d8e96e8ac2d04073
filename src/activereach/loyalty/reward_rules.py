"""Pure reward maths: what a reward takes off which line of a cart.  No I/O.

The till's ``lib/rewards.ts`` is the twin of this module; both pass
``tests/vectors/reward_discounts.json``.  A reward never becomes a tender: it is a discount on
the lines (``LineIn.reward_discount``, a part of the line's ``discount``), so GST is charged on
what the shopper pays and the order's ``discount`` includes it.

- ``free_item``: the first lines carrying the reward's SKU, for ``item_quantity`` units, at the
  line's unit price (never more than what is left of the line after its own discount).
- ``fixed``: ``amount`` off the order (at most what the eligible lines come to), spread over the
  eligible lines.
- ``percent``: ``percent_bp`` of the eligible lines' amount, rounded down, spread the same way.
- ``experience``: nothing off the bill; the points buy something outside the sale.

Eligible lines are every line, or only those with the reward's SKU when it names one.  The
minimum bill is compared with the cart's total before the reward.  Spreading is in proportion to
each line's net (gross less its own discount) by cumulative floors, so the parts add up to the
reward exactly and no line goes below zero (see docs/decisions.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from activereach.orders import rules as order_rules

BP = 10_000
DISCOUNT_KINDS = frozenset({"percent", "fixed", "free_item"})


@dataclass(frozen=True, slots=True)
class RewardTerms:
    kind: str                    # percent | fixed | free_item | experience
    percent_bp: int = 0
    amount: int = 0              # minor units
    min_bill: int = 0            # minor units, against the cart's total before the reward
    sku: str | None = None
    item_quantity: int = 1       # free_item: how many units are free


@dataclass(frozen=True, slots=True)
class CartLine(order_rules.LineInput):
    """A line before the reward (``discount`` is the line's own, manual discount only), with
    the SKU a reward may name."""

    sku: str | None = None


@dataclass(frozen=True, slots=True)
class RewardDiscount:
    total: int
    lines: tuple[int, ...]       # the reward's part of each line's discount, in cart order
    # why nothing is off: min_bill | item_missing | nothing_off (eligible lines come to zero)
    reason: str | None = None


def reward_discount(terms: RewardTerms, lines: list[CartLine]) -> RewardDiscount:
    """The discount ``terms`` gives on these lines (all zero when it gives none)."""
    amounts = [order_rules.line_amounts(line) for line in lines]
    nothing = tuple(0 for _ in lines)
    if terms.kind not in DISCOUNT_KINDS:
        return RewardDiscount(0, nothing)
    if sum(a.total for a in amounts) < terms.min_bill:
        return RewardDiscount(0, nothing, "min_bill")
    eligible = [not terms.sku or line.sku == terms.sku for line in lines]
    nets = [max(a.net, 0) if ok else 0 for a, ok in zip(amounts, eligible, strict=True)]
    if not any(eligible):
        return RewardDiscount(0, nothing, "item_missing")
    if terms.kind == "free_item":
        parts = _free_units(terms.item_quantity, lines, nets)
    else:
        base = sum(nets)
        value = (min(terms.amount, base) if terms.kind == "fixed"
                 else base * terms.percent_bp // BP)
        parts = spread(value, nets)
    total = sum(parts)
    return RewardDiscount(total, tuple(parts), None if total else "nothing_off")


def _free_units(units: int, lines: list[CartLine], nets: list[int]) -> list[int]:
    """The unit price of up to ``units`` units, taken from the eligible lines in cart order."""
    left = Decimal(units)
    parts = []
    for line, net in zip(lines, nets, strict=True):
        take = min(left, line.quantity) if net > 0 else Decimal(0)
        left -= take
        parts.append(min(order_rules.round_share(line.unit_price, int(take * 1000), 1000), net))
    return parts


def spread(amount: int, weights: list[int]) -> list[int]:
    """``amount`` split in proportion to ``weights`` by cumulative floors: the parts add up to
    ``amount`` exactly, and no part exceeds its weight while ``amount`` ≤ Σ weights."""
    whole = sum(weights)
    if amount <= 0 or whole <= 0:
        return [0 for _ in weights]
    parts, before, running = [], 0, 0
    for weight in weights:
        running += weight
        upto = amount * running // whole
        parts.append(upto - before)
        before = upto
    return parts


def mismatched_lines(expected: RewardDiscount, sent: list[int]) -> list[int]:
    """Indexes of the lines whose reward discount differs from the server's."""
    return [index for index, (want, got) in enumerate(zip(expected.lines, sent, strict=True))
            if want != got]
