"""The bill's QR code: the snapshot's URL encoded into a compact bitmap, drawn as SVG.

The code is a pure function of the URL the snapshot stores, so it is encoded when a page
shows it, not at issue time: zxing-cpp takes about 0.2 ms per code (pure-Python encoders took
7–15 ms), which was a tenth of an order's cost on the ingest path, while most bills are opened
once or never.  Recently drawn codes stay cached.  Snapshots issued before this change carry
the bitmap (``"qr"``) and are drawn from it.
"""

from __future__ import annotations

import base64
import re
from functools import lru_cache
from typing import Any

import zxingcpp
from markupsafe import Markup

BORDER = 2
_RUN = re.compile("1+")


def encode(url: str) -> dict[str, Any]:
    """``{"n": modules per side, "b": base64 of the row-major bitmap}``."""
    barcode = zxingcpp.create_barcode(url, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    image = barcode.to_image(scale=1, add_quiet_zones=False)
    size = image.shape[0]
    # one byte per module, 0 = dark; pack row-major into bits, 1 = dark
    modules = "".join("1" if value == 0 else "0" for value in bytes(image))
    modules += "0" * (-len(modules) % 8)
    bits = int(modules, 2).to_bytes(len(modules) // 8, "big")
    return {"n": size, "b": base64.b64encode(bits).decode()}


def _path(size: int, bits: bytes) -> str:
    """One path of horizontal runs: ``M x y h n v1 h -n z`` per run of dark modules."""
    flat = format(int.from_bytes(bits, "big"), f"0{len(bits) * 8}b")
    parts = []
    for y in range(size):
        row = flat[y * size:(y + 1) * size]
        for run in _RUN.finditer(row):
            width = run.end() - run.start()
            parts.append(f"M{run.start() + BORDER} {y + BORDER}h{width}v1h-{width}z")
    return "".join(parts)


@lru_cache(maxsize=1024)
def svg(encoded_bits: str, size: int) -> Markup:
    side = size + 2 * BORDER
    path = _path(size, base64.b64decode(encoded_bits))
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {side} {side}" role="img" '
        f'shape-rendering="crispEdges" aria-label="QR code of this bill">'
        f'<rect width="{side}" height="{side}" fill="#fff"/><path fill="#000" d="{path}"/></svg>')


@lru_cache(maxsize=1024)
def _svg_of_url(url: str) -> Markup:
    encoded = encode(url)
    return svg(encoded["b"], int(encoded["n"]))


def svg_for(snapshot: dict[str, Any]) -> Markup:
    """The QR of a snapshot: from its stored bitmap (older snapshots) or encoded from its URL."""
    stored = snapshot.get("qr")
    if isinstance(stored, dict):
        return svg(stored["b"], int(stored["n"]))
    return _svg_of_url(snapshot["url"])
