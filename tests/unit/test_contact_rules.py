"""Identity normalisation and placeholder rules, without a database."""

import pytest

from activereach.contacts.rules import (
    IdentityError,
    build_identities,
    mask_email,
    mask_phone,
    merge_traits,
    normalize_email,
    normalize_phone,
)


@pytest.mark.parametrize("raw", ["+91 98765 43210", "098765 43210", "9876543210", "+919876543210",
                                 "98765-43210"])
def test_indian_numbers_normalise_to_one_e164(raw: str) -> None:
    assert normalize_phone(raw, "IN") == "+919876543210"


def test_default_region_comes_from_the_workspace_country() -> None:
    assert normalize_phone("(415) 555-2671", "US") == "+14155552671"


@pytest.mark.parametrize("raw", ["0000000000", "9999999999", "+91 99999 99999", "1234567890",
                                 "N/A", "na", "", "-", "walk-in"])
def test_placeholder_numbers_identify_nobody(raw: str) -> None:
    assert normalize_phone(raw, "IN") is None


@pytest.mark.parametrize("raw", ["12345", "hello", "+91 12345 678"])
def test_invalid_numbers_are_errors(raw: str) -> None:
    with pytest.raises(IdentityError):
        normalize_phone(raw, "IN")


def test_email_is_lower_cased_and_trimmed() -> None:
    assert normalize_email("  Asha.Iyer@Example.COM ") == "asha.iyer@example.com"


@pytest.mark.parametrize("raw", ["test@test.com", "noemail@gmail.com", "na@na.com", "N/A",
                                 "none", "guest@brand.in"])
def test_placeholder_emails_identify_nobody(raw: str) -> None:
    assert normalize_email(raw) is None


def test_malformed_email_is_an_error() -> None:
    with pytest.raises(IdentityError):
        normalize_email("asha@")


def test_external_ids_are_scoped_to_their_source() -> None:
    identities = build_identities(region="IN", source="square", external_id="CUST-1",
                                  phone="0000000000", email="Asha@Example.com", user_id=" u1 ")
    assert identities == {"external_id": "square:CUST-1", "email": "asha@example.com",
                          "user_id": "u1"}


def test_build_identities_names_the_bad_field() -> None:
    with pytest.raises(IdentityError, match="^phone: "):
        build_identities(region="IN", source="api", phone="12345")


def test_traits_merge_on_write() -> None:
    assert merge_traits({"a": 1, "b": 2, "c": 3}, {"b": 20, "c": None, "d": 4}) == {
        "a": 1, "b": 20, "d": 4}


def test_masks_never_show_the_whole_identity() -> None:
    assert mask_phone("+919876543210") == "+91••••••3210"
    assert mask_email("asha@example.com") == "a•••@example.com"
