"""Money: integer minor units inside, Decimal for parsing, major-unit decimals only in events."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from functools import lru_cache

from babel.numbers import get_currency_precision, list_currencies


class MoneyError(ValueError):
    pass


@lru_cache(maxsize=512)
def currency_exponent(currency: str) -> int:
    if currency not in _known_currencies():
        raise MoneyError(f"unknown currency {currency!r}")
    return get_currency_precision(currency)


@lru_cache(maxsize=1)
def _known_currencies() -> frozenset[str]:
    return frozenset(list_currencies())


def to_decimal(value: object, field: str = "value") -> Decimal:
    """Parse a number without ever passing through float rounding."""
    if isinstance(value, bool):
        raise MoneyError(f"{field} must be a number")
    try:
        result = Decimal(str(value)) if not isinstance(value, Decimal) else value
    except (InvalidOperation, ValueError) as exc:
        raise MoneyError(f"{field} must be a number") from exc
    if not result.is_finite():
        raise MoneyError(f"{field} must be a finite number")
    return result


def major_to_minor(value: object, currency: str, field: str = "amount") -> int:
    amount = to_decimal(value, field) * (Decimal(10) ** currency_exponent(currency))
    if amount != amount.to_integral_value():
        raise MoneyError(f"{field} has more decimals than {currency} allows")
    return int(amount)


def minor_to_major(amount: int, currency: str) -> float:
    """Event properties follow Segment: decimal major units (e.g. 499.0)."""
    exponent = currency_exponent(currency)
    return float(Decimal(amount).scaleb(-exponent))
