"""Hypothesis state machine over earn / hold / commit / release / refund / expire / replay,
driven through the real ingest and refund paths on the test database.

Invariants after every step: the cached account equals the sum of its live lots (available +
pending), equals the sum of its ledger entries, never goes below zero under the clamp policy,
its held points equal its open holds, and every entry is reachable from an order, refund,
reward/hold or an admin action.  Replays (orders and refunds) change nothing.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from typing import Any

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select, update

from activereach.kit.db import Database, unit_of_work, utcnow
from activereach.kit.errors import AppError
from activereach.loyalty import earning, holds, service
from activereach.loyalty.models import LoyaltyAccount, LoyaltyEntry, LoyaltyHold, LoyaltyLot
from activereach.loyalty.schemas import ProgramIn, RuleIn
from activereach.orders.models import Order
from activereach.orders.refunds import refund_order
from activereach.orders.schemas import OrderIn, RefundIn
from activereach.orders.service import IngestSource, ingest_order
from activereach.tenancy.models import Workspace
from activereach.tenancy.workspaces import create_workspace

PHONE, OTHER = "+91 98450 11111", "+91 98450 22222"


def _order(amount: int, phone: str, hold_id: str | None = None) -> OrderIn:
    body: dict[str, Any] = {
        "external_id": f"P-{uuid.uuid4().hex[:12]}", "occurred_at": utcnow().isoformat(),
        "currency": "INR", "customer": {"phone": phone},
        "lines": [{"name": "Item", "quantity": "1", "unit_price": amount, "tax_rate": "5"}],
        "payments": [{"method": "cash", "amount": amount}]}
    if hold_id:
        body["loyalty"] = {"hold_id": hold_id}
    return OrderIn.model_validate(body)


class LedgerMachine(RuleBasedStateMachine):
    url = ""
    # how many times the books were checked against a real workspace, across all examples
    books_checked = 0

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.db = Database(self.url)
        self.orders: list[tuple[str, OrderIn]] = []
        self.refunds: list[tuple[str, RefundIn]] = []
        self.holds: list[str] = []

    def run(self, body: Any) -> Any:
        return self.loop.run_until_complete(unit_of_work(self.db, body))

    def teardown(self) -> None:
        self.loop.run_until_complete(self.db.dispose())
        self.loop.close()

    @initialize(pending=st.sampled_from([0, 1]), recredit=st.sampled_from(["proportional", "none"]))
    def setup(self, pending: int, recredit: str) -> None:
        async def body(session):  # type: ignore[no-untyped-def]
            data = await create_workspace(session, slug="p" + uuid.uuid4().hex[:12], name="P",
                                          country="IN", currency="INR", timezone="Asia/Kolkata")
            await service.put_program(session, data["workspace_id"], ProgramIn(
                name="P", pending_days=pending, expiry_months=6, recredit_redeemed=recredit))
            await service.put_rule(session, data["workspace_id"], RuleIn(spend_unit=100))
            return await session.get(Workspace, data["workspace_id"])
        self.ws = self.run(body)
        self.earn(200000, False)  # a balance to hold against from the first step
        if pending:
            self.time_passes(2)

    def ingest(self, order_in: OrderIn) -> dict[str, Any]:
        src = IngestSource(workspace=self.ws, source="api")
        return self.run(lambda s: ingest_order(s, src, order_in))

    def state(self) -> dict[str, Any]:
        async def body(session):  # type: ignore[no-untyped-def]
            accounts = (await session.execute(select(LoyaltyAccount).where(
                LoyaltyAccount.workspace_id == self.ws.id).order_by(LoyaltyAccount.id))).scalars()
            entries = await session.scalar(select(func.count()).select_from(LoyaltyEntry).where(
                LoyaltyEntry.workspace_id == self.ws.id))
            return {"accounts": [(a.id, a.available, a.pending, a.held, a.debt, a.tier_id)
                                 for a in accounts], "entries": entries}
        return self.run(body)

    @rule(amount=st.integers(500, 60000), other=st.sampled_from([False, False, False, True]))
    def earn(self, amount: int, other: bool) -> None:
        order_in = _order(amount, OTHER if other else PHONE)
        result = self.ingest(order_in)
        self.orders.append((result["order_id"], order_in))

    @precondition(lambda self: bool(self.orders))
    @rule(data=st.data())
    def replay_order(self, data: st.DataObject) -> None:
        _, order_in = data.draw(st.sampled_from(self.orders))
        before = self.state()
        assert self.ingest(order_in)["replayed"] is True
        assert self.state() == before

    @rule(points=st.integers(1, 400))
    def hold(self, points: int) -> None:
        before = self.state()
        account = self._account(PHONE)
        if account is None:
            return
        spendable = account.available - account.held
        try:
            result = self.run(lambda s: self._create_hold(s, account.id, points))
        except AppError:
            assert points > spendable or self._has_lapsed_holds(account.id)
            assert self.state() == before
            return
        assert points <= spendable or self._has_lapsed_holds(account.id)
        self.holds.append(result["hold_id"])

    async def _create_hold(self, session, account_id: str,  # type: ignore[no-untyped-def]
                           points: int):
        program = await service.require_program(session, self.ws.id)
        return await holds.create_hold(session, program, holds.HoldRequest(account_id, points))

    def _has_lapsed_holds(self, account_id: str) -> bool:
        async def body(session):  # type: ignore[no-untyped-def]
            return await session.scalar(select(func.count()).select_from(LoyaltyHold).where(
                LoyaltyHold.workspace_id == self.ws.id, LoyaltyHold.account_id == account_id,
                LoyaltyHold.status == "held", LoyaltyHold.expires_at <= utcnow()))
        return bool(self.run(body))

    @precondition(lambda self: bool(self.holds))
    @rule(data=st.data(), amount=st.integers(500, 60000),
          other=st.sampled_from([False, False, False, True]))
    def commit(self, data: st.DataObject, amount: int, other: bool) -> None:
        hold_id = data.draw(st.sampled_from(self.holds))
        status = self._hold(hold_id).status
        before = self.state()
        order_in = _order(amount, OTHER if other else PHONE, hold_id)
        try:
            result = self.ingest(order_in)
        except AppError as exc:
            assert other or status != "held" or exc.code == "insufficient_points" or \
                exc.code == "hold_expired", exc.code
            assert self.state() == before
            return
        assert not other and status == "held"
        assert result["loyalty"]["redeemed"] == self._hold(hold_id).points
        event("commit succeeded")
        self.orders.append((result["order_id"], order_in))

    def _hold(self, hold_id: str) -> LoyaltyHold:
        return self.run(lambda s: s.get(LoyaltyHold, (self.ws.id, hold_id)))

    def _account(self, phone: str) -> LoyaltyAccount | None:
        async def body(session):  # type: ignore[no-untyped-def]
            rows = (await session.execute(select(LoyaltyAccount).where(
                LoyaltyAccount.workspace_id == self.ws.id))).scalars().all()
            ids = {o[0] for o in self.orders if o[1].customer and o[1].customer.phone == phone}
            owners = (await session.execute(select(Order.contact_id).where(
                Order.workspace_id == self.ws.id, Order.id.in_(ids or {""})))).scalars().all()
            return next((a for a in rows if a.contact_id in set(owners)), None)
        return self.run(body)

    @precondition(lambda self: bool(self.holds))
    @rule(data=st.data(), lapse=st.booleans())
    def release_or_lapse(self, data: st.DataObject, lapse: bool) -> None:
        hold_id = data.draw(st.sampled_from(self.holds))
        if lapse:
            async def body(session):  # type: ignore[no-untyped-def]
                await session.execute(update(LoyaltyHold).where(
                    LoyaltyHold.workspace_id == self.ws.id, LoyaltyHold.id == hold_id,
                    LoyaltyHold.status == "held").values(expires_at=utcnow() - dt.timedelta(1)))
                await holds.expire_hold(session, self.ws.id, hold_id)
            self.run(body)
            return
        try:
            self.run(lambda s: holds.release_hold(s, self.ws.id, hold_id))
        except AppError as exc:
            assert exc.code == "hold_used"

    @precondition(lambda self: bool(self.orders))
    @rule(data=st.data(), share=st.integers(1, 100))
    def refund(self, data: st.DataObject, share: int) -> None:
        order_id, _ = data.draw(st.sampled_from(self.orders))
        refund_in = RefundIn(refund_id=f"R-{uuid.uuid4().hex[:8]}")

        async def body(session):  # type: ignore[no-untyped-def]
            order = await session.get(Order, (self.ws.id, order_id))
            left = order.total - order.refunded_total
            amount = max(1, left * share // 100)
            return await refund_order(session, order, refund_in.model_copy(
                update={"amount": amount}))
        try:
            result = self.run(body)
        except AppError:
            return
        if result.get("loyalty"):
            event("refund touched loyalty")
        self.refunds.append((order_id, RefundIn(refund_id=refund_in.refund_id,
                                                amount=result["amount"])))

    @precondition(lambda self: bool(self.refunds))
    @rule(data=st.data())
    def replay_refund(self, data: st.DataObject) -> None:
        order_id, refund_in = data.draw(st.sampled_from(self.refunds))
        before = self.state()

        async def body(session):  # type: ignore[no-untyped-def]
            return await refund_order(session, await session.get(Order, (self.ws.id, order_id)),
                                      refund_in)
        assert self.run(body)["replayed"] is True
        assert self.state() == before

    @rule(days=st.sampled_from([2, 200]))
    def time_passes(self, days: int) -> None:
        later = utcnow() + dt.timedelta(days=days)
        self.run(lambda s: earning.activate_due(s, self.ws.id, later))
        self.run(lambda s: earning.expire_due(s, self.ws.id, later))
        before = self.state()  # sweeps are idempotent
        self.run(lambda s: earning.activate_due(s, self.ws.id, later))
        self.run(lambda s: earning.expire_due(s, self.ws.id, later))
        assert self.state() == before

    @invariant()
    def books_balance(self) -> None:
        if not hasattr(self, "ws"):
            return
        self.run(self._check)
        LedgerMachine.books_checked += 1

    async def _check(self, session) -> None:  # type: ignore[no-untyped-def]
        accounts = (await session.execute(select(LoyaltyAccount).where(
            LoyaltyAccount.workspace_id == self.ws.id))).scalars().all()
        for account in accounts:
            lots = dict((await session.execute(select(LoyaltyLot.status, func.sum(
                LoyaltyLot.remaining)).where(LoyaltyLot.workspace_id == self.ws.id,
                LoyaltyLot.account_id == account.id).group_by(LoyaltyLot.status))).all())
            entries = await session.scalar(select(func.coalesce(func.sum(LoyaltyEntry.points), 0))
                                           .where(LoyaltyEntry.workspace_id == self.ws.id,
                                                  LoyaltyEntry.account_id == account.id))
            held = await session.scalar(select(func.coalesce(func.sum(LoyaltyHold.points), 0))
                                        .where(LoyaltyHold.workspace_id == self.ws.id,
                                               LoyaltyHold.account_id == account.id,
                                               LoyaltyHold.status == "held"))
            assert account.available + account.pending == \
                int(lots.get("available") or 0) + int(lots.get("pending") or 0)
            assert account.pending == int(lots.get("pending") or 0)
            assert account.available + account.pending == int(entries)
            assert account.available >= 0 and account.debt == 0
            assert account.held == int(held)
        orphans = await session.scalar(select(func.count()).select_from(LoyaltyEntry).where(
            LoyaltyEntry.workspace_id == self.ws.id, LoyaltyEntry.order_id.is_(None),
            LoyaltyEntry.refund_id.is_(None), LoyaltyEntry.hold_id.is_(None),
            LoyaltyEntry.reward_id.is_(None), LoyaltyEntry.actor.is_(None),
            LoyaltyEntry.lot_id.is_(None)))
        assert orphans == 0


def test_ledger_state_machine(database_url: str) -> None:
    LedgerMachine.url = database_url
    LedgerMachine.books_checked = 0
    # Every rule and invariant asserts inside the machine; Hypothesis raises on the first
    # falsifying sequence.  This guards against a run that never reached a workspace.
    run_state_machine_as_test(LedgerMachine, settings=settings(
        max_examples=20, stateful_step_count=20, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
    assert LedgerMachine.books_checked > 0

