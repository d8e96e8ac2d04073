"""The shared reward vectors against the server's rule (the till's twin runs them in
``frontend/cashier/test/rewards.test.mjs``), and the spreading rule's invariants."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from activereach.loyalty import reward_rules
from activereach.loyalty import rules as loyalty_rules
from activereach.orders import rules

VECTORS = json.loads((Path(__file__).parent / "reward_discounts.json").read_text())


def _line(spec: dict[str, Any]) -> reward_rules.CartLine:
    return reward_rules.CartLine(sku=spec["sku"], quantity=Decimal(spec["quantity"]),
                                 unit_price=spec["unit_price"], discount=spec["discount"],
                                 tax_rate=Decimal(spec["tax_rate"]),
                                 tax_inclusive=spec["tax_inclusive"])


@pytest.mark.parametrize("case", VECTORS["cases"], ids=lambda c: c["name"])
def test_shared_vectors(case: dict[str, Any]) -> None:
    lines = [_line(spec) for spec in case["lines"]]
    got = reward_rules.reward_discount(reward_rules.RewardTerms(**case["reward"]), lines)
    assert {"total": got.total, "lines": list(got.lines), "reason": got.reason} == case["expect"]
    amounts = [rules.line_amounts(rules.LineInput(
        quantity=line.quantity, unit_price=line.unit_price, discount=line.discount + part,
        tax_rate=line.tax_rate, tax_inclusive=line.tax_inclusive))
        for line, part in zip(lines, got.lines, strict=True)]
    totals = rules.order_totals(amounts, line_discounts=sum(s["discount"] for s in case["lines"])
                                + got.total)
    assert {"subtotal": totals.subtotal, "tax": totals.tax, "discount": totals.discount,
            "shipping": totals.shipping, "total": totals.total} == case["expect_totals"]


@given(amount=st.integers(min_value=0, max_value=10**9),
       weights=st.lists(st.integers(min_value=0, max_value=10**7), min_size=1, max_size=12))
def test_spread_adds_up_and_never_exceeds_a_weight(amount: int, weights: list[int]) -> None:
    parts = reward_rules.spread(min(amount, sum(weights)), weights)
    assert sum(parts) == (min(amount, sum(weights)) if sum(weights) else 0)
    assert all(0 <= part <= weight for part, weight in zip(parts, weights, strict=True))


def test_a_mismatch_names_the_lines() -> None:
    expected = reward_rules.RewardDiscount(12900, (12900, 0))
    assert reward_rules.mismatched_lines(expected, [12900, 0]) == []
    assert reward_rules.mismatched_lines(expected, [0, 12900]) == [0, 1]


@pytest.mark.parametrize("case", VECTORS["windows"], ids=lambda c: c["name"])
def test_shared_window_vectors(case: dict[str, Any]) -> None:
    """The validity window, as the till also checks it offline (``rewardInWindow``)."""
    def moment(raw: str | None) -> dt.datetime | None:
        return dt.datetime.fromisoformat(raw) if raw else None
    now = moment(case["now"])
    assert now is not None
    assert loyalty_rules.in_window(moment(case["valid_from"]), moment(case["valid_until"]),
                                   now) is case["open"]
