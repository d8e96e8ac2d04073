"""Pure identity rules: normalising phones and emails and spotting placeholder identities.

Cashiers type walk-in numbers (0000000000, 9999999999), "N/A" and test emails to get past a
required field; merging on those would glue strangers into one profile, so they identify nobody.
"""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers

PLACEHOLDER_TEXT = {"", "na", "n/a", "none", "null", "nil", "-", "0", "test", "unknown", "walkin",
                    "walk-in", "guest"}
_PLACEHOLDER_NATIONAL = {"1234567890", "0123456789", "1234512345", "0987654321"}
_PLACEHOLDER_EMAIL_LOCAL = {"test", "na", "none", "noemail", "no-email", "no.email", "noreply",
                            "no-reply", "null", "nil", "guest", "customer", "walkin", "dummy",
                            "abc", "xyz", "asdf", "email"}
_PLACEHOLDER_EMAIL_DOMAINS = {"test.com", "test.test", "noemail.com", "none.com", "na.com",
                              "email.com", "example.invalid", "invalid"}
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class IdentityError(ValueError):
    pass


# A pure function, and parsing is the costliest step of an order's identity work: an order
# asks twice (its identities, its bill's masked phone) and a returning shopper asks again.
@lru_cache(maxsize=8192)
def normalize_phone(raw: str, default_region: str) -> str | None:
    """E.164 for a real number; None for a placeholder; IdentityError for something invalid."""
    text = raw.strip()
    if text.lower() in PLACEHOLDER_TEXT:
        return None
    digits = re.sub(r"\D", "", text)
    if not digits:
        raise IdentityError("not a phone number: no digits")
    if len(set(digits[-10:])) == 1 or digits[-10:] in _PLACEHOLDER_NATIONAL:
        return None
    try:
        number = phonenumbers.parse(text, default_region.upper())
    except phonenumbers.NumberParseException as exc:
        raise IdentityError(f"not a phone number: {exc}") from exc
    if not phonenumbers.is_valid_number(number):
        raise IdentityError("not a valid phone number for its region")
    national = str(number.national_number)
    if len(set(national)) == 1 or national in _PLACEHOLDER_NATIONAL:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_email(raw: str) -> str | None:
    text = raw.strip().lower()
    if text in PLACEHOLDER_TEXT:
        return None
    if not _EMAIL_RE.match(text):
        raise IdentityError("not an email address")
    local, _, domain = text.partition("@")
    if local in _PLACEHOLDER_EMAIL_LOCAL or domain in _PLACEHOLDER_EMAIL_DOMAINS:
        return None
    return text


def normalize_plain_id(raw: object) -> str | None:
    if raw is None:
        return None
    text = str(raw).strip()
    if text.lower() in PLACEHOLDER_TEXT or len(text) > 300:
        return None
    return text


def mask_phone(e164: str) -> str:
    return e164[:3] + "•" * max(0, len(e164) - 7) + e164[-4:]


def mask_email(email: str) -> str:
    local, _, domain = email.partition("@")
    return (local[:1] + "•••" if local else "") + "@" + domain


# The order in which identities pick the contact: the most deliberate identifier wins.
MATCH_PRECEDENCE = ("user_id", "external_id", "email", "phone", "anonymous_id")


def merge_traits(existing: dict[str, object], incoming: dict[str, object]) -> dict[str, object]:
    """Merge-on-write: keys that were sent overwrite, keys not sent are kept; None clears."""
    merged = dict(existing)
    for key, value in incoming.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


def build_identities(*, region: str, source: str, phone: str | None = None,
                     email: str | None = None, user_id: object = None,
                     anonymous_id: object = None, external_id: object = None) -> dict[str, str]:
    """Normalised identities keyed by kind; raises IdentityError naming the bad field."""
    identities: dict[str, str] = {}
    if phone:
        try:
            value = normalize_phone(phone, region)
        except IdentityError as exc:
            raise IdentityError(f"phone: {exc}") from exc
        if value:
            identities["phone"] = value
    if email:
        try:
            value = normalize_email(email)
        except IdentityError as exc:
            raise IdentityError(f"email: {exc}") from exc
        if value:
            identities["email"] = value
    for kind, raw in (("user_id", user_id), ("anonymous_id", anonymous_id)):
        plain = normalize_plain_id(raw)
        if plain:
            identities[kind] = plain
    plain_external = normalize_plain_id(external_id)
    if plain_external:
        # Customer ids are only unique within the system that issued them.
        identities["external_id"] = f"{source}:{plain_external}"
    return identities
