"""Pure rules: channel order, reachability, the status machine, DLT text, keywords, backoff."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from activereach.messaging import rules, templates

ALL = frozenset(rules.CHANNELS)


def test_channel_order() -> None:
    assert rules.channel_order(chosen=None, preferred=None, country="IN") == [
        "whatsapp", "sms", "email"]
    assert rules.channel_order(chosen=None, preferred=None, country="US") == [
        "sms", "whatsapp", "email"]
    assert rules.channel_order(chosen="email", preferred="sms", country="IN") == [
        "email", "sms", "whatsapp"]
    assert rules.channel_order(chosen="print", preferred="push", country="IN")[0] == "whatsapp"


def test_plan_skips_unreachable_channels_with_reasons() -> None:
    reach = rules.Reach(phone="+919876543210", email=None, opted_out=frozenset({"whatsapp"}),
                        configured=ALL)
    plan = rules.plan(["whatsapp", "email", "sms"], reach)
    assert (plan.channel, plan.recipient) == ("sms", "+919876543210")
    assert plan.skipped == [{"channel": "whatsapp", "reason": "opted_out"},
                            {"channel": "email", "reason": "no_email"}]
    none = rules.plan(["sms"], rules.Reach(phone="+1", configured=ALL, invalid=frozenset({"sms"})))
    assert none.channel is None and none.reason == "sms: failed_permanently"


@pytest.mark.parametrize(("current", "incoming", "expected"), [
    ("queued", "sent", "sent"), ("sent", "sent", None), ("delivered", "sent", None),
    ("read", "delivered", None), ("sent", "failed", "failed"), ("read", "failed", None),
    ("failed", "delivered", "delivered"), ("failed", "sent", None), ("queued", "bogus", None),
])
def test_next_status(current: str, incoming: str, expected: str | None) -> None:
    assert rules.next_status(current, incoming) == expected


def _apply(statuses: list[str]) -> str:
    state = "queued"
    for status in statuses:
        state = rules.next_status(state, status) or state
    return state


@given(st.lists(st.sampled_from(["sent", "delivered", "read"]), min_size=1, max_size=8))
def test_final_status_does_not_depend_on_arrival_order(statuses: list[str]) -> None:
    best = max(statuses, key=rules.STATUS_RANK.__getitem__)
    for order in itertools.islice(itertools.permutations(statuses), 50):
        assert _apply(list(order)) == best


def test_dlt_render_and_match() -> None:
    template = "Bill {#var#} for {#var#}: https://r.brand.in/b/{#var#} -BRWBLM"
    text = rules.dlt_render(template, ["BLR/2526/1", "₹498.00", "k7Qm2xPz9a"])
    assert text == "Bill BLR/2526/1 for ₹498.00: https://r.brand.in/b/k7Qm2xPz9a -BRWBLM"
    assert rules.dlt_matches(template, text)
    assert not rules.dlt_matches(template, text.replace("Bill", "bill"))
    assert not rules.dlt_matches(template, text + " ")
    with pytest.raises(rules.DltError, match="variable 2 is 31 characters"):
        rules.dlt_render(template, ["a", "x" * 31, "c"])
    with pytest.raises(rules.DltError, match="placeholders"):
        rules.dlt_render(template, ["a"])
    with pytest.raises(rules.DltError, match="newline"):
        rules.dlt_render(template, ["a\nb", "b", "c"])


def test_keywords_and_backoff() -> None:
    assert rules.keyword(" stop ") == "opt_out" and rules.keyword("Opt  out") == "opt_out"
    assert rules.keyword("START") == "opt_in" and rules.keyword("stop please") is None
    assert rules.retry_delay(1) == 5 and rules.retry_delay(5) == 1800
    assert rules.retry_delay(6) is None
    assert rules.retry_delay(1, retry_after=120) == 120
    assert rules.retry_delay(2, retry_after=10**6) == rules.MAX_RETRY_AFTER
    assert rules.parse_retry_after("30") == 30 and rules.parse_retry_after("soon") is None


def test_email_template_escapes_html_but_not_text() -> None:
    snapshot = {"brand": {"name": "Brew & Bloom"}, "seller": {"name": "<Indiranagar>"},
                "invoice_number": "X/1", "totals": {"payable": 49800}, "currency": "INR",
                "exponent": 2, "locale": "en_IN", "code": "abc", "url": "http://x/b/abc",
                "lines": [], "issued_local": "25 Nov 2026, 10:15"}
    _, _, out = templates.render("email", templates.effective("email", None), snapshot, "Asha K")
    assert "Brew & Bloom" in out["subject"] and "Brew & Bloom" in out["text"]
    assert "&lt;Indiranagar&gt;" in out["html"] and "Brew &amp; Bloom" in out["html"]
    with pytest.raises(templates.TemplateProblem):
        templates.render("email", {**templates.effective("email", None),
                                   "subject": "{{ nope }}"}, snapshot, None)


def test_the_default_email_template_validates_and_money_uses_the_bills_currency() -> None:
    # The default HTML uses the ``money`` filter: validation must compile it (it used to say
    # "No filter named 'money'", so the console preview and a PUT of the default failed).
    content = templates.effective("email", None)
    templates.validate("email", content)
    snapshot = {"currency": "USD", "exponent": 2, "locale": "en_US", "total": 1250,
                "lines": [{"qty": 1, "name": "Tea", "variant": None, "total": 1250}]}
    _, _, out = templates.render("email", content, snapshot, "Ann Lee")
    assert "$12.50" in out["html"] and "Hi Ann" in out["text"]
