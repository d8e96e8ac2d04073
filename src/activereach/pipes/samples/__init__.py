"""Built-in sample payloads per provider (package data) for "test with a sample order".

Which file is a provider's sample, and how it is dated, is the provider's own declaration
(``Provider.sample``, a ``providers.spec.SampleOrder``).  The providers' samples are their own
documented payloads, dated 2017–2021; each is moved forward by whole days (``restamp``) so its
newest time is today, every time keeping its format, time of day and order relative to the
others: a verbatim 2020 order is refused by the ingest time bounds
(``orders.rules.time_problem``).  Our own schema's sample is stamped with the current time: a
"test with a sample order" should land in today's dashboard.  ``square_order_updated.json`` is
Square's documented ``order.updated`` example pointed at the sample order (its id, location,
state and version).

``localise`` then makes a sample the brand's own: its currency, and line names (and SKUs) from
its catalog, so a test on an INR brand is not a USD order of "Item 1" and "Item 2".
"""

from __future__ import annotations

import datetime as dt
import json
import re
import urllib.parse
from importlib import resources
from typing import Any

from activereach.pipes.providers import get_provider

# A date-time in ISO or "2017-12-06 04:30:39" form, plain or form-encoded ("+" and "%3A").
_DATETIME = re.compile(rb"(\d{4})-(\d{2})-(\d{2})(T| |\+)(\d{2})(:|%3A)(\d{2})(:|%3A)(\d{2})")
# Epoch milliseconds between 2001 and 2033 (Clover's createdTime and friends).
_EPOCH_MS = re.compile(rb"(?<![\d.])1\d{12}(?![\d.])")


def restamp(raw: bytes, now: dt.datetime | None = None) -> bytes:
    """``raw`` with every date-time (and epoch-ms number) moved by the same whole number of days,
    so that the newest is within the last day of ``now`` (naive UTC; default: the clock)."""
    stamps = [(m, _naive(m)) for m in _DATETIME.finditer(raw)]
    if not stamps:
        return raw
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    shift = dt.timedelta(days=(now - max(when for _, when in stamps)).days)
    if not shift:
        return raw

    def moved(match: re.Match[bytes]) -> bytes:
        when = _naive(match) + shift
        _, _, _, sep, _, colon, _, colon2, _ = (g.decode() for g in match.groups())
        return (f"{when:%Y-%m-%d}{sep}{when:%H}{colon}{when:%M}{colon2}{when:%S}").encode()

    raw = _DATETIME.sub(moved, raw)
    millis = int(shift.total_seconds() * 1000)
    return _EPOCH_MS.sub(lambda m: str(int(m.group()) + millis).encode(), raw)


def _naive(match: re.Match[bytes]) -> dt.datetime:
    year, month, day, _, hour, _, minute, _, second = match.groups()
    return dt.datetime(int(year), int(month), int(day), int(hour), int(minute), int(second))


def sample(provider: str) -> tuple[bytes, str, str]:
    """(raw body, payload kind, content type) of the provider's sample order, dated today."""
    adapter = get_provider(provider)
    declared = adapter.sample
    raw = resources.files(__package__).joinpath(declared.file).read_bytes()
    raw = _restamped(raw) if declared.dating == "now" else restamp(raw)
    if declared.sent_at:
        # A sample is a delivery sent now: an hours-old signed send time is refused as stale.
        sent = dt.datetime.now(dt.UTC).strftime(declared.sent_at_format).encode()
        leading = re.compile(rb'^(\{\s*"' + re.escape(declared.sent_at.encode())
                             + rb'"\s*:\s*")[^"]*(")')
        raw = leading.sub(lambda m: m.group(1) + sent + m.group(2), raw, count=1)
    return (raw, declared.kind, adapter.content_type)


def _restamped(raw: bytes) -> bytes:
    body = json.loads(raw)
    india = dt.timezone(dt.timedelta(hours=5, minutes=30))
    stamp = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(minutes=5)
    body["occurred_at"] = stamp.astimezone(india).isoformat()
    return json.dumps(body, indent=2).encode()


# Where providers' samples keep a currency code, and their line items (Clover nests its lines
# in ``lineItems.elements``); names and SKUs of the lines are swapped for the brand's own.
_CURRENCY_KEYS = frozenset({"currency", "currency_code", "presentment_currency"})
_LINE_LISTS = frozenset({"line_items", "lines", "selections", "register_sale_products"})
_NAME_KEYS = ("name", "title", "displayName")


def localise(raw: bytes, currency: str, items: list[tuple[str, str | None]]) -> bytes:
    """A sample made to look like the brand's own sale: every currency code in it is the brand's
    ``currency``, and its line names (and SKUs, where the sample has them) are ``items`` —
    (name, sku) from the brand's catalog — in turn.  Amounts are unchanged.  A form-encoded
    body (Lightspeed's ``payload=<json>``) is rewritten inside its JSON field."""
    if raw.startswith(b"payload="):
        fields = urllib.parse.parse_qs(raw.decode(), keep_blank_values=True)
        body = json.loads(fields["payload"][0])
        _walk(body, "", currency.upper(), items)
        fields["payload"] = [json.dumps(body, separators=(",", ":"))]
        return urllib.parse.urlencode(fields, doseq=True).encode()
    try:
        body = json.loads(raw)
    except ValueError:
        return raw
    _walk(body, "", currency.upper(), items)
    return json.dumps(body, indent=2).encode()


def _walk(node: Any, key: str, currency: str, items: list[tuple[str, str | None]]) -> None:
    if isinstance(node, dict):
        for name, value in node.items():
            if name in _CURRENCY_KEYS and isinstance(value, str) and len(value) == 3:
                node[name] = currency
            elif name == "elements" and key == "lineItems" and isinstance(value, list):
                _lines(value, currency, items)
            elif name in _LINE_LISTS and isinstance(value, list):
                _lines(value, currency, items)
            else:
                _walk(value, name, currency, items)
    elif isinstance(node, list):
        for value in node:
            _walk(value, key, currency, items)


def _lines(lines: list[Any], currency: str, items: list[tuple[str, str | None]]) -> None:
    for index, line in enumerate(lines):
        if isinstance(line, dict) and items:
            name, sku = items[index % len(items)]
            named = [key for key in _NAME_KEYS if isinstance(line.get(key), str)]
            for key in named or ["name"]:   # Lightspeed's lines carry only a product id
                line[key] = name
            if sku and isinstance(line.get("sku"), str):
                line["sku"] = sku
        _walk(line, "", currency, items)
