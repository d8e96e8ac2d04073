"""Pure bill rules: GST split, round-off, financial year, invoice numbers, masking, tiers, codes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from activereach.bills import codes, rules
from activereach.bills.config import DEFAULTS, origins, resolve
from activereach.orders import rules as order_rules


def _line(qty: str, price: int, rate: str, inclusive: bool, discount: int = 0) -> rules.TaxLine:
    amounts = order_rules.line_amounts(order_rules.LineInput(
        quantity=Decimal(qty), unit_price=price, discount=discount, tax_rate=Decimal(rate),
        tax_inclusive=inclusive))
    return rules.TaxLine(rate=Decimal(rate), taxable=amounts.taxable, tax=amounts.tax)


class TestGstSplit:
    def test_intra_state_splits_equally_into_cgst_and_sgst(self) -> None:
        [summary] = rules.gst_summary([_line("1", 11800, "18", inclusive=True)], inter_state=False)
        assert (summary.taxable, summary.cgst, summary.sgst, summary.igst) == (10000, 900, 900, 0)
        assert summary.half_rate == Decimal(9)

    def test_inter_state_is_all_igst(self) -> None:
        [summary] = rules.gst_summary([_line("1", 11800, "18", inclusive=True)], inter_state=True)
        assert (summary.cgst, summary.sgst, summary.igst) == (0, 0, 1800)

    def test_exclusive_price_adds_tax_on_top(self) -> None:
        line = _line("2", 10000, "12", inclusive=False)
        assert (line.taxable, line.tax) == (20000, 2400)
        [summary] = rules.gst_summary([line], inter_state=False)
        assert (summary.cgst, summary.sgst) == (1200, 1200)

    def test_inclusive_price_takes_tax_out(self) -> None:
        line = _line("2", 24900, "5", inclusive=True)
        assert line.taxable + line.tax == 49800
        assert (line.taxable, line.tax) == (47429, 2371)

    def test_odd_paisa_goes_to_cgst_and_heads_add_up(self) -> None:
        assert rules.split_tax(2371, inter_state=False) == (1186, 1185, 0)
        assert rules.split_tax(2371, inter_state=True) == (0, 0, 2371)

    def test_multiple_rates_on_one_bill_are_summarised_per_rate(self) -> None:
        lines = [_line("1", 10500, "5", True), _line("1", 11200, "12", True),
                 _line("3", 5000, "5", False), _line("1", 0, "0", True)]
        summary = rules.gst_summary(lines, inter_state=False)
        assert [s.rate for s in summary] == [Decimal(0), Decimal(5), Decimal(12)]
        five = summary[1]
        assert five.taxable == 10000 + 15000 and five.cgst + five.sgst == 500 + 750
        assert summary[2].cgst == 600 and summary[2].sgst == 600
        assert sum(s.cgst + s.sgst for s in summary) == sum(line.tax for line in lines)

    def test_state_comparison(self) -> None:
        assert rules.is_inter_state("29", "27") is True
        assert rules.is_inter_state("29", "29") is False
        assert rules.is_inter_state(None, "27") is False  # unknown seller state: intra
        assert rules.is_inter_state("29", None) is False


class TestRoundOff:
    @pytest.mark.parametrize(("total", "adjust"), [
        (49800, 0), (49849, -49), (49850, 50), (49851, 49), (1, -1), (99, 1)])
    def test_nearest_rupee_half_up(self, total: int, adjust: int) -> None:
        assert rules.round_off(total, 2) == adjust
        assert (total + adjust) % 100 == 0

    def test_no_minor_units_no_round_off(self) -> None:
        assert rules.round_off(499, 0) == 0


class TestFinancialYear:
    @pytest.mark.parametrize(("day", "fy"), [
        (dt.date(2026, 11, 25), "2026-27"), (dt.date(2027, 3, 31), "2026-27"),
        (dt.date(2027, 4, 1), "2027-28"), (dt.date(2099, 12, 1), "2099-00")])
    def test_april_to_march(self, day: dt.date, fy: str) -> None:
        assert rules.fiscal_year(day) == fy


class TestInvoiceNumber:
    def test_format_fits_rule_46(self) -> None:
        number = rules.invoice_number("BLR1", "2026-27", 123)
        assert number == "BLR1/2627/000123"
        assert len(number) <= 16 and rules.INVOICE_RE.match(number)

    def test_short_prefix_and_big_sequences_stay_within_16(self) -> None:
        assert rules.invoice_number("W", "2026-27", 1) == "W/2627/000001"
        assert len(rules.invoice_number("W", "2026-27", 123_456_789)) <= 16
        assert len(rules.invoice_number("ABCD", "2026-27", 999_999)) == 16
        with pytest.raises(ValueError, match="exhausted"):
            rules.invoice_number("ABCD", "2026-27", 1_000_000)

    @pytest.mark.parametrize("prefix", ["", "ABCDE", "A/B", "A B"])
    def test_bad_prefix(self, prefix: str) -> None:
        with pytest.raises(ValueError, match="prefix"):
            rules.invoice_number(prefix, "2026-27", 1)

    def test_default_prefix(self) -> None:
        assert rules.default_prefix("blr-indiranagar") == "BLRI"
        assert rules.default_prefix(None) == "WEB"


class TestMasking:
    def test_phone_and_email_never_in_full(self) -> None:
        masked = rules.masked_customer({"name": "Asha Rao", "phone": "+91 98765 43210",
                                        "email": "Asha@Example.com"}, "IN")
        assert masked == {"name": "Asha", "phone": "+91••••••3210", "email": "a•••@example.com"}

    def test_placeholders_and_junk_show_nothing(self) -> None:
        assert rules.masked_customer({"phone": "0000000000", "email": "n/a"}, "IN") == {}
        assert rules.masked_customer({"phone": "12"}, "IN") == {}


class TestTiers:
    def test_outlet_overrides_field_by_field(self) -> None:
        brand = {"brand_name": "Chai Co", "footer_text": "Thanks!", "show_review": False}
        outlet = {"footer_text": "See you in Indiranagar", "review_url": "https://g.page/x"}
        resolved = resolve(brand, outlet)
        assert resolved["brand_name"] == "Chai Co"
        assert resolved["footer_text"] == "See you in Indiranagar"
        assert resolved["show_review"] is False and resolved["review_url"] == "https://g.page/x"
        assert resolved["primary_color"] == DEFAULTS["primary_color"]
        assert origins(brand, outlet)["footer_text"] == "outlet"
        assert origins(brand, outlet)["brand_name"] == "brand"
        assert origins(brand, outlet)["logo_url"] == "default"

    def test_cleared_outlet_field_falls_back(self) -> None:
        assert resolve({"footer_text": "Brand"}, {"footer_text": None})["footer_text"] == "Brand"
        assert resolve({"footer_text": "Brand"}, {"footer_text": ""})["footer_text"] == "Brand"

    def test_outlet_false_beats_brand_true(self) -> None:
        assert resolve({"show_rating": True}, {"show_rating": False})["show_rating"] is False


class TestCodes:
    def test_format(self) -> None:
        for _ in range(200):
            code = codes.random_code()
            assert codes.looks_like_code(code) and len(code) == 10

    def test_not_sequential(self) -> None:
        batch = {codes.random_code() for _ in range(2000)}
        assert len(batch) == 2000
        # Every position uses (nearly) the whole alphabet: nothing derived from a counter.
        for position in range(10):
            assert len({code[position] for code in batch}) > 55
