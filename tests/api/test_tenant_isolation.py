"""No brand ever sees another's data: every table carries workspace_id, and every API route
walked with workspace B's key against workspace A's ids answers 404 (never A's data)."""

import re

import pytest

from activereach.models import Base
from tests.conftest import add_location, order_body
from tests.cashier.conftest import cashier_ids
from tests.catalog.conftest import catalog_ids
from tests.loyalty.conftest import loyalty_ids
from tests.pipes.conftest import pipe_ids

# Tables that belong to no tenant, and why.
EXEMPT_TABLES = {"workspaces": "the tenant table itself", "alembic_version": "migration bookkeeping"}
# Routes that take no workspace credential at all (they authenticate otherwise).
# (Provider status webhooks authenticate by the provider's signature, not a workspace key.)
# Path parameters that name a kind of thing (the same for every brand), not a brand's record.
NAME_PARAMS = {"channel"}
PUBLIC_PREFIXES = ("/healthz", "/readyz", "/metrics", "/v1/pos/pair", "/v1/messaging/webhooks/")


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
    loyalty = await loyalty_ids(client, tenant)  # a member, reward and hold of this workspace
    catalog = await catalog_ids(client, tenant, loc["id"])  # tax class, product, variant, import
    pipes = await pipe_ids(client, tenant)  # a webhook pipe and one of its deliveries
    cashier = await cashier_ids(client, tenant)  # a staff member (PIN sign-in)
    await client.put("/v1/messaging/channels/sms", headers=tenant.admin,
                     json={"provider": "console", "settings": {}})
    destination = (await client.post("/v1/destinations", headers=tenant.admin, json={
        "kind": "webhook", "name": "Warehouse", "event_types": ["order_completed"],
        "settings": {"url": "https://hooks.example.com/activereach"}})).json()
    return {**loyalty, **catalog, **pipes, **cashier, "order_id": order["order_id"],
            "destination_id": destination["id"],
            "contact_id": order["contact_id"], "code": order["bill"]["code"],
            "location_id": loc["id"], "terminal_pk": term["id"], "key_id": keys[0]["id"],
            "channel": "sms", "outlet": loc["id"],
            # a message row exists only after the receipt job runs; an id of the right shape
            # still proves the route answers 404 rather than another brand's data
            "message_id": "msg_00000000000000000000000000",
            # a till's own id for a sale (API orders have none): the route must still refuse
            "client_order_id": "0190f3a2-7c1e-7d00-8000-000000000001"}


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
            # Short words such as a channel name ("sms") are not identifiers: skip them.
            leaked = [name for name, value in ids.items() if value and len(value) >= 8
                      and value in text and value not in url]
            assert not leaked, f"{method.upper()} {path} leaked workspace A's {leaked}"
            assert response.status_code < 500, f"{method.upper()} {path}: {text}"
            if set(params) - NAME_PARAMS:
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
