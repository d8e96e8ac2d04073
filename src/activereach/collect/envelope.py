"""Pure rules for what surrounds a message: sizes, the batch's shared context, Segment's
timestamp correction, what of the context is kept, and a message's content digest.

No I/O here; ``collect.batch`` applies these to each message.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import orjson

# Segment's limits: 500 KB a batch request, 32 KB a message (its HTTP API docs). RudderStack's
# Node SDK flushes at 450 KB for the same reason. Counted on the decompressed JSON.
BATCH_LIMIT_BYTES = 500 * 1024
MESSAGE_LIMIT_BYTES = 32 * 1024

# Context keys kept on the stored event. ``traits`` go to the profile instead (kept there, not
# twice); everything else the SDK sent (ip, page, library, userAgent, locale …) is kept as is.
_CONTEXT_NOT_KEPT = {"traits"}

# What a retry of the same message may change without being "other content": transport fields.
_VOLATILE = {"sentAt", "receivedAt", "writeKey", "context", "integrations", "channel"}


def message_size(raw: object) -> int:
    return len(orjson.dumps(raw))


def with_batch_envelope(raw: dict[str, Any], context: dict[str, Any] | None,
                        integrations: dict[str, Any] | None) -> dict[str, Any]:
    """A batch-level ``context``/``integrations`` apply to each message; the message's own keys
    win, and ``context.traits`` merge key by key (the message's win)."""
    if not context and not integrations:
        return raw
    merged = dict(raw)
    if context:
        own = _dict(raw.get("context"))
        combined = {**context, **own}
        shared, mine = context.get("traits"), own.get("traits")
        if isinstance(shared, dict) and isinstance(mine, dict):
            combined["traits"] = {**shared, **mine}
        merged["context"] = combined
    if integrations:
        merged["integrations"] = {**integrations, **_dict(raw.get("integrations"))}
    return merged


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def parse_time(value: object) -> dt.datetime | None:
    """A ``sentAt`` as SDKs send it (ISO-8601, ``Z`` or an offset); anything else is ignored:
    a bad transport stamp must not lose the message, it only loses the clock correction."""
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else None
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


def corrected_time(claimed: dt.datetime | None, sent_at: dt.datetime | None,
                   received: dt.datetime) -> dt.datetime:
    """Segment's rule: ``timestamp = receivedAt − (sentAt − originalTimestamp)``. ``claimed`` and
    ``sentAt`` come from the same client clock, so their difference is right even when the clock
    is hours off; the server's receive time anchors it. Without ``sentAt`` the claim stands.
    Nothing happened after it reached us: a later result is the receive time."""
    if claimed is None:
        return received
    stamped = received - (sent_at - claimed) if sent_at is not None else claimed
    return min(stamped, received)


def kept_context(context: dict[str, Any] | None) -> dict[str, Any] | None:
    if not context:
        return None
    kept = {key: value for key, value in context.items() if key not in _CONTEXT_NOT_KEPT}
    return kept or None


def content_digest(raw: dict[str, Any], traits: dict[str, Any]) -> str:
    """What must match for a reused ``messageId`` to be a retry rather than other content: the
    message without its transport fields, plus the traits it applies (context's included)."""
    content = {key: value for key, value in raw.items() if key not in _VOLATILE}
    content["_traits"] = traits
    return hashlib.sha256(orjson.dumps(content, option=orjson.OPT_SORT_KEYS)).hexdigest()
