"""Pure rules of pipes: the providers' published signature vectors, times, money, health maths."""

from __future__ import annotations

import datetime as dt
import json
import time
from decimal import Decimal

from activereach.pipes import rules
from activereach.pipes.mapping import validate_mapping
from activereach.pipes.providers import get_provider
from activereach.pipes.providers.custom import standard_webhooks_valid

SQUARE_BODY = (b'{"merchant_id":"MLEFBHHSJGVHD","type":"webhooks.test_notification","event_id":'
               b'"ac3ac95b-f97d-458c-a6e6-18981597e05f","created_at":"2022-07-13T20:30:59.037339943Z"'
               b',"data":{"type":"webhooks","id":"bc368e64-01aa-407e-b46e-3231809b1129"}}')
SQUARE_URL = "https://webhook.site/679a4f3a-dcfa-49ee-bac5-9d0edad886b9"


def test_square_sdk_vector(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    square = get_provider("square")
    headers = {"x-square-hmacsha256-signature": "GF4YkrJgGBDZ9NIYbNXBnMzqb2HoL4RW/S6vkZ9/2N4="}
    settings = {"notification_url": SQUARE_URL}
    stale = square.verify(SQUARE_BODY, headers, ["Ibxx_5AKakO-3qeNVR61Dw"], settings)
    assert not stale.ok and stale.reason.startswith("stale: signed ")   # the vector is years old
    sent = rules.parse_time(json.loads(SQUARE_BODY)["created_at"])
    assert sent is not None
    monkeypatch.setattr(time, "time", lambda: sent.timestamp() + 60)   # as if delivered then
    assert square.verify(SQUARE_BODY, headers, ["Ibxx_5AKakO-3qeNVR61Dw"], settings).ok
    assert not square.verify(SQUARE_BODY, headers, ["Ibxx_5AKakO-3qeNVR61Dw"],
                             {"notification_url": SQUARE_URL + "/"}).ok
    assert not square.verify(SQUARE_BODY.replace(b",", b", "), headers,
                             ["Ibxx_5AKakO-3qeNVR61Dw"], settings).ok


def test_standard_webhooks_vector_with_frozen_time() -> None:
    args = ("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek",
            "1614265330", b'{"test": 2432232314}',
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
    assert standard_webhooks_valid(*args, now=1614265330 + 299) == (True, "webhook-signature matches")
    assert standard_webhooks_valid(*args, now=1614265330 + 301)[0] is False
    assert standard_webhooks_valid(*args[:4], "v1a,xyz v1,AAAA", now=1614265330)[0] is False


def test_lightspeed_accepts_hex_or_base64_and_only_hmac_sha256() -> None:
    light = get_provider("lightspeed_x")
    body = b"payload=%7B%7D"
    digest = rules.hmac_digest(b"s", body)
    for value in (digest.hex(), rules.b64(digest)):
        assert light.verify(body, {"x-signature": f"signature={value},algorithm=HMAC-SHA256"},
                            ["s"], {}).ok
    assert not light.verify(body, {"x-signature": f"signature={digest.hex()},algorithm=MD5"},
                            ["s"], {}).ok


def test_provider_times() -> None:
    utc = dt.UTC
    assert rules.parse_time("2017-12-06 04:30:39") == dt.datetime(2017, 12, 6, 4, 30, 39, tzinfo=utc)
    assert rules.parse_time("2021-07-30T11:57:46.235+0000") == dt.datetime(
        2021, 7, 30, 11, 57, 46, 235000, tzinfo=utc)
    assert rules.parse_time("2021-12-31T19:00:00-05:00") == dt.datetime(2022, 1, 1, tzinfo=utc)
    assert rules.parse_time(1537970958000) == dt.datetime(2018, 9, 26, 14, 9, 18, tzinfo=utc)
    assert rules.parse_time("soon") is None
    assert rules.epoch_ms("2020-04-16T23:14:26.359Z") == 1587078866359


def test_money_and_rates() -> None:
    assert rules.to_minor("56.52174", "NZD") == 5652
    assert rules.to_minor(Decimal("8.5"), "USD") == 850
    assert rules.to_minor("1500", "JPY") == 1500
    assert rules.rate_percent("8.47826", "56.52174") == Decimal("15.000")
    assert rules.method("Credit Card") == "card" and rules.method("Gift Voucher!") == "gift_voucher_"


def test_reconcile_total_books_the_rounding_gap() -> None:
    order = {"lines": [{"quantity": "1", "unit_price": 1000, "tax_rate": "8.875",
                        "tax_inclusive": False}]}
    rules.reconcile_total(order, 1089)   # we compute 1089 (88.75 → 89): nothing to book
    assert "order_tax" not in order and "order_discount" not in order
    rules.reconcile_total(order, 1090)
    assert order["order_tax"] == 1
    order = {"lines": order["lines"]}
    rules.reconcile_total(order, 1088)
    assert order["order_discount"] == 1


def test_health_maths_and_staleness() -> None:
    assert rules.percentile([5, 1, 3, 2, 4], 95) == 5
    assert rules.percentile(list(range(1, 101)), 95) == 95
    assert rules.percentile([], 95) is None
    assert rules.error_rate(0, 0) == 0.0 and rules.error_rate(4, 1) == 0.25
    assert rules.is_stale(3, 3) and rules.is_stale(2, 3) and not rules.is_stale(4, 3)
    assert not rules.is_stale(None, 3)


def test_mapping_validation_names_each_field() -> None:
    errors = validate_mapping({"customer.phone": "a[?", "colour": "x", "lines": ""})
    assert {e["field"] for e in errors} == {"mapping.customer.phone", "mapping.colour",
                                            "mapping.lines"}
    assert validate_mapping({"customer.phone": "attrs[?key=='phone'].value | [0]"}) == []
    assert validate_mapping(["x"])[0]["field"] == "mapping"


def test_nul_fields_names_every_string_holding_nul() -> None:
    order = {"external_id": "A\x00", "lines": [{"name": "ok"}, {"name": "b\x00d", "qty": 1}],
             "customer": {"email": None, "name": "Ann"}}
    assert rules.nul_fields(order) == ["order.external_id", "order.lines[1].name"]
    assert rules.nul_fields({"lines": [{"name": "plain"}], "total": 5}) == []
