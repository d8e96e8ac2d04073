"""Uploaded brand images (the bill's and the console's logo): checked by their bytes, kept in
the database, served from a content-addressed URL (``/media/{sha}.{ext}``).

The type is decided by content sniffing, never by the file name or the browser's claimed type.
PNG, JPEG and WebP are accepted; SVG is refused (it can carry script, and sanitising it safely
is a project of its own — a URL still works for a hosted SVG).
"""

from __future__ import annotations

import hashlib
import re

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.bills.models import BrandAsset
from activereach.kit.db import utcnow

MAX_LOGO_BYTES = 512 * 1024
EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}
ASSET_PATH_RE = re.compile(r"^/media/[0-9a-f]{32}\.(png|jpg|webp)$")


def sniff(data: bytes) -> str | None:
    """The image type the bytes really are, or None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def image_problem(data: bytes) -> str | None:
    """Why these bytes cannot be a logo, in people's words; None when they can."""
    if not data:
        return "Choose an image file to upload"
    if len(data) > MAX_LOGO_BYTES:
        return (f"The image is {len(data) // 1024} KiB; the limit is "
                f"{MAX_LOGO_BYTES // 1024} KiB — make it smaller and try again")
    if sniff(data) is None:
        head = data[:256].lstrip().lower()
        if head.startswith(b"<svg") or head.startswith(b"<?xml"):
            return ("SVG images are not accepted (they can carry scripts); "
                    "upload a PNG, JPEG or WebP")
        return "That file is not a PNG, JPEG or WebP image"
    return None


def asset_id(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:32]


def asset_path(asset: BrandAsset) -> str:
    return f"/media/{asset.id}.{EXTENSIONS[asset.content_type]}"


def is_asset_path(value: str) -> bool:
    return bool(ASSET_PATH_RE.match(value))


async def store_image(session: AsyncSession, workspace_id: str, data: bytes) -> BrandAsset:
    """Keep an image (checked with ``image_problem`` first); the same bytes are one row."""
    content_type = sniff(data)
    assert content_type is not None, "check image_problem() before storing"
    key = asset_id(data)
    found = await session.get(BrandAsset, (workspace_id, key))
    if found is not None:
        return found
    asset = BrandAsset(workspace_id=workspace_id, id=key, content_type=content_type,
                       size=len(data), data=data, created_at=utcnow())
    session.add(asset)
    await session.flush()
    return asset


async def find_asset(session: AsyncSession, key: str) -> BrandAsset | None:
    """By content hash alone: the URL carries no workspace, and equal bytes are equal images."""
    return await session.scalar(select(BrandAsset).where(BrandAsset.id == key).limit(1))
