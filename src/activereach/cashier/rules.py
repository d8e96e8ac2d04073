"""Pure rules of the cashier area: sequence gaps and the default receipt channel."""

from __future__ import annotations

from collections.abc import Iterable

from activereach.messaging import rules as messaging

RECEIPT_CHOICES = ("print", "none")


def missing_numbers(seen: Iterable[int], *, upto: int | None = None) -> list[int]:
    """Numbers absent between the smallest seen and ``upto`` (default: the largest seen)."""
    values = set(seen)
    if not values:
        return []
    top = max(values) if upto is None else upto
    return [n for n in range(min(values), top + 1) if n not in values]


def default_receipt_channel(preferred: str | None, reach: messaging.Reach,
                            country: str | None) -> str:
    """The contact's preference when it can carry the receipt (or is print/none), else the
    first reachable channel in the messaging fallback order, else print."""
    if preferred in RECEIPT_CHOICES:
        return preferred
    for channel in messaging.channel_order(chosen=None, preferred=preferred, country=country):
        if messaging.unreachable_reason(channel, reach) is None:
            return channel
    return "print"
