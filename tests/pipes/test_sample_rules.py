"""The sample test's pure rules: each provider's built-in sample made the brand's own
(``samples.localise``), the "would ingest, but" warnings (``rules.ingest_warnings``) and an
ActivePOS till's health word (``rules.till_status``)."""

from __future__ import annotations

import datetime as dt
import json
import re
import urllib.parse

import pytest

from activereach.pipes import rules
from activereach.pipes.providers import PROVIDERS
from activereach.pipes.samples import localise, sample

NOW = dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC)
ITEMS = [("Masala Chai (Large)", "CHAI-L"), ("Filter Coffee", "FCOF")]


def _text(raw: bytes) -> str:
    if raw.startswith(b"payload="):
        return urllib.parse.parse_qs(raw.decode())["payload"][0]
    return raw.decode()


@pytest.mark.parametrize("provider", PROVIDERS)
def test_every_sample_is_in_the_brand_currency(provider: str) -> None:
    raw, _, _ = sample(provider)
    local = _text(localise(raw, "inr", ITEMS))
    keys = r'"(?:currency|currency_code|presentment_currency)"'
    codes = set(re.findall(keys + r'\s*:\s*"([A-Za-z]{3})"', local))
    assert codes <= {"INR"}, codes
    json.loads(local)   # still a document the provider's parser reads


def test_lines_take_the_catalog_names_and_skus_in_turn() -> None:
    body = json.dumps({"currency": "USD", "lines": [
        {"name": "Item 1", "sku": "X1"}, {"name": "Item 2", "sku": "X2"},
        {"name": "Item 3", "sku": "X3"}]}).encode()
    out = json.loads(localise(body, "INR", ITEMS))
    assert out["currency"] == "INR"
    assert [(line["name"], line["sku"]) for line in out["lines"]] == [*ITEMS, ITEMS[0]]
    kept = json.loads(localise(body, "INR", []))   # no catalog: names stay the sample's
    assert kept["lines"][0]["name"] == "Item 1"


def test_a_form_encoded_sample_is_rewritten_inside_its_json_field() -> None:
    raw = b"payload=" + urllib.parse.quote(json.dumps(
        {"register_sale_products": [{"product_id": "p1"}], "currency": "NZD"})).encode()
    out = json.loads(_text(localise(raw, "INR", ITEMS)))
    assert out["currency"] == "INR" and out["register_sale_products"][0]["name"] == ITEMS[0][0]


def _order(**extra: object) -> dict[str, object]:
    return {"currency": "INR", "occurred_at": (NOW - dt.timedelta(hours=1)).isoformat(),
            "lines": [{"sku": "CHAI-L"}], **extra}


def test_a_brand_order_gives_no_warning() -> None:
    assert rules.ingest_warnings(_order(), brand_currency="INR", now=NOW,
                                 known_skus={"CHAI-L"}) == []


def test_each_warning_names_its_field_in_people_words() -> None:
    found = rules.ingest_warnings(
        _order(currency="usd", occurred_at="2020-01-01T10:00:00+00:00",
               lines=[{"sku": "CHAI-L"}, {"sku": "ITEM-9"}, {"name": "no sku"}]),
        brand_currency="INR", now=NOW, known_skus={"CHAI-L"})
    by_field = {w["field"]: w["message"] for w in found}
    assert set(by_field) == {"currency", "occurred_at", "lines"}
    assert "USD" in by_field["currency"] and "INR" in by_field["currency"]
    assert "01 Jan 2020" in by_field["occurred_at"] and "days ago" in by_field["occurred_at"]
    assert by_field["lines"] == "SKUs not in your catalog: ITEM-9"


def test_future_dates_and_a_brand_without_a_catalog() -> None:
    ahead = rules.ingest_warnings(_order(occurred_at=(NOW + dt.timedelta(days=3)).isoformat(),
                                         lines=[{"sku": "ANY"}]),
                                  brand_currency="INR", now=NOW, known_skus=None)
    assert [w["field"] for w in ahead] == ["occurred_at"] and "future" in ahead[0]["message"]
    near = _order(occurred_at=(NOW - dt.timedelta(days=29)).isoformat())
    assert rules.ingest_warnings(near, brand_currency="INR", now=NOW, known_skus={"CHAI-L"}) == []


@pytest.mark.parametrize(("status", "paired", "orders", "word"), [
    ("revoked", True, 3, "revoked"), ("active", False, 0, "not paired"),
    ("active", True, 2, "active"), ("active", True, 0, "idle")])
def test_till_status(status: str, paired: bool, orders: int, word: str) -> None:
    assert rules.till_status(status, paired, orders) == word
