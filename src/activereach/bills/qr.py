"""The bill's QR code: encoded once at issue time into a compact bitmap, drawn as SVG per request.

Encoding uses zxing-cpp (C++, ~0.2 ms a code; pure-Python encoders took 7–15 ms). It stays at
issue time: drawing from the stored bitmap (~180 bytes of base64 in the immutable snapshot)
keeps the bill page at 0.6× a static file, where encoding on each view measured 0.45×
(bench/notes.md). A snapshot without the bitmap is encoded from its URL.
"""

from __future__ import annotations

import base64
import re
from functools import lru_cache
from typing import Any

import zxingcpp
from markupsafe import Markup

BORDER = 2
_RUN = re.compile(b"1+")
# zxing's image has one byte per module, 0 = dark: as ASCII "1" for dark and "0" for light
_AS_DIGITS = bytes.maketrans(bytes(range(256)), b"1" + b"0" * 255)


def _modules(url: str) -> tuple[int, bytes]:
    """(modules per side, row-major b"0"/b"1" per module, 1 = dark)."""
    barcode = zxingcpp.create_barcode(url, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    image = barcode.to_image(scale=1, add_quiet_zones=False)
    # why: zxingcpp's stub leaves out Image's buffer protocol (bytes() reads it at run time)
    return image.shape[0], bytes(image).translate(_AS_DIGITS)  # type: ignore[call-overload]


def encode(url: str) -> dict[str, Any]:
    """``{"n": modules per side, "b": base64 of the row-major bitmap}``."""
    size, modules = _modules(url)
    modules += b"0" * (-len(modules) % 8)
    bits = int(modules, 2).to_bytes(len(modules) // 8, "big")
    return {"n": size, "b": base64.b64encode(bits).decode()}


def _path(size: int, modules: bytes) -> str:
    """One path of horizontal runs: ``M x y h n v1 h -n z`` per run of dark modules."""
    parts = []
    for y in range(size):
        for run in _RUN.finditer(modules, y * size, (y + 1) * size):
            x, width = run.start() - y * size, run.end() - run.start()
            parts.append(f"M{x + BORDER} {y + BORDER}h{width}v1h-{width}z")
    return "".join(parts)


def _svg(size: int, modules: bytes) -> Markup:
    side = size + 2 * BORDER
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {side} {side}" role="img" '
        f'shape-rendering="crispEdges" aria-label="QR code of this bill">'
        f'<rect width="{side}" height="{side}" fill="#fff"/><path fill="#000" '
        f'd="{_path(size, modules)}"/></svg>')


@lru_cache(maxsize=1024)
def svg(encoded_bits: str, size: int) -> Markup:
    """The code from a stored bitmap (``encode``)."""
    bits = base64.b64decode(encoded_bits)
    return _svg(size, format(int.from_bytes(bits, "big"), f"0{len(bits) * 8}b").encode())


@lru_cache(maxsize=1024)
def _svg_of_url(url: str) -> Markup:
    return _svg(*_modules(url))


def svg_for(snapshot: dict[str, Any]) -> Markup:
    """The QR of a snapshot: from its stored bitmap, or encoded from its URL when it has none."""
    stored = snapshot.get("qr")
    if isinstance(stored, dict):
        return svg(stored["b"], int(stored["n"]))
    return _svg_of_url(snapshot["url"])
