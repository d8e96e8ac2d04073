"""The stored QR bitmap decodes back to the bill URL (packing and drawing are lossless)."""

from __future__ import annotations

import base64

import zxingcpp

from activereach.bills import qr

SCALE, QUIET = 4, 4


def _raster(encoded: dict) -> tuple[bytes, int]:
    """Rebuild a grey-scale image from the stored bits, with a quiet zone, for the decoder."""
    size, bits = encoded["n"], base64.b64decode(encoded["b"])
    flat = format(int.from_bytes(bits, "big"), f"0{len(bits) * 8}b")
    side = (size + 2 * QUIET) * SCALE
    rows = []
    for y in range(-QUIET, size + QUIET):
        row = bytearray()
        for x in range(-QUIET, size + QUIET):
            dark = 0 <= x < size and 0 <= y < size and flat[y * size + x] == "1"
            row += bytes([0 if dark else 255]) * SCALE
        rows.extend([bytes(row)] * SCALE)
    return b"".join(rows), side


def test_stored_bitmap_decodes_to_the_url() -> None:
    for url in ("https://brewbloom.activereach.test/b/Ab3dE9xY",
                "https://a-much-longer-brand-name.receipts.example.in/b/ZZ99aa00bb"):
        encoded = qr.encode(url)
        data, side = _raster(encoded)
        found = zxingcpp.read_barcode(zxingcpp.ImageView(data, side, side, zxingcpp.ImageFormat.Lum))
        assert found is not None and found.text == url
        assert found.ec_level == "M"


def test_svg_draws_one_path_with_a_border() -> None:
    encoded = qr.encode("https://brewbloom.activereach.test/b/Ab3dE9xY")
    svg = str(qr.svg(encoded["b"], encoded["n"]))
    side = encoded["n"] + 2 * qr.BORDER
    assert f'viewBox="0 0 {side} {side}"' in svg and svg.count("<path") == 1


def test_snapshots_with_and_without_a_stored_bitmap_draw_the_same_code() -> None:
    url = "https://brewbloom.activereach.test/b/Qr7sVg2k"
    stored = qr.svg_for({"url": url, "qr": qr.encode(url)})
    assert qr.svg_for({"url": url}) == stored
