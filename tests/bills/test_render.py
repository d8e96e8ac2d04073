"""render_bill_html is pure: affordances, points, print layouts and page weight from a snapshot."""

from __future__ import annotations

import copy

from activereach.bills.config import resolve
from activereach.bills.render import render_bill_html, render_print_html
from activereach.bills.sample import DECOY_SNAPSHOT, sample_snapshot
from activereach.tenancy.models import Workspace


def _snapshot(**changes: object) -> dict:
    snap = copy.deepcopy(DECOY_SNAPSHOT)
    snap.update(changes)
    return snap


def test_points_show_only_with_a_contact_and_linked_to_the_member_page() -> None:
    loyalty = {"earned": 42, "balance": 1280, "points_name": "beans", "tier": "Gold"}
    html = render_bill_html(_snapshot(loyalty=loyalty), resolve(None, None))
    assert "You earned 42 beans · balance 1280 · Gold" in html
    assert 'href="/b/SAMPLE0000/member"' in html
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


def test_points_tenders_show_the_reward_never_the_hold() -> None:
    """Old snapshots kept the hold id as the tender's reference; new ones name the reward."""
    old = _snapshot(payments=[{"method": "points", "reference": "lh_01jq8m2x4v5w6y7z8a9b0c1d2e",
                               "amount": 5000},
                              {"method": "upi", "reference": "UPI-88123", "amount": 85700}])
    new = _snapshot(payments=[{"method": "points", "reference": None, "amount": 5000,
                               "label": "Free Masala Chai"}])
    for snap in (old, new):
        for html in (render_bill_html(snap, resolve(None, None)),
                     render_print_html(snap, resolve(None, None), width=80)):
            assert "lh_" not in html and "Points" in html
    assert "UPI-88123" in render_bill_html(old, resolve(None, None))
    assert "Free Masala Chai" in render_bill_html(new, resolve(None, None))


def test_every_sample_bill_agrees_with_itself() -> None:
    """A till sale in cash: change = tendered − total; an online order: no till, no change."""
    ws = Workspace(id="ws_s", slug="s", name="S", country="IN", currency="INR",
                   timezone="Asia/Kolkata", locale="en_IN")
    online = sample_snapshot(ws, None, {}, "http://s.localhost/b/SAMPLE0000")
    store = DECOY_SNAPSHOT
    assert online["invoice_number"].startswith("WEB/") and online["terminal_id"] is None
    assert online["channel"] == "online" and online["totals"]["change"] == 0
    assert online["totals"]["paid"] == online["totals"]["payable"]
    assert [p["method"] for p in online["payments"]] == ["upi"]
    html = render_bill_html(online, resolve(None, None))
    assert "Till" not in html and "Change" not in html and "Tendered" not in html
    totals = store["totals"]
    assert store["terminal_id"] == "T1" and store["payments"][0]["method"] == "cash"
    assert totals["change"] == totals["paid"] - totals["total"] > 0
    assert totals["paid"] % 10000 == 0      # a ₹100 note or a few
    assert "Tendered" in render_bill_html(store, resolve(None, None))
