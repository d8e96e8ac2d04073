"""A sample bill for the console's live preview, and the decoy a 404 renders to take a hit's time.

Both go through the real snapshot builder with transient (never saved) order objects.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from activereach.bills import rules
from activereach.bills.snapshot import build_snapshot, local_time
from activereach.kit.db import utcnow
from activereach.orders import rules as order_rules
from activereach.orders.models import Order, OrderLine, OrderPayment
from activereach.tenancy.models import Location, Workspace

SAMPLE_LINES = [
    ("Masala Chai", "Large", "2", 14000, "5", "0902"),
    ("Paneer Wrap", None, "1", 22900, "5", "2106"),
    ("Cold Brew Bottle", "500 ml", "1", 34900, "12", "2101"),
    ("Gift Card Sleeve", None, "1", 4900, "18", "4819"),
]


def _tendered(payable: int) -> int:
    """Cash handed over for a bill: the next ₹100 note above what is due."""
    return (payable // 10000 + 1) * 10000


def _sample_order(workspace: Workspace, location: Location | None,
                  ) -> tuple[Order, list[OrderLine], list[OrderPayment]]:
    """At an outlet: a till sale paid in cash, change = tendered − total. Without one (the
    brand's series, WEB/…): an online order, no till, paid by UPI to the paisa."""
    lines, amounts = [], []
    for no, (name, variant, qty, price, rate, hsn) in enumerate(SAMPLE_LINES, start=1):
        computed = order_rules.line_amounts(order_rules.LineInput(
            quantity=Decimal(qty), unit_price=price, tax_rate=Decimal(rate), tax_inclusive=True))
        amounts.append(computed)
        lines.append(OrderLine(
            workspace_id=workspace.id, order_id="ord_sample", line_no=no, name=name,
            variant=variant, sku=None, quantity=Decimal(qty), unit_price=price, discount=0,
            tax_rate=Decimal(rate), tax_inclusive=True, hsn=hsn, taxable=computed.taxable,
            tax=computed.tax, total=computed.total))
    totals = order_rules.order_totals(amounts, line_discounts=0)
    in_store = location is not None
    paid = _tendered(totals.total + rules.round_off(totals.total, 2)) if in_store else totals.total
    order = Order(
        workspace_id=workspace.id, id="ord_sample", source="activepos" if in_store else "online",
        external_id="SAMPLE-1", location_id=location.id if location else None,
        terminal_id="T1" if in_store else None, contact_id="ct_sample",
        channel="offline" if in_store else "online", currency=workspace.currency,
        occurred_at=utcnow().replace(second=0, microsecond=0), subtotal=totals.subtotal,
        tax_total=totals.tax, discount_total=0, shipping=0, total=totals.total, paid_total=paid,
        change_due=paid - totals.total, customer={"name": "Asha Rao", "phone": "+919876543210"},
        extra={})
    payments = [OrderPayment(workspace_id=workspace.id, order_id="ord_sample", seq=1,
                             method="cash" if in_store else "upi", amount=paid,
                             reference=None if in_store else "UPI 412345678901")]
    return order, lines, payments


def sample_snapshot(workspace: Workspace, location: Location | None, config: dict[str, Any],
                    url: str) -> dict[str, Any]:
    order, lines, payments = _sample_order(workspace, location)
    code = location.code if location else None
    prefix = config.get("invoice_prefix") or rules.default_prefix(code)
    tz = (location.timezone if location else None) or workspace.timezone
    fy = rules.fiscal_year(local_time(order.occurred_at, tz).date())  # the year of "now"
    return build_snapshot(
        workspace=workspace, location=location, config=config, order=order, lines=lines,
        # 1 point per ₹100 before tax, as the demo program earns
        payments=payments, loyalty={"earned": sum(line.taxable for line in lines) // 10000,
                                    "balance": 1280}, code="SAMPLE0000", url=url,
        invoice=rules.invoice_number(prefix, fy, 123), fy=fy)


def _decoy() -> dict[str, Any]:
    workspace = Workspace(id="ws_decoy", slug="decoy", name="Decoy brand", country="IN",
                          currency="INR", timezone="Asia/Kolkata", locale="en_IN")
    location = Location(workspace_id="ws_decoy", id="loc_decoy", code="decoy-1", name="Outlet",
                        address="1 Main Road, Bengaluru", phone="+91 80 0000 0000",
                        gstin="29AABCB1234C1ZA", state_code="29", timezone="Asia/Kolkata")
    return sample_snapshot(workspace, location, {}, "http://decoy.localhost/b/0000000000")


DECOY_SNAPSHOT = _decoy()
