"""Pure rules of the member page: progress to the next tier, ledger entries in people's words.

No I/O; the page never shows an internal id or an event name, only names, numbers and dates.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Progress:
    """Towards the next tier: its name, what is still missing (in the tier basis: minor
    currency units of spend, or points) and how far along, 0–100, from the current tier."""

    next_tier: str | None
    remaining: int
    percent: int


def tier_progress(tiers: list[tuple[str, int]], metric: int) -> Progress:
    """``tiers``: (name, threshold) pairs; ``metric``: the member's qualifying spend or points."""
    above = sorted((threshold, name) for name, threshold in tiers if threshold > metric)
    if not above:
        return Progress(None, 0, 100)
    threshold, name = above[0]
    floor = max((t for _, t in tiers if t <= metric), default=0)
    span = max(threshold - floor, 1)
    return Progress(name, threshold - metric, max(0, min(100, (metric - floor) * 100 // span)))


def humanize(name: str) -> str:
    """``review_left`` → ``Review left``; Segment names ("Product Viewed") stay as they are."""
    words = name.replace("_", " ").replace(".", " ").split()
    if not words:
        return ""
    text = " ".join(words)
    return text if any(c.isupper() for c in text) else text[0].upper() + text[1:]


def entry_words(kind: str, points: int, points_name: str, *, reason: str | None,
                reward: str | None, order: str | None) -> tuple[str, str]:
    """(what happened, the detail line) of one ledger entry."""
    amount = f"{abs(points):,} {points_name}"
    if kind == "earn" and order is None and reason and reason.startswith("event:"):
        return f"Bonus: {amount}", humanize(reason.removeprefix("event:"))
    titles = {"earn": f"Earned {amount}", "redeem": f"Spent {amount}",
              "reverse": f"{amount} taken back", "refund_credit": f"{amount} returned",
              "expire": f"{amount} expired",
              "adjust": f"{'Added' if points >= 0 else 'Removed'}: {amount}"}
    details = {"redeem": reward or "Paid with points",
               "reverse": "After a refund", "refund_credit": "After a refund",
               "expire": "Unused points expire", "adjust": "Adjusted by the store"}
    detail = details.get(kind, "")
    if order:
        detail = f"{detail} · {order}" if detail else order
    return titles.get(kind, f"{amount}"), detail
