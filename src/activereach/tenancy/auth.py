"""Request authentication: admin keys (Bearer sk_…) and write keys (X-Write-Key, HTTP Basic
with the key as user name, or a Segment body's ``writeKey``).

Each request is bound to exactly one workspace here; every query downstream filters by it.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

import orjson
from fastapi import Depends, Request

from activereach.kit.cache import TenantCache
from activereach.kit.errors import Forbidden, Unauthorized
from activereach.kit.http import read
from activereach.tenancy.models import Workspace
from activereach.tenancy.pairing import authenticate_device
from activereach.tenancy.service import authenticate


@dataclass(frozen=True)
class Principal:
    """Who is calling: an admin key, a write key, or a paired till (``kind == "device"``)."""

    workspace: Workspace
    key_id: str
    kind: str
    # Set only for devices: the outlet and terminal the token is pinned to.
    location_id: str | None = None
    terminal_pk: str | None = None
    terminal_id: str | None = None


# Verified credentials, remembered briefly per process so a busy till or POS does not pay a
# database round trip per request. Revocations clear this process's entry at once and are seen
# by other processes within ``auth_cache_seconds`` (at most 60 s, the cap below). Keyed by the
# credential's hash, filed under the principal's workspace.
_CREDENTIALS: TenantCache[Principal] = TenantCache("credentials", ttl=60.0)
# A principal carries its workspace (name, currency, timezone…): a save of the workspace drops
# the workspace's credentials here at once, so the API never answers with the old settings.
_CREDENTIALS.forget_on_write(Workspace, key="id")
# One look-up per credential at a time: when an entry expires under load, the requests in
# flight wait for the first one's answer instead of each querying (a burst of 32 otherwise).
_LOADING: dict[tuple[str], asyncio.Future[Principal]] = {}
_generation = 0


def forget_credentials() -> None:
    global _generation
    _generation += 1  # a look-up already in flight may predate the revocation: not cached
    _CREDENTIALS.clear()
    _LOADING.clear()


def _cache_ttl(request: Request) -> float:
    settings = getattr(request.app.state, "settings", None)
    return settings.auth_cache_seconds if settings is not None else 2.0


async def _cached(request: Request, secret: str,
                  load: Callable[[Request, str], Awaitable[Principal]]) -> Principal:
    key = (hashlib.sha256(secret.encode()).hexdigest(),)
    principal = _CREDENTIALS.peek(key)
    if principal is None:
        principal = await _load_once(key, _cache_ttl(request), lambda: load(request, secret))
    request.state.workspace_id = principal.workspace.id
    return principal


async def _load_once(key: tuple[str], ttl: float,
                     load: Callable[[], Awaitable[Principal]]) -> Principal:
    generation, loading = _generation, _LOADING.get(key)
    if loading is None or loading.get_loop() is not asyncio.get_running_loop():
        loading = asyncio.ensure_future(load())
        _LOADING[key] = loading
        loading.add_done_callback(lambda done: _LOADING.pop(key, None)
                                  if _LOADING.get(key) is done else None)
    principal = await asyncio.shield(loading)
    if generation == _generation:  # a ttl of 0 (caching off) stores nothing
        _CREDENTIALS.put(key, principal, ttl=ttl, workspace=principal.workspace.id)
    return principal


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _basic_user(request: Request) -> str | None:
    """The user name of ``Authorization: Basic``: Segment's and RudderStack's SDKs send the
    write key there with an empty password."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic" or not token.strip():
        return None
    try:
        decoded = base64.b64decode(token.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    return decoded.partition(":")[0].strip() or None


def _body_write_key(request: Request) -> str | None:
    """``writeKey`` in a JSON body (Segment's HTTP API allows it). Read from the bytes the body
    guard kept (already decompressed), and only when no header carried a credential."""
    raw = getattr(request.state, "raw_body", None)
    if not raw or b"writeKey" not in raw:
        return None
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    key = body.get("writeKey") if isinstance(body, dict) else None
    return key.strip() if isinstance(key, str) and key.strip() else None


async def _principal(request: Request, secret: str) -> Principal:
    return await _cached(request, secret, _load_key)


async def _load_key(request: Request, secret: str) -> Principal:
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
              or _bearer(request) or _basic_user(request) or _body_write_key(request))
    if not secret:
        raise Unauthorized("missing write key: X-Write-Key, HTTP Basic (key as user name) "
                           "or the body's writeKey")
    principal = await _principal(request, secret)
    # Keys and device tokens share the verified-credential cache: without this check a device
    # token would be refused on a cache miss but accepted as a write key on a hit.
    if principal.kind == "device":
        raise Forbidden("a device token cannot send events; use a write key (wk_…)")
    return principal


async def _device(request: Request, token: str) -> Principal:
    return await _cached(request, token, _load_device)


async def _load_device(request: Request, token: str) -> Principal:
    found = await read(request, lambda session: authenticate_device(session, token))
    if found is None:
        raise Unauthorized("unknown device token; pair this till again")
    terminal, location, workspace = found
    if terminal.status != "active" or location.status != "active":
        raise Forbidden("this terminal has been revoked or its outlet is inactive")
    request.state.workspace_id = workspace.id
    return Principal(workspace=workspace, key_id=terminal.id, kind="device",
                     location_id=location.id, terminal_pk=terminal.id,
                     terminal_id=terminal.terminal_id)


async def require_device(request: Request) -> Principal:
    token = _bearer(request)
    if not token or not token.startswith("dt_"):
        raise Unauthorized("missing Authorization: Bearer <device token>")
    return await _device(request, token)


async def require_admin_or_device(request: Request) -> Principal:
    """Admin keys see every outlet; a device sees only the outlet it is pinned to."""
    token = _bearer(request)
    if token and token.startswith("dt_"):
        return await _device(request, token)
    return await require_admin(request)


AdminAuth = Annotated[Principal, Depends(require_admin)]
DeviceAuth = Annotated[Principal, Depends(require_device)]
AdminOrDeviceAuth = Annotated[Principal, Depends(require_admin_or_device)]
WriterAuth = Annotated[Principal, Depends(require_writer)]
