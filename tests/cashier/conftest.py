"""Cashier test helpers: ids of this area's objects for the tenant-isolation walk."""

from __future__ import annotations

import httpx2

from tests.conftest import Tenant


async def cashier_ids(client: httpx2.AsyncClient, tenant: Tenant) -> dict[str, str]:
    """A staff member of ``tenant`` (her id is what /v1/pos/staff/{staff_id}/... takes)."""
    response = await client.post("/v1/cashier/staff", headers=tenant.admin,
                                 json={"name": "Isolation", "pin": "1357"})
    assert response.status_code in (200, 201), response.text
    return {"staff_id": response.json()["id"]}
