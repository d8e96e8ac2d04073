"""HTTP route for Segment-style event batches (write key)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from activereach.collect.batch import process_batch
from activereach.collect.schemas import BatchIn
from activereach.kit.error_docs import ERROR_SCHEMA
from activereach.kit.http import write
from activereach.tenancy.auth import WriterAuth

router = APIRouter(prefix="/v1", tags=["events"])

_VERDICTS = {"type": "object", "required": ["accepted", "rejected", "results"],
             "properties": {"accepted": {"type": "integer"}, "rejected": {"type": "integer"},
                            "results": {"type": "array", "items": {"type": "object"}}}}
# A batch whose every message was rejected answers 400 with the per-message verdicts; a body
# that is not a batch at all answers 400 with the common error shape.
_BATCH_400 = {"description": "every message rejected (verdicts), or a malformed body (error)",
              "content": {"application/json": {"schema": {"anyOf": [_VERDICTS, ERROR_SCHEMA]}}}}


@router.post("/batch", responses={400: _BATCH_400})
async def post_batch(body: BatchIn, principal: WriterAuth, request: Request) -> Any:
    """Per-message verdicts; 200 when at least one message was accepted, else 400."""
    verdicts = await write(request, lambda s: process_batch(s, principal.workspace, body.batch))
    accepted = sum(1 for v in verdicts if v["status"] == 200)
    return JSONResponse(
        {"accepted": accepted, "rejected": len(verdicts) - accepted, "results": verdicts},
        status_code=200 if accepted else 400,
    )
