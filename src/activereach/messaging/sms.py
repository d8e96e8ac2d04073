"""How an SMS text goes over the air, and whether it matches its DLT template: pure rules.

Encoding (3GPP TS 23.038): a text made only of the GSM 03.38 default alphabet and its
extension table travels as GSM-7 — each basic character is one septet, each extension
character (``^ { } \\ [ ~ ] | €`` and form feed) is an escape plus itself, two septets.  Any
other character makes the whole text UCS-2 (UTF-16), where a character outside the Basic
Multilingual Plane (most emoji) takes two code units.

Segments: one message carries 160 septets or 70 UCS-2 units; a longer text is split into
concatenated parts whose user-data header leaves 153 septets or 67 units each.  An extension
character's two septets are never split across parts, nor is a surrogate pair (carriers and
handsets do this), so the count walks the text rather than dividing.
"""

from __future__ import annotations

from dataclasses import dataclass

from activereach.messaging import rules

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")
SINGLE = {"GSM-7": 160, "UCS-2": 70}
PART = {"GSM-7": 153, "UCS-2": 67}


@dataclass(frozen=True)
class SmsInfo:
    """What the carrier sees: the encoding, the characters as typed, the units they take
    (septets or UTF-16 code units), the number of parts, and the room in one part."""

    encoding: str
    characters: int
    units: int
    segments: int
    per_segment: int

    @property
    def unicode(self) -> bool:
        return self.encoding == "UCS-2"


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def _unit_sizes(text: str, encoding: str) -> list[int]:
    """Units of each character: 1, or 2 for an extension character / a surrogate pair."""
    if encoding == "GSM-7":
        return [2 if ch in GSM7_EXTENSION else 1 for ch in text]
    return [2 if ord(ch) > 0xFFFF else 1 for ch in text]


def segments(text: str) -> SmsInfo:
    """The encoding and the number of parts ``text`` goes out as (0 parts for no text)."""
    encoding = "GSM-7" if is_gsm7(text) else "UCS-2"
    sizes = _unit_sizes(text, encoding)
    units = sum(sizes)
    if units <= SINGLE[encoding]:
        return SmsInfo(encoding, len(text), units, 1 if text else 0, SINGLE[encoding])
    room, parts, used = PART[encoding], 1, 0
    for size in sizes:
        if used + size > room:  # a two-unit character moves whole to the next part
            parts, used = parts + 1, 0
        used += size
    return SmsInfo(encoding, len(text), units, parts, room)


@dataclass(frozen=True)
class DltCheck:
    """Whether the rendered text is the registered DLT template with its variables filled."""

    ok: bool
    reason: str


def dlt_check(template: str, text: str) -> DltCheck:
    """Pass when ``text`` is ``template`` word for word with each ``{#var#}`` filled by at most
    30 characters; else the first place it departs, in words."""
    if rules.DLT_VAR not in template and template != text:
        return DltCheck(False, "the registered text has no {#var#} placeholder and differs "
                               "from the message")
    if rules.dlt_matches(template, text):
        count = template.count(rules.DLT_VAR)
        return DltCheck(True, f"matches the registered text; {count} variable"
                              f"{'s' if count != 1 else ''} filled, each within "
                              f"{rules.DLT_VAR_MAX} characters")
    return DltCheck(False, _departure(template, text))


def _departure(template: str, text: str) -> str:
    """Where the text stops following the template (fixed parts must appear in order)."""
    parts = template.split(rules.DLT_VAR)
    if not text.startswith(parts[0]):
        return f"the text does not start with the registered words {parts[0][:40]!r}"
    position = len(parts[0])
    for index, fixed in enumerate(parts[1:], start=1):
        found = text.find(fixed, position) if fixed else (len(text) if index == len(parts) - 1
                                                          else position)
        if found < 0:
            return f"the registered words {fixed[:40]!r} after variable {index} are missing"
        if found - position > rules.DLT_VAR_MAX:
            return (f"variable {index} is {found - position} characters; DLT allows "
                    f"{rules.DLT_VAR_MAX}")
        position = found + len(fixed)
    return "the text has extra words after the registered text"
