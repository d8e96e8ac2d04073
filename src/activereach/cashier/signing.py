"""Signing a till order's request body the way ActivePOS does: for scripts, tours and tests.

The facts come from the server's own maths (``orders/rules.py``), so a body signed here is the
one the server recomputes and verifies in ``cashier/participant.py``.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from activereach.cashier import proofs
from activereach.orders import rules


def signed_order(body: dict[str, Any], key_id: str, offline: bool) -> proofs.SignedOrder:
    """The facts a till signs, computed from a ``POST /v1/pos/orders`` body."""
    amounts = [rules.line_amounts(rules.LineInput(
        quantity=Decimal(str(line["quantity"])), unit_price=int(line["unit_price"]),
        discount=int(line.get("discount", 0)), tax_rate=Decimal(str(line.get("tax_rate", "0"))),
        tax_inclusive=line.get("tax_inclusive", True))) for line in body["lines"]]
    total = (sum(a.total for a in amounts) + int(body.get("order_tax", 0))
             + int(body.get("shipping", 0)) - int(body.get("order_discount", 0)))
    loyalty = body.get("loyalty") or {}
    return proofs.SignedOrder(
        client_order_id=body["client_order_id"], key_id=key_id, offline=offline, total=total,
        lines=tuple(proofs.SignedLine(a.gross, a.gross - a.net) for a in amounts),
        payments=tuple((p["method"].lower(), int(p["amount"])) for p in body.get("payments", [])),
        hold_id=loyalty.get("hold_id") or loyalty.get("offline_reward_id") or "",
        offline_points=loyalty.get("offline_points") or 0,
        customer_phone=((body.get("customer") or {}).get("phone") or "").strip())


def approval(body: dict[str, Any], facts: proofs.SignedOrder, line: int,
             manager_key: dict[str, Any]) -> dict[str, Any]:
    """A manager's signed approval of ``line``'s discount (0: the order-level discount)."""
    if line == 0:
        gross = sum(x.gross - x.discount for x in facts.lines)
        discount = int(body.get("order_discount", 0))
    else:
        gross, discount = facts.lines[line - 1].gross, facts.lines[line - 1].discount
    message = proofs.approval_message(body["client_order_id"], manager_key["id"], line, gross,
                                      discount)
    return {"line": line, "key_id": manager_key["id"],
            "signature": proofs.sign(proofs.b64decode(manager_key["secret"]), message)}


def sign_body(body: dict[str, Any], staff_key: dict[str, Any], *, offline: bool = False,
              approvals: dict[int, dict[str, Any]] | None = None) -> dict[str, Any]:
    """``body`` (with a new client_order_id when it has none) carrying the cashier's proof;
    ``staff_key`` is the ``staff_key`` of a ``/v1/pos/staff/{id}/verify`` reply and
    ``approvals`` maps line numbers to the approving manager's staff key."""
    body = {**body}
    body.setdefault("client_order_id", str(uuid.uuid4()))
    facts = signed_order(body, staff_key["id"], offline)
    secret = proofs.b64decode(staff_key["secret"])
    body["proof"] = {"key_id": staff_key["id"], "offline": offline,
                     "signature": proofs.sign(secret, proofs.order_message(facts)),
                     "approvals": [approval(body, facts, line, key)
                                   for line, key in (approvals or {}).items()]}
    return body
