"""The demo brand's till staff: a cashier and a manager, PINs derived from the server secret.

Derived (not random) so that ``activereach demo`` run again prints the same PINs and changes
nothing; a changed secret re-derives them, as the console owner's password does.
"""

from __future__ import annotations

import hashlib
import hmac

from sqlalchemy.ext.asyncio import AsyncSession

from activereach.cashier.schemas import StaffIn
from activereach.cashier.service import upsert_staff
from activereach.tenancy.models import Workspace

DEMO_STAFF = (("Kiran", "cashier"), ("Meera", "manager"))


def demo_pin(secret: str, workspace_id: str, name: str) -> str:
    """Four digits from the secret; never one a shopper would guess first (0000, 1234…)."""
    digest = hmac.new(secret.encode(), f"pin:{workspace_id}:{name}".encode(), hashlib.sha256)
    pin = f"{int(digest.hexdigest(), 16) % 9000 + 1000}"
    return pin if pin not in {"1111", "1234", "2222", "4321"} else str(int(pin) + 7)


async def seed_demo_staff(session: AsyncSession, ws: Workspace, secret: str) -> list[dict[str, str]]:
    """Brand-wide staff (every outlet); an existing member keeps its id, its PIN is re-derived."""
    staff = []
    for name, role in DEMO_STAFF:
        pin = demo_pin(secret, ws.id, name)
        await upsert_staff(session, ws.id, StaffIn(name=name, pin=pin, role=role))
        staff.append({"name": name, "role": role, "pin": pin})
    return staff
