"""Order maths without a database: shared vectors, invariants and refund shares."""

import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from activereach.orders import rules

VECTORS = json.loads((Path(__file__).parent.parent / "vectors" / "order_totals.json").read_text())


def _line(spec: dict) -> rules.LineInput:
    return rules.LineInput(quantity=Decimal(spec["quantity"]), unit_price=spec["unit_price"],
                           discount=spec["discount"], tax_rate=Decimal(spec["tax_rate"]),
                           tax_inclusive=spec["tax_inclusive"])


@pytest.mark.parametrize("case", VECTORS["cases"], ids=lambda c: c["name"])
def test_shared_vectors(case: dict) -> None:
    amounts = [rules.line_amounts(_line(spec)) for spec in case["lines"]]
    assert [a.__dict__ if hasattr(a, "__dict__") else {
        "gross": a.gross, "net": a.net, "taxable": a.taxable, "tax": a.tax, "total": a.total}
        for a in amounts] == case["expect_lines"]
    totals = rules.order_totals(amounts, line_discounts=sum(s["discount"] for s in case["lines"]),
                                order_discount=case.get("order_discount", 0),
                                shipping=case.get("shipping", 0))
    assert {"subtotal": totals.subtotal, "tax": totals.tax, "discount": totals.discount,
            "shipping": totals.shipping, "total": totals.total} == case["expect"]


money = st.integers(min_value=0, max_value=10_000_000)
rates = st.sampled_from([Decimal(r) for r in ("0", "0.25", "3", "5", "12", "18", "28")])
quantities = st.decimals(min_value=Decimal("0.001"), max_value=Decimal(50), places=3)


@given(quantity=quantities, price=money, rate=rates)
def test_inclusive_line_never_changes_what_the_shopper_pays(quantity, price, rate) -> None:
    line = rules.line_amounts(rules.LineInput(quantity=quantity, unit_price=price, tax_rate=rate,
                                              tax_inclusive=True))
    assert line.taxable + line.tax == line.net == line.total
    assert line.tax >= 0 and line.taxable >= 0


@given(quantity=quantities, price=money, rate=rates)
def test_exclusive_line_adds_tax_on_top(quantity, price, rate) -> None:
    line = rules.line_amounts(rules.LineInput(quantity=quantity, unit_price=price, tax_rate=rate,
                                              tax_inclusive=False))
    assert line.taxable == line.net
    assert line.total == line.net + line.tax
    assert abs(Decimal(line.tax) - Decimal(line.net) * rate / 100) <= Decimal("0.5")


@given(price=money, rate=rates, pieces=st.lists(st.integers(min_value=1, max_value=3), min_size=1,
                                                max_size=6))
def test_refunding_a_line_piece_by_piece_returns_exactly_its_amounts(price, rate, pieces) -> None:
    quantity = Decimal(sum(pieces))
    amounts = rules.line_amounts(rules.LineInput(quantity=quantity, unit_price=price, tax_rate=rate))
    refunded = Decimal(0)
    taxable = tax = 0
    for piece in pieces:
        part = rules.refund_line_share(amounts, quantity, Decimal(piece), refunded)
        refunded += piece
        taxable += part[0]
        tax += part[1]
    assert (taxable, tax) == (amounts.taxable, amounts.tax)


def test_round_share_is_exact_half_up() -> None:
    assert rules.round_share(2371, 24900, 49800) == 1186
    assert rules.round_share(1, 1, 2) == 1
