"""Serves the built cashier app: the shell (no-cache), the service worker and hashed assets.

The service worker is templated here with the precache list and a version hash of the build,
so every new build ships a new worker and the till picks up the new shell on its next visit.
"""

from __future__ import annotations

import functools
import hashlib
import json
import mimetypes
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, RedirectResponse, Response

from activereach.kit.errors import AppError, NotFound

BUILD = Path(__file__).resolve().parents[1] / "static" / "build" / "cashier"
NO_CACHE = {"Cache-Control": "no-cache"}
IMMUTABLE = {"Cache-Control": "public, max-age=31536000, immutable"}
PUBLIC_FILES = {"manifest.webmanifest": "application/manifest+json", "icon.svg": "image/svg+xml"}

router = APIRouter(include_in_schema=False)


class NotBuilt(AppError):
    status_code = 503
    code = "cashier_not_built"


def _file(name: str) -> Path:
    path = BUILD / name
    try:
        found = path.is_file()
    except OSError:  # a name longer than the filesystem allows (found by tests/fuzz): a 404
        found = False
    if not found:
        if not (BUILD / "index.html").is_file():
            raise NotBuilt("the cashier app is not built: run `make install` "
                           "(npm ci + npm run build in frontend/)")
        raise NotFound(f"no such cashier file: {name}")
    return path


@functools.lru_cache(maxsize=4)
def _service_worker(stamp: float) -> tuple[str, str]:
    """(script, version) for a build; ``stamp`` (index.html mtime) invalidates the cache."""
    files = sorted(p for p in BUILD.rglob("*") if p.is_file() and p.name != "sw.js"
                   and ".vite" not in p.parts)
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.relative_to(BUILD).as_posix().encode())
        digest.update(path.read_bytes())
    version = digest.hexdigest()[:16]
    urls = ["/cashier/"] + [f"/cashier/{p.relative_to(BUILD).as_posix()}" for p in files
                            if p.name != "index.html"]
    head = f"const PRECACHE = {json.dumps(urls)};\nconst VERSION = {json.dumps(version)};\n"
    return head + (BUILD / "sw.js").read_text(encoding="utf-8"), version


@router.get("/cashier")
async def cashier_root() -> RedirectResponse:
    # the service worker's scope is /cashier/, so the app lives under the trailing slash
    return RedirectResponse("/cashier/", status_code=308)


@router.get("/cashier/")
async def cashier_shell() -> FileResponse:
    return FileResponse(_file("index.html"), media_type="text/html; charset=utf-8", headers=NO_CACHE)


@router.get("/cashier/sw.js")
async def cashier_service_worker() -> Response:
    index = _file("index.html")
    script, version = _service_worker(index.stat().st_mtime)
    return Response(script, media_type="text/javascript; charset=utf-8",
                    headers={**NO_CACHE, "X-Cashier-Build": version})


@router.get("/cashier/assets/{name}")
async def cashier_asset(name: str) -> FileResponse:
    if "/" in name or name.startswith("."):
        raise NotFound(f"no such cashier file: {name}")
    path = _file(f"assets/{name}")
    media = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return FileResponse(path, media_type=media, headers=IMMUTABLE)


@router.get("/cashier/{name}")
async def cashier_public(name: str) -> FileResponse:
    if name not in PUBLIC_FILES:
        raise NotFound(f"no such cashier file: {name}")
    return FileResponse(_file(name), media_type=PUBLIC_FILES[name], headers=NO_CACHE)
