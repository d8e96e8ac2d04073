"""The demo brand's console owner: email fixed, password derived from the server secret."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from activereach.console.models import ConsoleUser
from activereach.console.service import find_user, hash_password, verify_password
from activereach.kit.db import utcnow
from activereach.kit.ids import new_id
from activereach.tenancy.models import Workspace

DEMO_EMAIL = "owner@brewbloom.example"


def demo_password(secret: str, workspace_id: str) -> str:
    digest = hmac.new(secret.encode(), f"console:{workspace_id}".encode(), hashlib.sha256)
    return "demo-" + digest.hexdigest()[:16]


async def seed_demo_users(session: AsyncSession, ws: Workspace, secret: str) -> dict[str, Any]:
    """Idempotent: the owner is created once; a changed secret re-derives its password."""
    password = demo_password(secret, ws.id)
    user = await find_user(session, ws.id, DEMO_EMAIL)
    if user is None:
        session.add(ConsoleUser(workspace_id=ws.id, id=new_id("usr"), email=DEMO_EMAIL,
                                name="Demo owner", role="owner", status="active",
                                password_hash=await hash_password(password), created_at=utcnow()))
        await session.flush()
    elif not await verify_password(user.password_hash, password):
        user.password_hash = await hash_password(password)
    return {"console_email": DEMO_EMAIL, "console_password": password}
