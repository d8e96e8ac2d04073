"""Error replies the analytics SDKs can read, on the collection routes only.

Our error shape is ``{"error": {"code", "message", "details"}}`` (docs/api.md). rudder-sdk-python
2.1.9 reads ``payload["code"]`` and ``payload["message"]`` at the top level of any non-200 reply;
their absence raised ``KeyError`` there, outside its ``APIError`` handling, and its back-off then
retried a permanent 4xx as if the network had failed. Segment's Python SDK reads the same keys
(and falls back to "unknown"). So on the collection routes every JSON error reply also carries
``code`` and ``message`` at the top level, copied from ``error``: a superset of our shape, which
clients that read ``error`` do not notice. Errors made before any route runs (the body guard's
413, the rate limiter's 429, auth's 401) pass through here too: this wraps the whole stack.
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# The paths an SDK posts to (``/v1/batch`` and Segment's single-call endpoints).
SDK_PATHS = frozenset({"/v1/batch", "/v1/track", "/v1/identify", "/v1/page", "/v1/screen",
                       "/v1/alias", "/v1/group"})


def with_top_level(body: bytes) -> bytes:
    """``body`` with ``code``/``message`` lifted from ``error``; unchanged if not our shape."""
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError:
        return body
    error = payload.get("error") if isinstance(payload, dict) else None
    if not isinstance(error, dict):
        return body
    payload.setdefault("code", error.get("code"))
    payload.setdefault("message", error.get("message"))
    return orjson.dumps(payload)


class SdkErrorShape:
    """Adds the top-level keys to error replies (status ≥ 400) on ``SDK_PATHS``. Only those
    replies are buffered; they are small, and successful replies stream through untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].rstrip("/") not in SDK_PATHS:
            await self.app(scope, receive, send)
            return
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] >= 400:
                start.update(message)
                return
            if not start or message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = with_top_level(b"".join(chunks))
            headers = [(name, str(len(body)).encode() if name == b"content-length" else value)
                       for name, value in start.get("headers", [])]
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, capture)
