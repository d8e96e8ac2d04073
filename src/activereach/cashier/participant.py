"""The till's money rules, checked by the server on every ActivePOS order (an ingest participant).

Runs after the loyalty participant (so it knows what the ledger and the offline allowance
covered) and before the bill and the receipt.  It verifies the cashier's signature and any
manager approvals against keys issued to this till, then judges the facts with the pure rules
of ``cashier/checks.py``:

- no proof, or one that does not verify: refused (``staff_proof_required`` /
  ``staff_proof_invalid``) — the server cannot tell such an order from a forged one;
- a broken rule on an order made online: refused (``till_rules``), the transaction rolls back;
- a broken rule on an order made offline (the till says so, or it arrives late): accepted
  and flagged for a manager (``pos_order_flags``, the reply's ``review``) — the money was
  already taken at the till, so the order is never dropped.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import PrivateAttr
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.cashier import checks, proofs
from activereach.cashier.models import PosOrderFlag
from activereach.cashier.schemas import ProofIn
from activereach.cashier.settings import till_config
from activereach.cashier.staff_keys import KeyHolder, holders
from activereach.kit.db import utcnow
from activereach.kit.errors import Unprocessable
from activereach.kit.ids import new_id
from activereach.orders import rules
from activereach.orders.participants import BaseParticipant, CompletedOrder
from activereach.orders.schemas import OrderIn

# An order that reaches the server this long after it was rung up counts as made offline.
LATE = dt.timedelta(minutes=5)


class TillOrderIn(OrderIn):
    """An order from a paired till: the canonical order plus the staff proof."""

    proof: ProofIn | None = None
    _terminal_pk: str | None = PrivateAttr(default=None)

    def for_terminal(self, terminal_pk: str | None) -> TillOrderIn:
        self._terminal_pk = terminal_pk
        return self


class TillRulesParticipant(BaseParticipant):
    name = "till_rules"

    async def completed(self, session: AsyncSession, completed: CompletedOrder) -> None:
        order_in = completed.order_in
        if not isinstance(order_in, TillOrderIn):
            return
        if order_in.proof is None:
            raise Unprocessable("proof: every till order must be signed by the staff member "
                                "who rang it up (sign in on the till)", code="staff_proof_required",
                                details=[{"field": "proof", "message": "required"}])
        facts, cashier, offline = await _facts(session, completed, order_in, order_in.proof)
        completed.result["cashier"] = {"id": cashier.staff.id, "name": cashier.staff.name}
        breaches = checks.check(facts)
        if not breaches:
            return
        if not offline:
            raise Unprocessable("the order breaks the till's rules: "
                                + "; ".join(f"{b.field}: {b.message}" for b in breaches),
                                code="till_rules", details=[b.out() for b in breaches])
        completed.result["review"] = await _flag(session, completed, facts, breaches)


def signed_facts(completed: CompletedOrder, key_id: str, offline: bool) -> proofs.SignedOrder:
    """What the cashier's signature must cover, from the server's own computation."""
    order, order_in = completed.order, completed.order_in
    loyalty = order_in.loyalty
    return proofs.SignedOrder(
        client_order_id=order.client_order_id or "", key_id=key_id, offline=offline,
        total=order.total, lines=tuple(proofs.SignedLine(gross, discount)
                                       for gross, discount in _line_amounts(completed)),
        payments=tuple((p.method, p.amount) for p in completed.payments),
        # the hold, or the reward applied offline (the same slot: an order has one of them)
        hold_id=(loyalty.hold_id or loyalty.offline_reward_id or "") if loyalty else "",
        offline_points=(loyalty.offline_points or 0) if loyalty else 0,
        customer_phone=(order_in.customer.phone or "") if order_in.customer else "")


def _line_amounts(completed: CompletedOrder) -> list[tuple[int, int]]:
    return [(rules.line_amounts(rules.LineInput(
        quantity=line.quantity, unit_price=line.unit_price, discount=line.discount,
        tax_rate=line.tax_rate, tax_inclusive=line.tax_inclusive)).gross, line.discount)
        for line in completed.lines]


async def _facts(session: AsyncSession, completed: CompletedOrder, order_in: TillOrderIn,
                 proof: ProofIn) -> tuple[checks.TillFacts, KeyHolder, bool]:
    order, ws = completed.order, completed.workspace.id
    key_ids = {proof.key_id, *(a.key_id for a in proof.approvals)}
    found = await holders(session, ws, order_in._terminal_pk, key_ids)
    cashier = found.get(proof.key_id)
    message = proofs.order_message(signed_facts(completed, proof.key_id, proof.offline))
    if cashier is None or not proofs.verify(cashier.secret, message, proof.signature):
        raise Unprocessable("proof: the order's signature does not verify with a staff key "
                            "issued to this till", code="staff_proof_invalid",
                            details=[{"field": "proof.signature", "message": "does not verify"}])
    now = utcnow()
    offline = proof.offline or now - order.occurred_at > LATE
    lines = _line_amounts(completed)
    config = await till_config(session, ws, order_in._terminal_pk)
    loyalty = completed.result.get("loyalty") or {}
    redemption = loyalty.get("offline_redemption") or {}
    reward = loyalty.get("reward") or {}
    facts = checks.TillFacts(
        location_id=order.location_id,
        # offline, a key is judged when the sale was made: it may have expired since
        now=min(now, order.occurred_at) if offline else now,
        cashier=_signer(cashier), lines=_own_discounts(lines, reward),
        order_discount=order_in.order_discount,
        discount_limit_bp=checks.staff_limit(cashier.staff.discount_limit_bp,
                                             config["discount_limit_bp"]), total=order.total, paid=order.paid_total,
        points_uncovered=int(redemption.get("refused_value") or 0),
        reward_problem=_reward_problem(reward),
        reward_excess=max(0, int(reward.get("discount") or 0) - int(reward.get("expected") or 0)),
        approvals=_approvals(order.client_order_id or "", proof, found, lines,
                             order_in.order_discount))
    return facts, cashier, offline


def _own_discounts(lines: list[tuple[int, int]],
                   reward: dict[str, Any]) -> list[tuple[int, int]]:
    """(gross, the line's own discount): the part a reward gives (as far as the reward backs it)
    needs no manager, so the discount limit is judged without it."""
    backed = {int(part["line"]): min(int(part["discount"]), int(part["expected"]))
              for part in reward.get("lines") or []}
    return [(gross, discount - backed.get(n, 0))
            for n, (gross, discount) in enumerate(lines, start=1)]


def _reward_problem(reward: dict[str, Any]) -> str | None:
    """Why the lines' reward discounts break the rules (the loyalty participant judged them)."""
    if reward.get("status") != "mismatch":
        return None
    name = f"the reward {reward['name']!r}" if reward.get("name") else "no reward"
    wrong = ", ".join(f"line {part['line']}: {part['discount']} where {name} gives "
                      f"{part['expected']}" for part in reward.get("lines") or []
                      if part["discount"] != part["expected"])
    return f"reward discounts do not match: {wrong}"


def _approvals(client_order_id: str, proof: ProofIn, found: dict[str, KeyHolder],
               lines: list[tuple[int, int]], order_discount: int) -> dict[int, checks.Signer]:
    """The approvals whose signature verifies; the others count as absent."""
    verified: dict[int, checks.Signer] = {}
    for approval in proof.approvals:
        holder = found.get(approval.key_id)
        if holder is None or approval.line > len(lines):
            continue
        gross, discount = ((sum(g - d for g, d in lines), order_discount) if approval.line == 0
                           else lines[approval.line - 1])
        message = proofs.approval_message(client_order_id, approval.key_id, approval.line,
                                          gross, discount)
        if proofs.verify(holder.secret, message, approval.signature):
            verified[approval.line] = _signer(holder)
    return verified


def _signer(holder: KeyHolder) -> checks.Signer:
    staff = holder.staff
    return checks.Signer(staff_id=staff.id, name=staff.name, role=staff.role, active=staff.active,
                         location_id=staff.location_id, expires_at=holder.key.expires_at,
                         revoked_at=holder.key.revoked_at)


async def _flag(session: AsyncSession, completed: CompletedOrder, facts: checks.TillFacts,
                breaches: list[checks.Breach]) -> dict[str, Any]:
    order = completed.order
    flag = PosOrderFlag(workspace_id=order.workspace_id, id=new_id("flag"), order_id=order.id,
                        location_id=order.location_id, terminal_id=order.terminal_id,
                        staff_id=facts.cashier.staff_id, total=order.total,
                        uncovered=checks.uncovered_amount(facts),
                        reasons=[b.out() for b in breaches], occurred_at=order.occurred_at,
                        created_at=utcnow())
    session.add(flag)
    completed.event_properties["review_flagged"] = True
    return {"status": "flagged", "flag_id": flag.id, "uncovered": flag.uncovered,
            "reasons": flag.reasons}
