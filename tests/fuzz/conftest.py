"""Fixtures of the fuzz suite: one seeded workspace (real ids for path parameters, an admin key,
a write key and a paired device token) built once per module, and a client on the app."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import httpx2
import pytest

from activereach.kit.db import unit_of_work
from activereach.tenancy.workspaces import create_workspace
from tests.api.test_tenant_isolation import _workspace_a
from tests.conftest import SignedTill, Tenant
from tests.reliability.test_auth_matrix import _pair
from tests.support import client_address


@dataclass
class Seeded:
    tenant: Tenant
    ids: dict[str, str]      # real ids of this workspace, by path parameter name
    device: dict[str, str]   # headers of a paired till of ``ids["location_id"]``
    till: SignedTill         # the same till with a cashier signed in (signs POS orders)


@pytest.fixture(scope="module")
async def seeded(app, db) -> Seeded:  # type: ignore[no-untyped-def]
    """A workspace with one of everything (location, terminal, order, member, product, pipe …)."""
    slug = "fz" + uuid.uuid4().hex[:12]
    data = await unit_of_work(db, lambda s: create_workspace(
        s, slug=slug, name=f"Fuzz {slug}", country="IN", currency="INR", timezone="Asia/Kolkata"))
    tenant = Tenant(data)
    transport = httpx2.ASGITransport(app=app, client=client_address())
    async with httpx2.AsyncClient(transport=transport, base_url="http://testserver") as client:
        ids = await _workspace_a(client, tenant)
        _, token = await _pair(client, tenant, ids["location_id"], "T-FUZZ")
        device = {"Authorization": f"Bearer {token}"}
        till = SignedTill({"id": ids["location_id"]}, device)
        await till.sign_in(client, tenant, "Fuzz Cashier")
        # DELETE /v1/api-keys/{key_id} gets a spare key: revoking the admin key the fuzzer
        # itself uses would turn every later operation into a 401.
        spare = await client.post("/v1/api-keys", headers=tenant.admin,
                                  json={"kind": "admin", "name": "fuzz spare"})
        assert spare.status_code == 201, spare.text
        ids["key_id"] = spare.json()["id"]
    return Seeded(tenant=tenant, ids=ids, device=device, till=till)
