"""Pure messaging rules: channel order, reachability, the status machine, DLT text, backoff."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

CHANNELS = ("whatsapp", "sms", "email")
# Fallback order after the cashier's choice, the preference and the default.
FALLBACK_ORDER = ("whatsapp", "sms", "email")
# Cashier choices that mean "no digital receipt".
NO_DIGITAL = ("print", "none")

# queued < sent < delivered < read; ``failed`` may still be overtaken by delivered/read
# (multi-device WhatsApp can report delivered after failed).
STATUS_RANK = {"queued": 0, "sent": 1, "delivered": 2, "read": 3}
STATUSES = (*STATUS_RANK, "failed")

OPT_OUT_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "END", "QUIT", "REVOKE", "OPTOUT",
                           "CANCEL", "OPT OUT"})
OPT_IN_WORDS = frozenset({"START", "UNSTOP", "YES"})

DLT_VAR = "{#var#}"
DLT_VAR_MAX = 30
RETRY_DELAYS = (5, 30, 120, 600, 1800)
MAX_RETRY_AFTER = 3600


def default_channel(country: str | None) -> str:
    """WhatsApp when the workspace is in India, SMS elsewhere."""
    return "whatsapp" if (country or "").upper() == "IN" else "sms"


def channel_order(*, chosen: str | None, preferred: str | None, country: str | None) -> list[str]:
    """Channels to try, best first: cashier's choice, contact preference, default, fallbacks."""
    order: list[str] = []
    for channel in (chosen, preferred, default_channel(country), *FALLBACK_ORDER):
        if channel in CHANNELS and channel not in order:
            order.append(channel)
    return order


@dataclass(frozen=True)
class Reach:
    """What we know about one contact: addresses, consent per channel, configured channels."""

    phone: str | None = None
    email: str | None = None
    opted_out: frozenset[str] = frozenset()
    configured: frozenset[str] = frozenset()
    invalid: frozenset[str] = frozenset()   # channels that failed permanently for this order


def address_for(channel: str, reach: Reach) -> str | None:
    return reach.email if channel == "email" else reach.phone


def unreachable_reason(channel: str, reach: Reach) -> str | None:
    """Why ``channel`` cannot carry this receipt, or None when it can."""
    if channel not in reach.configured:
        return "channel_not_configured"
    if address_for(channel, reach) is None:
        return "no_email" if channel == "email" else "no_phone"
    if channel in reach.opted_out:
        return "opted_out"
    if channel in reach.invalid:
        return "failed_permanently"
    return None


@dataclass
class Plan:
    channel: str | None
    recipient: str | None
    skipped: list[dict[str, str]] = field(default_factory=list)

    @property
    def reason(self) -> str:
        """One line explaining why there is no channel (the recorded reason)."""
        if not self.skipped:
            return "no_channel"
        return "; ".join(f"{s['channel']}: {s['reason']}" for s in self.skipped)


def plan(order: list[str], reach: Reach) -> Plan:
    """The first reachable channel along ``order``, with the reasons the others were skipped."""
    skipped: list[dict[str, str]] = []
    for channel in order:
        reason = unreachable_reason(channel, reach)
        if reason is None:
            return Plan(channel, address_for(channel, reach), skipped)
        skipped.append({"channel": channel, "reason": reason})
    return Plan(None, None, skipped)


def next_status(current: str, incoming: str) -> str | None:
    """The status to move to, or None when ``incoming`` is a duplicate or would move backwards."""
    if incoming not in STATUSES or incoming == current:
        return None
    if incoming == "failed":
        return "failed" if STATUS_RANK.get(current, 99) <= STATUS_RANK["sent"] else None
    if current == "failed":
        return incoming if incoming in ("delivered", "read") else None
    return incoming if STATUS_RANK[incoming] > STATUS_RANK[current] else None


class DltError(ValueError):
    """SMS text that a DLT scrubber would drop; the message names the variable."""


def dlt_render(template: str, values: list[str]) -> str:
    """Fill ``{#var#}`` placeholders in order, enforcing the DLT limits on each value."""
    parts = template.split(DLT_VAR)
    if len(parts) - 1 != len(values):
        raise DltError(f"template has {len(parts) - 1} {DLT_VAR} placeholders, "
                       f"{len(values)} variables given")
    out = [parts[0]]
    for index, (value, tail) in enumerate(zip(values, parts[1:], strict=True)):
        check_dlt_value(index + 1, value)
        out.extend([value, tail])
    return "".join(out)


def check_dlt_value(position: int, value: str) -> None:
    if len(value) > DLT_VAR_MAX:
        raise DltError(f"variable {position} is {len(value)} characters; DLT allows "
                       f"{DLT_VAR_MAX}: {value!r}")
    if any(ch in value for ch in "\n\r\t<>"):
        raise DltError(f"variable {position} contains a newline, tab, '<' or '>'")
    if "  " in value:
        raise DltError(f"variable {position} contains a double space")


def dlt_matches(template: str, text: str) -> bool:
    """True when ``text`` is exactly ``template`` with each placeholder ≤ 30 characters."""
    pattern = "".join(
        re.escape(part) if part != DLT_VAR else f"(.{{0,{DLT_VAR_MAX}}})"
        for part in re.split(f"({re.escape(DLT_VAR)})", template))
    return re.fullmatch(pattern, text, flags=re.DOTALL) is not None


def keyword(text: str | None) -> str | None:
    """``opt_out`` / ``opt_in`` for an inbound reply that is one of the keywords, else None."""
    word = " ".join((text or "").strip().upper().split())
    if word in OPT_OUT_WORDS:
        return "opt_out"
    if word in OPT_IN_WORDS:
        return "opt_in"
    return None


def retry_delay(attempt: int, retry_after: float | None = None) -> float | None:
    """Seconds before retry number ``attempt`` (1-based), honouring Retry-After; None = give up."""
    if attempt > len(RETRY_DELAYS):
        return None
    if retry_after is not None and retry_after >= 0:
        return min(float(retry_after), MAX_RETRY_AFTER)
    return float(RETRY_DELAYS[attempt - 1])


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After in seconds (the HTTP-date form is rare for APIs; it is treated as absent)."""
    if not value:
        return None
    try:
        return max(0.0, float(value.strip()))
    except ValueError:
        return None
