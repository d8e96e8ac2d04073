"""The audit log's pure rules: field-by-field changes, secrets never shown."""

from __future__ import annotations

from activereach.audit.rules import MASK, changes, describe, is_secret


def test_changes_list_each_changed_field_in_order() -> None:
    before = {"name": "Asha", "role": "cashier", "discount_limit_bp": 500}
    after = {"name": "Asha", "role": "manager", "discount_limit_bp": 1500, "active": True}
    assert changes(before, after) == [
        {"field": "role", "before": "cashier", "after": "manager"},
        {"field": "discount_limit_bp", "before": 500, "after": 1500},
        {"field": "active", "before": None, "after": True}]


def test_a_created_or_deleted_thing_lists_every_field() -> None:
    assert [c["field"] for c in changes(None, {"a": 1, "b": 2})] == ["a", "b"]
    assert changes({"a": 1}, None) == [{"field": "a", "before": 1, "after": None}]


def test_secrets_are_masked_on_both_sides() -> None:
    rows = changes({"pin": "1234", "auth_token": "old", "password_set": False},
                   {"pin": "9999", "auth_token": "new", "password_set": True})
    assert rows[0] == {"field": "pin", "before": MASK, "after": MASK}
    assert rows[1] == {"field": "auth_token", "before": MASK, "after": MASK}
    # "…_set" flags say whether a secret exists, which is safe and useful to show.
    assert rows[2] == {"field": "password_set", "before": False, "after": True}
    assert "1234" not in str(rows) and "9999" not in str(rows)


def test_describe_reads_like_words() -> None:
    assert describe(None) == "—" and describe("") == "—" and describe(True) == "yes"
    assert describe(["a", "b"]) == "a, b" and describe({"k": 1}) == "k: 1"


def test_secret_names_are_whole_words() -> None:
    for name in ("pin", "pin_hash", "settings.signing_secret", "authToken", "api_key",
                 "sec.twilio.auth_token", "password"):
        assert is_secret(name), name
    for name in ("mapping", "shipping", "spinner", "author", "pin_set", "tokenizer_name"):
        assert not is_secret(name), name
