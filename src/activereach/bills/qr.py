"""The bill's QR code: encoded once at issue time into a compact bitmap, drawn as SVG per request.

Encoding a QR (Reed–Solomon, choosing among eight masks) costs milliseconds in pure Python;
drawing 33×33 modules from stored bits costs tens of microseconds.  The bitmap (~180 bytes of
base64) lives in the immutable snapshot next to the URL it encodes.
"""

from __future__ import annotations

import base64
import re
from functools import lru_cache
from typing import Any

import segno
from markupsafe import Markup

BORDER = 2
_RUN = re.compile("1+")


def encode(url: str) -> dict[str, Any]:
    """``{"n": modules per side, "b": base64 of the row-major bitmap}``."""
    qr = segno.make(url, error="m", micro=False, boost_error=False)
    matrix = qr.matrix
    size = len(matrix)
    bits = bytearray((size * size + 7) // 8)
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark & 1:
                index = y * size + x
                bits[index >> 3] |= 0x80 >> (index & 7)
    return {"n": size, "b": base64.b64encode(bytes(bits)).decode()}


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


def svg_for(snapshot: dict[str, Any]) -> Markup:
    """The QR of a snapshot; older snapshots without a stored bitmap are encoded on the fly."""
    stored = snapshot.get("qr")
    if not isinstance(stored, dict):
        stored = encode(snapshot["url"])
    return svg(stored["b"], int(stored["n"]))
