"""HTTP routes for Segment-spec events (write key): ``/v1/batch`` and the single calls.

What an SDK sees is the HTTP status: 200 means "delivered, forget it", 4xx "never send this
again", 5xx and 429 "send it again later". So a reply is 200 only when every message was stored
(or was a retry of one stored); a batch with any rejected message is a 400 whose verdicts say
which messages were kept; a failure of ours (the database) is a 5xx for the whole request and
the retry is answered ``duplicate`` for what was kept (docs/api.md, "Online events").
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from activereach.collect.batch import process_batch
from activereach.collect.envelope import BATCH_LIMIT_BYTES
from activereach.collect.schemas import CALL_TYPES, BatchIn
from activereach.kit.error_docs import ERROR_SCHEMA
from activereach.kit.errors import (BadRequest, PayloadTooLarge, Unprocessable,
                                    UnsupportedMediaType)
from activereach.kit.http import write
from activereach.tenancy.auth import WriterAuth

router = APIRouter(prefix="/v1", tags=["events"])

_VERDICTS = {"type": "object", "required": ["accepted", "rejected", "results"],
             "properties": {"accepted": {"type": "integer"}, "rejected": {"type": "integer"},
                            "results": {"type": "array", "items": {"type": "object"}},
                            "error": ERROR_SCHEMA["properties"]["error"]}}
# A batch with a rejected message answers 400 with the per-message verdicts (and an ``error``
# saying how many); a body that is not a batch at all answers 400 with the common error shape.
_BATCH_400 = {"description": "a message rejected (verdicts), or a malformed body (error)",
              "content": {"application/json": {"schema": {"anyOf": [_VERDICTS, ERROR_SCHEMA]}}}}


# The body is read as JSON when declared JSON, undeclared, or declared a form: RudderStack's
# Node SDK (3.0.13) declares its gzip JSON application/x-www-form-urlencoded. Anything else
# (text/plain …) is refused, not guessed at.
_READ_AS_JSON = {"", "application/x-www-form-urlencoded"}
_JSON_BODY = {"requestBody": {"required": True, "content": {"application/json": {
    "schema": BatchIn.model_json_schema(by_alias=True)}}}}


async def _json_body(request: Request) -> Any:
    """The (decompressed) body as JSON, after the batch size check (Segment's 500 KB)."""
    declared = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if declared not in _READ_AS_JSON and not declared.endswith("json"):
        raise UnsupportedMediaType(f"Content-Type {declared!r}: send application/json")
    raw = getattr(request.state, "raw_body", None)
    if raw is None:
        raw = await request.body()
    if len(raw) > BATCH_LIMIT_BYTES:
        raise PayloadTooLarge(f"a batch may carry at most {BATCH_LIMIT_BYTES} bytes of JSON")
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise BadRequest("body is not valid JSON", code="malformed_json",
                         details=[{"field": "body", "message": str(exc)}]) from exc


def _batch(data: Any) -> BatchIn:
    try:
        return BatchIn.model_validate(data)
    except ValidationError as exc:
        details = [{"field": ".".join(str(p) for p in err["loc"]) or "body",
                    "message": err["msg"]} for err in exc.errors()]
        raise Unprocessable(f"{details[0]['field']}: {details[0]['message']}",
                            details=details) from exc


def _reply(verdicts: list[dict[str, Any]], *, single: bool = False) -> JSONResponse:
    accepted = sum(1 for v in verdicts if v["status"] == 200)
    body: dict[str, Any] = {"accepted": accepted, "rejected": len(verdicts) - accepted,
                            "results": verdicts}
    if accepted == len(verdicts):
        return JSONResponse(body)
    refused = [v for v in verdicts if v["status"] != 200]
    first = refused[0]["error"]
    body["error"] = {
        "code": first["code"] if single else "messages_rejected",
        "message": first["message"] if single else
        f"{len(refused)} of {len(verdicts)} messages rejected (the others were kept): "
        f"batch[{refused[0]['index']}]: {first['message']}",
        "details": [{"field": f"batch[{v['index']}]", "message": v["error"]["message"],
                     "code": v["error"]["code"]} for v in refused]}
    return JSONResponse(body, status_code=refused[0]["status"] if single else 400)


@router.post("/batch", responses={400: _BATCH_400}, openapi_extra=_JSON_BODY)
async def post_batch(principal: WriterAuth, request: Request) -> Any:
    """Per-message verdicts; 200 when every message was kept, else 400 naming the rejected."""
    body = _batch(await _json_body(request))
    verdicts = await write(request, lambda s: process_batch(s, principal.workspace, body))
    return _reply(verdicts)


def _single_route(call_type: str) -> None:
    async def post_call(principal: WriterAuth, request: Request) -> Any:
        message = await _json_body(request)
        if not isinstance(message, dict):
            raise Unprocessable.field("body", "a message is a JSON object")
        batch = BatchIn(batch=[{**message, "type": call_type}], sentAt=message.get("sentAt"))
        verdicts = await write(request, lambda s: process_batch(s, principal.workspace, batch))
        return _reply(verdicts, single=True)

    post_call.__name__ = f"post_{call_type}"
    post_call.__doc__ = (f"One ``{call_type}`` call (Segment's HTTP API): the verdict, with its "
                         "status as the reply's status.")
    single = {"requestBody": {"required": True, "content": {"application/json": {
        "schema": {"type": "object", "description": f"one {call_type} message"}}}}}
    router.post(f"/{call_type}", responses={400: _BATCH_400}, openapi_extra=single)(post_call)


for _type in CALL_TYPES:
    _single_route(_type)
