"""Pure rules: scope resolution (brand vs outlet), earn basis, FEFO, refunds, tiers, rewards."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from activereach.loyalty import rules

UTC = dt.UTC
BRAND = rules.RuleRow("r-brand", "purchase", "order_completed", None)
BLR = rules.RuleRow("r-blr", "purchase", "order_completed", "loc-blr")
BRAND_EVENT = rules.RuleRow("r-ev", "event", "review_left", None)
MUM_EVENT = rules.RuleRow("r-ev-mum", "event", "review_left", "loc-mum")


def test_outlet_rule_replaces_brand_rule_of_same_kind_and_event() -> None:
    rows = [BLR, BRAND, BRAND_EVENT, MUM_EVENT]
    assert [r.id for r in rules.resolve_rules(rows, "loc-blr")] == ["r-ev", "r-blr"]
    assert [r.id for r in rules.resolve_rules(rows, "loc-mum")] == ["r-ev-mum", "r-brand"]
    assert [r.id for r in rules.resolve_rules(rows, None)] == ["r-ev", "r-brand"]
    assert [r.id for r in rules.resolve_rules(rows, "loc-other")] == ["r-ev", "r-brand"]


def test_outlet_rule_without_brand_rule_applies_only_there() -> None:
    assert [r.id for r in rules.resolve_rules([BLR], "loc-blr")] == ["r-blr"]
    assert rules.resolve_rules([BLR], "loc-mum") == []


RULE = rules.PurchaseRule(id="r", location_id=None, event_name="order_completed",
                          points_per_unit=1, spend_unit=10000,
                          excluded_skus=frozenset({"GIFT"}),
                          excluded_categories=frozenset({"Merch"}), exclude_discounted=True)


def test_earn_basis_excludes_skus_categories_discounted_lines_and_points_tender() -> None:
    lines = [rules.EarnLine("LATTE", "Coffee", 40000, 0),
             rules.EarnLine("GIFT", "Coffee", 50000, 0),
             rules.EarnLine("MUG", "Merch", 30000, 0),
             rules.EarnLine("CAKE", "Bakery", 20000, 500)]
    assert rules.earn_basis(lines, RULE, order_discount=0, order_pretax=140000) == 40000
    # an order discount of 14 000 spreads by pre-tax share: 40 000/140 000 of it
    assert rules.earn_basis(lines, RULE, order_discount=14000, order_pretax=126000) == 36000
    assert rules.earn_basis(lines, RULE, order_discount=0, order_pretax=140000,
                            points_paid=70000, order_total=140000) == 20000


def test_points_floor_then_multiplier_floor() -> None:
    assert rules.points_for(19999, RULE) == 1
    assert rules.points_for(9999, RULE) == 0
    assert rules.points_for(50000, RULE, multiplier_bp=15000) == 7   # 5 × 1.5 = 7.5 → 7
    assert rules.points_for(0, RULE) == 0


def test_fefo_takes_first_expiring_then_never_expiring() -> None:
    t0 = dt.datetime(2026, 1, 1, tzinfo=UTC)
    lots = [rules.Lot("never", 10, None, t0),
            rules.Lot("late", 5, t0 + dt.timedelta(days=90), t0),
            rules.Lot("soon", 4, t0 + dt.timedelta(days=10), t0 + dt.timedelta(days=1))]
    assert rules.allocate_fefo(lots, 12) == [("soon", 4), ("late", 5), ("never", 3)]
    assert rules.allocate_fefo(lots, 0) == []


@given(st.integers(0, 10_000), st.lists(st.integers(1, 10_000), min_size=1, max_size=8))
def test_piecewise_refunds_never_reverse_more_than_earned(earned: int, parts: list[int]) -> None:
    whole = sum(parts)
    done, cumulative = 0, 0
    for part in parts:
        cumulative += part
        step = rules.proportional_target(earned, cumulative, whole) - done
        assert step >= 0
        done += step
    assert done == earned


def test_add_months_clamps_day() -> None:
    assert rules.add_months(dt.datetime(2026, 1, 31, tzinfo=UTC), 1).day == 28
    assert rules.add_months(dt.datetime(2026, 11, 5, tzinfo=UTC), 14) == \
        dt.datetime(2028, 1, 5, tzinfo=UTC)


def test_pick_tier_highest_reached() -> None:
    tiers = [rules.TierRow("s", "Silver", 100, 10000), rules.TierRow("g", "Gold", 500, 15000)]
    assert rules.pick_tier(tiers, 99) is None
    assert rules.pick_tier(tiers, 100).name == "Silver"
    assert rules.pick_tier(tiers, 10**9).name == "Gold"


def test_reward_reasons_name_every_lock() -> None:
    now = dt.datetime(2026, 11, 25, tzinfo=UTC)
    reward = rules.RewardView(points_cost=100, tier_rank=2, members_only=True, stock_cap=3,
                              issued=3, per_customer_cap=1, valid_from=now + dt.timedelta(days=1),
                              valid_until=None)
    guest = rules.MemberView(is_member=False, spendable=0, tier_rank=None, redeemed_by_member=1)
    assert rules.reward_reasons(reward, guest, now) == \
        ["window", "membership", "tier", "balance", "stock", "cap"]
    open_reward = rules.RewardView(100, None, False, None, 0, None, None, None)
    rich = rules.MemberView(is_member=True, spendable=100, tier_rank=1)
    assert rules.reward_reasons(open_reward, rich, now) == []


def test_points_redemption_limits() -> None:
    limits = rules.RedeemLimits(min_points=10, max_share_bp=5000, point_value=100)
    assert rules.check_points_redemption(limits, 5, 100, None).startswith("below")
    assert rules.check_points_redemption(limits, 101, 100, None).startswith("more than the")
    # half of a ₹40 bill is ₹20 = 20 points
    assert rules.check_points_redemption(limits, 25, 100, 4000).startswith("more than this bill")
    assert rules.check_points_redemption(limits, 20, 100, 4000) is None
    assert rules.check_points_redemption(limits, 0, 100, None) == "points must be positive"
    assert rules.max_redeemable(limits, 100, 4000) == 20


def test_reward_values() -> None:
    assert rules.reward_value("percent", bill_total=45000, percent_bp=1000) == 4500
    assert rules.reward_value("fixed", bill_total=40000, amount=10000, min_bill=50000) == 0
    assert rules.reward_value("fixed", bill_total=5000, amount=10000) == 5000
    assert rules.reward_value("experience", bill_total=5000) == 0


# ---- validity windows and retirement ----------------------------------------------------------

JAN1 = dt.datetime(2026, 1, 1, tzinfo=UTC)
FEB1 = dt.datetime(2026, 2, 1, tzinfo=UTC)


def test_a_window_includes_its_start_and_excludes_its_end() -> None:
    assert rules.in_window(None, None, JAN1)
    assert rules.in_window(JAN1, FEB1, JAN1)
    assert not rules.in_window(JAN1, FEB1, FEB1)
    assert not rules.in_window(JAN1, None, JAN1 - dt.timedelta(microseconds=1))
    assert rules.in_window(None, FEB1, FEB1 - dt.timedelta(microseconds=1))


def test_an_outlet_rule_outside_its_window_hands_the_outlet_back_to_the_brand() -> None:
    january = rules.RuleRow("r-jan", "purchase", "order_completed", "loc-blr",
                            valid_from=JAN1, valid_until=FEB1)
    rows = [BRAND, january]
    assert [r.id for r in rules.resolve_rules(rows, "loc-blr", JAN1)] == ["r-jan"]
    assert [r.id for r in rules.resolve_rules(rows, "loc-blr", FEB1)] == ["r-brand"]
    assert [r.id for r in rules.resolve_rules(rows, "loc-blr")] == ["r-jan"]   # no time: scope only
    ended = rules.RuleRow("r-old", "purchase", "order_completed", None, valid_until=JAN1)
    assert rules.resolve_rules([ended], None, FEB1) == []


def test_a_retired_or_out_of_window_reward_says_why() -> None:
    member = rules.MemberView(is_member=True, spendable=500, tier_rank=None)
    reward = rules.RewardView(100, None, False, None, 0, None, JAN1, FEB1, retired=True)
    assert rules.reward_reasons(reward, member, FEB1) == ["retired", "window"]
    assert rules.reward_reasons(reward, member, JAN1) == ["retired"]
