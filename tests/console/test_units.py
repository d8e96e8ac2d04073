"""Pure pieces of the console: chip strip, chart geometry, money display, form checks."""

from __future__ import annotations

import pytest

from activereach.analytics.service import DayRow, ratio_minor
from activereach.console import scope
from activereach.console.chart import nice_max, stacked
from activereach.console.forms import brand_errors
from activereach.console.web import money
from activereach.kit.errors import NotFound
from activereach.tenancy.models import Location


def _loc(ident: str, code: str) -> Location:
    return Location(workspace_id="ws", id=ident, code=code, name=code.upper())


def test_scope_resolves_all_id_or_code_and_rejects_unknown() -> None:
    outlets = [_loc("loc_1", "blr"), _loc("loc_2", "mum")]
    assert scope.resolve(outlets, None) is None and scope.resolve(outlets, "all") is None
    assert scope.resolve(outlets, "loc_2").code == "mum"
    assert scope.resolve(outlets, "blr").id == "loc_1"
    with pytest.raises(NotFound):
        scope.resolve(outlets, "loc_9")


def test_chips_keep_the_query_but_drop_pagination() -> None:
    outlets = [_loc("loc_1", "blr")]
    chips = scope.chips("/dashboard/x/contacts", {"q": "a", "cursor": "c", "location": "loc_1"},
                        outlets, outlets[0])
    assert [c.href for c in chips] == ["/dashboard/x/contacts?q=a",
                                       "/dashboard/x/contacts?q=a&location=loc_1"]
    assert [c.active for c in chips] == [False, True]


def test_chart_axis_and_stacking() -> None:
    assert [nice_max(v) for v in (0, 1, 3, 7, 11, 450, 501)] == [1, 1, 5, 10, 20, 500, 1000]
    chart = stacked([DayRow("2026-11-01", online=300, offline=200), DayRow("2026-11-02")])
    first = chart.bars[0]
    assert first.online_y + first.online_h == pytest.approx(first.offline_y)
    assert chart.bars[1].online_h == 0 and chart.ticks[-1][1] == 500


def test_money_is_exact_and_grouped() -> None:
    # Babel's rules for the brand's locale: the ₹ sign, Indian grouping, two decimals always.
    assert money(123456789, "INR") == "₹12,34,567.89"
    assert money(-500, "INR") == "-₹5.00" and money(1500, "JPY") == "JP¥1,500"
    assert money(49900, "INR") == "₹499.00" and money(123456789, "INR", "en_US") == "₹1,234,567.89"
    assert money(None, "INR") == "—"
    assert ratio_minor(1000, 3) == 333 and ratio_minor(5, 2) == 3 and ratio_minor(1, 0) is None


def test_brand_form_names_each_bad_field() -> None:
    errors = brand_errors({"name": "", "logo_url": "javascript:alert(1)", "primary_color": "red",
                           "country": "IND", "currency": "ABC", "timezone": "Nowhere"})
    assert set(errors) == {"name", "logo_url", "primary_color", "country", "currency", "timezone"}
