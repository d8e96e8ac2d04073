"""The error shape (DESIGN.md §3) declared in OpenAPI for every operation.

Every route can answer these through the app-wide handlers (auth, lookups, body guard, rate
limits), so they are declared once on the app rather than route by route; clients and the
schemathesis fuzz suite (tests/fuzz) then see every status the API really returns.  The schema
is given as explicit ``application/json`` content (not a ``model``) because FastAPI would
otherwise document errors of an HTML route (the bill preview) as ``text/html``.
"""

from __future__ import annotations

from typing import Any

ERROR_SCHEMA: dict[str, Any] = {
    "title": "Error", "type": "object", "required": ["error"],
    "properties": {"error": {
        "type": "object", "required": ["code", "message"],
        "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                       "details": {"description": "field errors or context; may be null"}}}},
}

_WHEN = {
    400: "Malformed request: body not JSON, nested too deep, or a bad value",
    401: "Missing or invalid credential (or an unsigned webhook delivery)",
    403: "The credential may not do this",
    404: "No such resource in this workspace",
    409: "Conflicts with the current state",
    413: "Request body over the configured limit",
    415: "Unsupported content type",
    422: "Validation failed; details name the fields",
    429: "Rate limited; see Retry-After",
}

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"description": text, "content": {"application/json": {"schema": ERROR_SCHEMA}}}
    for status, text in _WHEN.items()}

# Idempotent create routes answer 201 the first time and 200 for a replay: both are declared.
REPLAYED: dict[int | str, dict[str, Any]] = {
    200: {"description": "Replay: the thing already existed; the same reply as when created"}}
CREATED: dict[int | str, dict[str, Any]] = {201: {"description": "Created"}}
