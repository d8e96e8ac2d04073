"""No brand ever sees another's data: every table carries workspace_id, and every API route
walked with workspace B's key against workspace A's ids answers 404 (never A's data)."""

import re

import pytest

from activereach.models import Base
from tests.conftest import add_location, order_body

# Tables that belong to no tenant, and why.
EXEMPT_TABLES = {"workspaces": "the tenant table itself", "alembic_version": "migration bookkeeping"}
# Routes that take no workspace credential at all (they authenticate otherwise).
PUBLIC_PREFIXES = ("/healthz", "/readyz", "/metrics", "/v1/pos/pair")


def test_every_table_carries_workspace_id() -> None:
    missing = [name for name, table in Base.metadata.tables.items()
               if "workspace_id" not in table.columns and name not in EXEMPT_TABLES]
    assert missing == [], f"tables without workspace_id (add it or exempt with a reason): {missing}"


async def _workspace_a(client, tenant) -> dict[str, str]:  # type: ignore[no-untyped-def]
    loc = await add_location(client, tenant)
    term = (await client.post(f"/v1/locations/{loc['id']}/terminals", headers=tenant.admin,
                              json={"terminal_id": "T1"})).json()
    order = (await client.post("/v1/orders", headers=tenant.admin,
                               json=order_body(location=loc["id"]))).json()
    keys = (await client.get("/v1/api-keys", headers=tenant.admin)).json()
    return {"order_id": order["order_id"], "contact_id": order["contact_id"],
            "location_id": loc["id"], "terminal_pk": term["id"], "key_id": keys[0]["id"]}


@pytest.fixture
async def two_tenants(client, make_tenant):  # type: ignore[no-untyped-def]
    a, b = await make_tenant(), await make_tenant()
    ids = await _workspace_a(client, a)
    await _workspace_a(client, b)
    return a, b, ids


async def test_every_route_with_another_workspaces_key_gives_404_and_no_data(client, app,
                                                                              two_tenants) -> None:
    a, b, ids = two_tenants
    spec = app.openapi()
    unmapped: list[str] = []
    checked = 0
    for path, methods in spec["paths"].items():
        if path.startswith(PUBLIC_PREFIXES):
            continue
        params = re.findall(r"{(\w+)}", path)
        unmapped += [f"{path}:{p}" for p in params if p not in ids]
        url = path
        for param in params:
            url = url.replace("{" + param + "}", ids.get(param, "zz_unknown"))
        for method in methods:
            response = await client.request(method.upper(), url, headers=b.admin, json={})
            text = response.text
            # Echoing the id the caller sent is not a leak; any other id of A's would be.
            leaked = [name for name, value in ids.items() if value and value in text
                      and value not in url]
            assert not leaked, f"{method.upper()} {path} leaked workspace A's {leaked}"
            assert response.status_code < 500, f"{method.upper()} {path}: {text}"
            if params:
                assert response.status_code in {404, 401, 403, 422}, \
                    f"{method.upper()} {path} answered {response.status_code} for another brand's id"
                if method == "get":
                    assert response.status_code in {404, 401, 403}, f"GET {path}: {text}"
            checked += 1
    assert unmapped == [], f"give the walk an id of workspace A for: {unmapped}"
    assert checked >= 15

    # The owner still sees its own data through the same routes.
    mine = await client.get(f"/v1/orders/{ids['order_id']}", headers=a.admin)
    assert mine.status_code == 200


async def test_a_revoked_key_stops_working(client, tenant) -> None:
    created = (await client.post("/v1/api-keys", headers=tenant.admin,
                                 json={"kind": "admin", "name": "temp"})).json()
    headers = {"Authorization": f"Bearer {created['secret']}"}
    assert (await client.get("/v1/locations", headers=headers)).status_code == 200
    await client.delete(f"/v1/api-keys/{created['id']}", headers=tenant.admin)
    assert (await client.get("/v1/locations", headers=headers)).status_code == 401
    listed = (await client.get("/v1/api-keys", headers=tenant.admin)).json()
    assert all("secret" not in k or k["secret"] is None for k in listed)


async def test_write_key_cannot_use_admin_routes(client, tenant) -> None:
    response = await client.get("/v1/locations", headers={"Authorization": f"Bearer {tenant.write_key}"})
    assert response.status_code == 403
    assert (await client.get("/v1/locations")).status_code == 401
