"""Pure till rules and proofs (no database): what the server judges on every ActivePOS order,
and the signed messages, checked against the vectors the till's tests run too."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from activereach.cashier import checks, proofs

VECTORS = json.loads((Path(__file__).parents[1] / "vectors" / "till_proofs.json").read_text())
NOW = dt.datetime.now(dt.UTC)


def _signer(**overrides: object) -> checks.Signer:
    base = {"staff_id": "stf_1", "name": "Kiran", "role": "cashier", "active": True,
            "location_id": "loc_1", "expires_at": NOW + dt.timedelta(hours=1)}
    return checks.Signer(**{**base, **overrides})  # type: ignore[arg-type]


def _facts(**overrides: object) -> checks.TillFacts:
    base = {"location_id": "loc_1", "now": NOW, "cashier": _signer(), "lines": [(24900, 0)],
            "order_discount": 0, "discount_limit_bp": 1000, "total": 24900, "paid": 24900}
    return checks.TillFacts(**{**base, **overrides})  # type: ignore[arg-type]


def _rules(facts: checks.TillFacts) -> list[str]:
    return [breach.rule for breach in checks.check(facts)]


def test_the_vectors_sign_as_the_till_does() -> None:
    secret = proofs.b64decode(VECTORS["secret"])
    for case in VECTORS["orders"]:
        facts = dict(case["facts"])
        lines = tuple(proofs.SignedLine(g, d) for g, d in facts["lines"])
        payments = tuple((m, a) for m, a in facts["payments"])
        order = proofs.SignedOrder(**{**facts, "lines": lines, "payments": payments})
        assert proofs.order_message(order) == case["message"]
        assert proofs.sign(secret, case["message"]) == case["signature"]
        assert proofs.verify(secret, case["message"], case["signature"])
        assert not proofs.verify(secret, case["message"] + "x", case["signature"])
    for case in VECTORS["approvals"]:
        facts = case["facts"]
        message = proofs.approval_message(facts["client_order_id"], facts["key_id"], facts["line"],
                                          facts["gross"], facts["discount"])
        assert message == case["message"] and proofs.sign(secret, message) == case["signature"]


def test_free_text_cannot_shift_one_field_into_another() -> None:
    one = proofs.SignedOrder("c", "k", False, 1, (), (("a,b", 1),))
    two = proofs.SignedOrder("c", "k", False, 1, (), (("a", 0), ("b", 1)))
    assert proofs.order_message(one) != proofs.order_message(two)


def test_a_clean_sale_breaks_nothing() -> None:
    assert checks.check(_facts()) == []


def test_the_cashier_must_be_active_here_and_hold_a_live_key() -> None:
    assert _rules(_facts(cashier=_signer(active=False))) == ["staff"]
    assert _rules(_facts(cashier=_signer(location_id="loc_2"))) == ["staff"]
    assert _rules(_facts(cashier=_signer(location_id=None))) == []   # every outlet
    assert _rules(_facts(cashier=_signer(expires_at=NOW))) == ["staff"]
    assert _rules(_facts(cashier=_signer(revoked_at=NOW - dt.timedelta(seconds=1)))) == ["staff"]


def test_a_discount_above_the_limit_needs_an_active_managers_approval() -> None:
    at_limit = _facts(lines=[(10000, 1000)], total=9000, paid=9000)
    assert checks.check(at_limit) == []
    over = _facts(lines=[(10000, 1001)], total=8999, paid=8999)
    [breach] = checks.check(over)
    assert (breach.rule, breach.field) == ("discount", "lines[0].discount")
    manager = _signer(staff_id="stf_2", name="Meera", role="manager")
    assert checks.check(_facts(lines=[(10000, 1001)], total=8999, paid=8999,
                               approvals={1: manager})) == []
    assert "not a manager" in checks.check(_facts(lines=[(10000, 1001)], total=8999, paid=8999,
                                                  approvals={1: _signer()}))[0].message
    stale = _signer(name="Meera", role="manager", active=False)
    stale_approval = _facts(lines=[(10000, 5000)], total=5000, paid=5000, approvals={1: stale})
    assert _rules(stale_approval) == ["discount"]
    # the order-level discount is judged on the order's net amount, approved as line 0
    assert _rules(_facts(order_discount=24800, total=100, paid=100)) == ["discount"]
    assert _rules(_facts(order_discount=24800, total=100, paid=100, approvals={0: manager})) == []
    no_limit = _facts(lines=[(10000, 1)], discount_limit_bp=0, total=9999, paid=9999)
    assert _rules(no_limit) == ["discount"]


def test_payments_must_cover_the_total_and_points_must_be_backed() -> None:
    assert _rules(_facts(paid=0)) == ["payments"]
    assert _rules(_facts(points_uncovered=9900)) == ["points"]
    facts = _facts(paid=100, points_uncovered=50)
    assert checks.uncovered_amount(facts) == 24800 + 50
    assert _rules(facts) == ["payments", "points"]
