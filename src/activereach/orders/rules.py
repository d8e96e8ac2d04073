"""Pure order maths: line tax (GST inclusive or exclusive), order totals and refund shares.

No I/O here: the cashier app's copy of these rules is checked against the same test vectors
(``tests/vectors/order_totals.json``).  Every amount is integer minor units; rounding is
half-up per line, the way GST invoices are written.  ``time_problem`` bounds order and event
times (every ingest path applies it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

HUNDRED = Decimal(100)


@dataclass(frozen=True, slots=True)
class LineInput:
    quantity: Decimal
    unit_price: int
    discount: int = 0
    tax_rate: Decimal = Decimal(0)
    tax_inclusive: bool = True


@dataclass(frozen=True, slots=True)
class LineAmounts:
    gross: int      # quantity × unit price
    net: int        # gross − line discount (what the shopper pays for the line)
    taxable: int    # net without tax
    tax: int
    total: int      # taxable + tax == net when inclusive


@dataclass(frozen=True, slots=True)
class OrderTotals:
    subtotal: int   # Σ taxable − order discount: Segment's pre-tax "revenue"
    tax: int
    discount: int   # line discounts + order discount
    shipping: int
    total: int


def _half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def line_amounts(line: LineInput) -> LineAmounts:
    gross = _half_up(line.quantity * line.unit_price)
    net = gross - line.discount
    if line.tax_inclusive:
        taxable = _half_up(net * HUNDRED / (HUNDRED + line.tax_rate))
        tax = net - taxable
    else:
        taxable = net
        tax = _half_up(net * line.tax_rate / HUNDRED)
    return LineAmounts(gross=gross, net=net, taxable=taxable, tax=tax, total=taxable + tax)


def order_totals(lines: list[LineAmounts], *, line_discounts: int, order_discount: int = 0,
                 order_tax: int = 0, shipping: int = 0) -> OrderTotals:
    """Totals over computed lines.

    ``order_discount`` and ``order_tax`` exist for sources that report them only at order
    level (online stores, some POS webhooks); they are not spread over lines.
    """
    taxable = sum(line.taxable for line in lines)
    tax = sum(line.tax for line in lines) + order_tax
    total = sum(line.total for line in lines) + order_tax + shipping - order_discount
    return OrderTotals(
        subtotal=taxable - order_discount,
        tax=tax,
        discount=line_discounts + order_discount,
        shipping=shipping,
        total=total,
    )


def refund_line_share(amounts: LineAmounts, quantity: Decimal, refund_quantity: Decimal,
                      already_refunded: Decimal) -> tuple[int, int]:
    """(taxable, tax) returned for ``refund_quantity`` more units of a line.

    Computed as the difference of cumulative shares, so refunding a line piece by piece
    returns exactly its amounts, never a paisa more or less.
    """
    def cumulative(units: Decimal) -> tuple[int, int]:
        if units >= quantity:
            return amounts.taxable, amounts.tax
        share = units / quantity
        return _half_up(amounts.taxable * share), _half_up(amounts.tax * share)

    before = cumulative(already_refunded)
    after = cumulative(already_refunded + refund_quantity)
    return after[0] - before[0], after[1] - before[1]


def round_share(part_of: int, numerator: int, denominator: int) -> int:
    """``part_of × numerator / denominator`` rounded half-up, in exact arithmetic."""
    return _half_up(Decimal(part_of) * Decimal(numerator) / Decimal(denominator))


@dataclass(frozen=True, slots=True)
class TimeBounds:
    """How far from now an order (or event) time may be: a chain backfilling history needs a
    generous past; the future allows clock skew between a till and the server."""

    max_past_days: int = 3 * 366
    max_future_minutes: int = 24 * 60


def time_problem(when: dt.datetime, now: dt.datetime, bounds: TimeBounds) -> str | None:
    """Why ``when`` is not a plausible order or event time, or None when it is.

    Year 1 or 1900 passed before (issue 18, finding 11) and broke the financial-year invoice
    series (``"0-01"``, or 1899-00 sharing "9900" with 1999-00); within these bounds every
    financial year has a distinct four-digit label.
    """
    earliest = now - dt.timedelta(days=bounds.max_past_days)
    latest = now + dt.timedelta(minutes=bounds.max_future_minutes)
    if when < earliest:
        return (f"is more than {bounds.max_past_days} days in the past "
                f"(earliest accepted {earliest.isoformat(timespec='seconds')})")
    if when > latest:
        return (f"is more than {bounds.max_future_minutes} minutes in the future "
                f"(latest accepted {latest.isoformat(timespec='seconds')})")
    return None
