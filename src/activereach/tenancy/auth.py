"""Request authentication: admin keys (Bearer sk_…) and write keys (X-Write-Key).

Each request is bound to exactly one workspace here; every query downstream filters by it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from activereach.kit.errors import Forbidden, Unauthorized
from activereach.kit.http import read
from activereach.tenancy.models import Workspace
from activereach.tenancy.service import authenticate


@dataclass(frozen=True)
class Principal:
    workspace: Workspace
    key_id: str
    kind: str


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def _principal(request: Request, secret: str) -> Principal:
    found = await read(request, lambda session: authenticate(session, secret))
    if found is None:
        raise Unauthorized("unknown or revoked key")
    key, workspace = found
    request.state.workspace_id = workspace.id
    return Principal(workspace=workspace, key_id=key.id, kind=key.kind)


async def require_admin(request: Request) -> Principal:
    secret = _bearer(request)
    if not secret:
        raise Unauthorized("missing Authorization: Bearer <admin key>")
    principal = await _principal(request, secret)
    if principal.kind != "admin":
        raise Forbidden("this route needs an admin key (sk_…); a write key can only send events")
    return principal


async def require_writer(request: Request) -> Principal:
    """Write keys for event ingestion; admin keys are accepted too."""
    secret = (request.headers.get("x-write-key") or request.headers.get("x-aegis-write-key")
              or _bearer(request))
    if not secret:
        raise Unauthorized("missing X-Write-Key")
    return await _principal(request, secret)


AdminAuth = Annotated[Principal, Depends(require_admin)]
WriterAuth = Annotated[Principal, Depends(require_writer)]
