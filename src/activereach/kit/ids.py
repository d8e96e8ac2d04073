"""Opaque, time-ordered ids with a type prefix (``ord_01J…``).

Time-ordered so that new rows append to the end of primary-key indexes instead of scattering.
"""

from __future__ import annotations

import base64
import os
import time

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lower case
# base64's base32 encoder runs in C; this maps its alphabet onto Crockford's.
_CROCKFORD = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", _ALPHABET.encode())


def new_id(prefix: str) -> str:
    """48 bits of milliseconds then 80 random bits: 128 bits right-aligned in 26 characters
    (the first 10 hold the time exactly)."""
    value = (int(time.time() * 1000) << 80) | int.from_bytes(os.urandom(10), "big")
    # 2 leading zero bits + the 128 + 6 filler bits = 17 whole bytes; the first 26 characters
    # of their base32 are the 130-bit layout.
    encoded = base64.b32encode((value << 6).to_bytes(17, "big"))[:26]
    return f"{prefix}_{encoded.translate(_CROCKFORD).decode()}"
