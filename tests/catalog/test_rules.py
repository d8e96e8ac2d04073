"""Pure catalog rules: GTIN check digits, option dimensions, effective price and tax."""

from decimal import Decimal

import pytest

from activereach.catalog import rules


@pytest.mark.parametrize("code", ["4006381333931", "036000291452", "96385074", "5901234123457",
                                  "10614141000415"])
def test_valid_gtins_pass(code: str) -> None:
    assert rules.validate_barcode(code) == code


@pytest.mark.parametrize("code,kind", [("4006381333932", "EAN-13"), ("036000291453", "UPC-A"),
                                       ("96385075", "EAN-8")])
def test_wrong_check_digit_names_the_symbology(code: str, kind: str) -> None:
    with pytest.raises(rules.RuleError, match=f"bad {kind} check digit"):
        rules.validate_barcode(code)


def test_numeric_code_of_odd_length_is_refused_but_shop_labels_pass() -> None:
    with pytest.raises(rules.RuleError, match="10 digits"):
        rules.validate_barcode("1234567890")
    assert rules.validate_barcode("BB-LATTE-01") == "BB-LATTE-01"
    with pytest.raises(rules.RuleError):
        rules.validate_barcode("has space")


def test_check_digit_computation() -> None:
    assert rules.gtin_check_digit("400638133393") == 1
    assert rules.gtin_check_digit("03600029145") == 2


def test_more_than_three_option_dimensions_is_refused() -> None:
    with pytest.raises(rules.RuleError, match="at most 3"):
        rules.validate_options(["Size", "Colour", "Fit", "Sleeve"], [])


def test_each_variant_needs_one_value_per_option_and_unique_combinations() -> None:
    rules.validate_options(["Size", "Colour"], [["S", "Red"], ["S", "Blue"]])
    with pytest.raises(rules.RuleError, match="needs 2 value"):
        rules.validate_options(["Size", "Colour"], [["S"]])
    with pytest.raises(rules.RuleError, match="repeats"):
        rules.validate_options(["Size"], [["S"], ["s"]])
    with pytest.raises(rules.RuleError, match="differ"):
        rules.validate_options(["Size", "size"], [])


def test_outlet_override_beats_brand_price() -> None:
    assert rules.effective_price(24900, 29900, None) == (24900, 29900)
    assert rules.effective_price(24900, 29900, (22900, None)) == (22900, None)
    assert rules.effective_price(24900, None, (0, None)) == (0, None)


def test_effective_tax_prefers_variant_class_and_product_hsn() -> None:
    classes = {"t5": (Decimal(5), True, "2101"), "t18": (Decimal(18), False, None)}
    assert rules.effective_tax(None, "t5", None, classes) == rules.TaxView("t5", Decimal(5), True, "2101")
    assert rules.effective_tax("t18", "t5", "1905", classes) == \
        rules.TaxView("t18", Decimal(18), False, "1905")
    assert rules.effective_tax(None, None, "0901", classes).rate == 0


def test_validators() -> None:
    with pytest.raises(rules.RuleError, match="negative"):
        rules.validate_price(-1)
    with pytest.raises(rules.RuleError, match="HSN"):
        rules.validate_hsn("21A1")
    assert rules.validate_hsn("") is None
    assert rules.variant_name(["Medium", "Oat"]) == "Medium / Oat"
    assert rules.is_live(True, False, True, False) and not rules.is_live(False, False, True, False)


def test_bulk_ids_have_exactly_the_kit_format(monkeypatch) -> None:
    import os
    import time

    from activereach.catalog.csv_apply import fast_id
    from activereach.kit.ids import new_id
    monkeypatch.setattr(time, "time", lambda: 1764094000.123)
    monkeypatch.setattr(os, "urandom", lambda n: bytes(range(7, 7 + n)))
    assert fast_id("var") == new_id("var")
