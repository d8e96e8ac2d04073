"""Pure till proofs: the canonical messages a till signs with a staff key, and their HMACs.

A staff key is a random 32-byte secret the server issues to one till for one staff member
after it checked that person's PIN online (``cashier/staff_keys.py``).  The till signs each
order with the cashier's key and each over-limit discount with the approving manager's key;
the server recomputes the same message from what it computed itself (line gross amounts, the
total) and compares.  A device token alone cannot produce these signatures.

The till's twin is ``frontend/cashier/src/lib/proof.ts``; both run
``tests/vectors/till_proofs.json``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

ORDER_TAG = "activepos-order-v1"
APPROVAL_TAG = "activepos-approval-v1"


@dataclass(frozen=True, slots=True)
class SignedLine:
    gross: int      # quantity × unit price, half-up (orders/rules.py)
    discount: int


@dataclass(frozen=True, slots=True)
class SignedOrder:
    """The money-relevant facts of an order, as both sides compute them."""

    client_order_id: str
    key_id: str
    offline: bool
    total: int
    lines: tuple[SignedLine, ...]
    payments: tuple[tuple[str, int], ...]   # (method lowercased, amount) in order
    hold_id: str = ""
    offline_points: int = 0
    customer_phone: str = ""


def order_message(order: SignedOrder) -> str:
    """One line per fact; ``|`` and ``\\n`` cannot occur inside the values that carry them
    (numbers, UUIDs, key ids), and free text (method, phone, hold id) is escaped."""
    lines = ",".join(f"{line.gross}:{line.discount}" for line in order.lines)
    payments = ",".join(f"{_text(method)}:{amount}" for method, amount in order.payments)
    return "\n".join([
        ORDER_TAG, order.client_order_id, order.key_id, "offline" if order.offline else "online",
        str(order.total), lines, payments, f"{_text(order.hold_id)}|{order.offline_points}",
        _text(order.customer_phone)])


def approval_message(client_order_id: str, key_id: str, line_no: int, gross: int,
                     discount: int) -> str:
    """A manager's approval of one line's discount (line 0: an order-level discount)."""
    return "\n".join([APPROVAL_TAG, client_order_id, key_id, str(line_no), f"{gross}:{discount}"])


def sign(secret: bytes, message: str) -> str:
    """HMAC-SHA256 of the message, unpadded base64url (what WebCrypto's HMAC gives, encoded)."""
    digest = hmac.new(secret, message.encode(), hashlib.sha256).digest()
    return b64encode(digest)


def verify(secret: bytes, message: str, signature: str) -> bool:
    return hmac.compare_digest(sign(secret, message), signature or "")


def b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _text(value: str) -> str:
    # the separators of the message, escaped, so two different orders never share a message
    return value.replace("%", "%25").replace(",", "%2C").replace(":", "%3A").replace(
        "|", "%7C").replace("\n", "%0A")
