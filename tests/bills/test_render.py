"""render_bill_html is pure: affordances, points, print layouts and page weight from a snapshot."""

from __future__ import annotations

import copy

from activereach.bills.config import resolve
from activereach.bills.render import render_bill_html, render_print_html
from activereach.bills.sample import DECOY_SNAPSHOT


def _snapshot(**changes: object) -> dict:
    snap = copy.deepcopy(DECOY_SNAPSHOT)
    snap.update(changes)
    return snap


def test_points_show_only_with_a_contact_and_linked_to_rewards() -> None:
    loyalty = {"earned": 42, "balance": 1280, "points_name": "beans", "tier": "Gold"}
    html = render_bill_html(_snapshot(loyalty=loyalty), resolve(None, None))
    assert "You earned 42 beans · balance 1280 · Gold" in html
    assert 'href="/decoy-1/rewards"' in html
    configured = render_bill_html(_snapshot(loyalty=loyalty),
                                  resolve({"rewards_url": "https://chai.in/r"}, None))
    assert 'href="https://chai.in/r"' in configured
    anonymous = render_bill_html(_snapshot(loyalty=loyalty, has_contact=False), resolve(None, None))
    assert "You earned" not in anonymous
    hidden = render_bill_html(_snapshot(loyalty=loyalty), resolve({"show_points": False}, None))
    assert "You earned" not in hidden


def test_membership_review_and_rating_follow_the_config() -> None:
    config = resolve({"membership_url": "https://chai.in/m", "review_url": "https://g.page/c"},
                     {"show_rating": False})
    html = render_bill_html(_snapshot(), config)
    assert "Become a member" in html and "Leave a review" in html
    assert "Rate this order" not in html
    off = render_bill_html(_snapshot(), resolve(
        {"membership_url": "https://chai.in/m", "show_membership": False}, None))
    assert "Become a member" not in off and "Rate this order" in off


def test_refund_state_is_shown() -> None:
    total = DECOY_SNAPSHOT["totals"]["total"]
    partial = render_bill_html(_snapshot(), resolve(None, None),
                               state={"status": "partially_refunded", "refunded_total": 100})
    assert "Partly refunded: ₹1.00" in partial
    full = render_bill_html(_snapshot(), resolve(None, None),
                            state={"status": "refunded", "refunded_total": total})
    assert "This order was refunded" in full


def test_user_text_is_escaped() -> None:
    snap = _snapshot()
    snap["lines"][0]["name"] = "<script>alert(1)</script>"
    html = render_bill_html(snap, resolve({"footer_text": "<b>hi</b>"}, None))
    assert "<script>" not in html and "&lt;script&gt;" in html and "&lt;b&gt;hi" in html


def test_a_long_bill_stays_under_30_kb() -> None:
    snap = _snapshot()
    snap["lines"] = [dict(snap["lines"][0], name=f"Item number {n} with a longish name",
                          variant="Large") for n in range(60)]
    html = render_bill_html(snap, resolve(None, None))
    assert len(html.encode()) <= 30 * 1024


def test_print_layouts_use_the_paper_width() -> None:
    for width, printable in ((58, 48), (80, 72)):
        html = render_print_html(_snapshot(), resolve(None, None), width=width)
        assert f"size:{width}mm auto" in html and f"width:{printable}mm" in html
        assert "<svg" in html and DECOY_SNAPSHOT["invoice_number"] in html


def test_a_line_note_shows_escaped_on_the_page_and_the_print() -> None:
    snap = _snapshot()
    snap["lines"][0]["note"] = "no sugar <b>please</b>"
    html = render_bill_html(snap, resolve(None, None))
    assert "Note: no sugar &lt;b&gt;please&lt;/b&gt;" in html
    assert "Note: no sugar" in render_print_html(snap, resolve(None, None), width=80)
    plain = _snapshot()  # bills issued before notes were kept show no empty note
    plain["lines"][0].pop("note", None)
    assert "Note:" not in render_bill_html(plain, resolve(None, None))
