"""ActivePOS order submission: ``POST /v1/pos/orders`` with a device token.

The till's client UUID is the idempotency key: a retry after a lost response returns the
stored reply.  Outlet and terminal come from the token, never from the body.  The token only
says which till is calling; the staff proof in the body says who rang the sale up and who
approved its discounts (``cashier/participant.py`` checks it and the till's money rules).
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import Field, field_validator

from activereach.kit.errors import Forbidden
from activereach.kit.http import write
from activereach.cashier.schemas import ProofIn
from activereach.cashier.participant import TillOrderIn
from activereach.orders.schemas import OrderIn, OrderResult
from activereach.orders.service import IngestSource, ingest_order
from activereach.tenancy.auth import DeviceAuth

router = APIRouter(prefix="/v1/pos", tags=["pos"])


class PosOrderIn(OrderIn):
    client_order_id: str = Field(min_length=36, max_length=36)
    external_id: str = Field(default="", max_length=200)
    proof: ProofIn | None = Field(default=None, description="the staff proof (docs/cashier.md)")

    @field_validator("client_order_id")
    @classmethod
    def _uuid(cls, value: str) -> str:
        return str(uuid.UUID(value))


@router.post("/orders", response_model=OrderResult, status_code=201,
             responses={200: {"description": "Replay of an order this till already sent"}})
async def submit_pos_order(body: PosOrderIn, principal: DeviceAuth, request: Request) -> Any:
    if body.location and body.location != principal.location_id:
        raise Forbidden("this till is pinned to another outlet")
    order_in = TillOrderIn.model_validate({
        **body.model_dump(exclude={"client_order_id"}),
        "external_id": body.external_id or body.client_order_id,
        "location": principal.location_id, "terminal": principal.terminal_id,
        "channel": "offline",
    }).for_terminal(principal.terminal_pk)
    src = IngestSource(workspace=principal.workspace, source="activepos",
                       client_order_id=body.client_order_id, location_id=principal.location_id,
                       terminal_id=principal.terminal_id, event_source="pos")
    result = await write(request, lambda session: ingest_order(session, src, order_in))
    return JSONResponse(result, status_code=200 if result["replayed"] else 201)
