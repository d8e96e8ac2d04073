"""GSTIN checksums, JSON depth scanning, money parsing, Segment mapping, local days."""

import datetime as dt
from decimal import Decimal

import pytest

from activereach.analytics.rules import local_day
from activereach.collect.segment import canonical_event_name, order_from_properties
from activereach.kit.errors import Unprocessable
from activereach.kit.ids import new_id
from activereach.kit.middleware import json_depth_exceeds
from activereach.kit.money import MoneyError, major_to_minor, minor_to_major
from activereach.tenancy.rules import gstin_check_char, validate_gstin
from tests.support import ago


def test_gstin_checksum_matches_a_published_gstin() -> None:
    assert gstin_check_char("27AAPFU0939F1Z") == "V"
    assert validate_gstin("27AAPFU0939F1ZV") is None
    assert validate_gstin("27AAPFU0939F1ZA") == "GSTIN checksum does not match"
    assert "15 characters" in validate_gstin("27AAPFU")


def test_json_depth_scan_ignores_brackets_inside_strings() -> None:
    assert not json_depth_exceeds(b'{"a": "[[[[[[[[[[[[[[[["}', 4)
    assert json_depth_exceeds(b"[" * 40 + b"]" * 40, 32)
    assert not json_depth_exceeds(b"[" * 32 + b"]" * 32, 32)
    assert not json_depth_exceeds(b'{"a": "\\"[[[[[[[[[["}', 3)


def test_money_parsing_is_decimal_exact() -> None:
    assert major_to_minor("499.99", "INR") == 49999
    assert major_to_minor(19.99, "INR") == 1999  # via str(), never binary float maths
    assert major_to_minor("1500", "JPY") == 1500
    assert minor_to_major(49800, "INR") == 498.0
    with pytest.raises(MoneyError):
        major_to_minor("1.001", "INR")
    with pytest.raises(MoneyError):
        major_to_minor("12", "XYZ")
    with pytest.raises(MoneyError):
        major_to_minor("NaN", "INR")


def test_segment_event_names_fold_to_snake_case() -> None:
    assert canonical_event_name("Order Completed") == "order_completed"
    assert canonical_event_name("order_completed") == "order_completed"


def test_segment_order_maps_money_to_minor_units_and_checks_total() -> None:
    order = order_from_properties(
        {"order_id": "W-1", "total": 530.5, "tax": 25.5, "shipping": 40, "discount": 34,
         "currency": "INR", "products": [{"sku": "M", "name": "Mug", "price": 499, "quantity": 1}]},
        currency="INR", occurred_at=ago(days=1), customer={})
    assert order.lines[0].unit_price == 49900
    assert (order.order_tax, order.shipping, order.order_discount) == (2550, 4000, 3400)
    assert order.totals is not None and order.totals.total == 53050
    assert order.lines[0].quantity == Decimal(1)


def test_segment_order_without_order_id_names_the_field() -> None:
    with pytest.raises(Unprocessable, match="properties.order_id"):
        order_from_properties({"total": 10}, currency="INR",
                              occurred_at=ago(days=1), customer={})


def test_local_day_uses_the_outlet_timezone() -> None:
    late_utc = dt.datetime(2026, 11, 24, 20, 0, tzinfo=dt.UTC)  # 01:30 next day in India
    assert local_day(late_utc, "Asia/Kolkata") == "2026-11-25"
    assert local_day(late_utc, "UTC") == "2026-11-24"


def test_ids_are_prefixed_and_time_ordered() -> None:
    first, second = new_id("ord"), new_id("ord")
    assert first.startswith("ord_") and len(first) == 30
    assert first[:14] <= second[:14]


def test_ids_keep_their_layout_time_then_randomness_right_aligned() -> None:
    """The C-speed base32 gives the characters a digit-by-digit Crockford encoding gives."""
    import random
    from unittest import mock

    from activereach.kit import ids

    def reference(value: int) -> str:
        return "".join(ids._ALPHABET[(value >> (5 * n)) & 31] for n in reversed(range(26)))

    rng = random.Random(11)
    for _ in range(300):
        millis, noise = rng.getrandbits(48), rng.randbytes(10)
        with mock.patch.object(ids.os, "urandom", lambda _n, b=noise: b), \
                mock.patch.object(ids.time, "time", lambda m=millis: (m + 0.5) / 1000):
            made = ids.new_id("ev")
        assert made == "ev_" + reference((millis << 80) | int.from_bytes(noise, "big"))


def test_bill_codes_are_ten_characters_of_the_alphabet() -> None:
    from collections import Counter

    from activereach.bills.codes import ALPHABET, looks_like_code, random_code

    codes = [random_code() for _ in range(3000)]
    assert all(looks_like_code(code) for code in codes) and len(set(codes)) == 3000
    seen = Counter("".join(codes))
    assert set(seen) == set(ALPHABET)  # every character reachable (30,000 draws)


def test_json_depth_matches_a_reference_walk_on_random_nesting() -> None:
    """The C-speed peeling agrees with a byte-by-byte depth count on random bracket soups."""
    import random

    rng = random.Random(7)

    def reference(body: bytes, limit: int) -> bool:
        depth = 0
        for byte in body:
            depth += 1 if byte in b"[{" else -1 if byte in b"]}" else 0
            if depth > limit:
                return True
        return False

    for _ in range(500):
        depth, parts = 0, []
        for _ in range(rng.randint(1, 60)):
            if depth and rng.random() < 0.45:
                parts.append(rng.choice("]}"))
                depth -= 1
            else:
                parts.append(rng.choice("[{"))
                depth += 1
        parts.extend("]" * depth)
        body = "".join(parts).encode()
        limit = rng.randint(1, 12)
        assert json_depth_exceeds(body, limit) == reference(body, limit), (body, limit)


def test_json_depth_ignores_brackets_inside_strings_with_escapes() -> None:
    nested = b'{"a": "x\\\\", "b": [[["\\"]]]]"]]]}'  # an escaped backslash ends the first string
    assert not json_depth_exceeds(nested, 4)
    assert json_depth_exceeds(b'{"k": [[[[[1]]]]], "s": "[[["}', 4)
    assert not json_depth_exceeds(b'{"unterminated": "[[[[[[[[', 2)
