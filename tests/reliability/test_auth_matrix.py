"""Every OpenAPI route × every wrong credential (none, another brand's admin key, a revoked key,
a write key where an admin key is needed, a revoked or another brand's device token) answers
401/403/404 and its body carries nothing of workspace A: no ids, names, emails or phones."""

from __future__ import annotations

import re
from dataclasses import dataclass

import httpx2
from fastapi.routing import APIRoute

from tests.api.test_tenant_isolation import NAME_PARAMS, _workspace_a
from tests.conftest import Tenant, add_location, order_body

REFUSED = {401, 403}
NOT_YOURS = {401, 403, 404}
# A customer only workspace A has, so finding any of these in a reply is a leak.
A_CUSTOMER = {"name": "Zephyrine Quillfeather", "email": "zephyrine.quill@example.org",
              "phone": "+91 90000 11111"}


def _auth_of(app) -> dict[tuple[str, str], set[str]]:  # type: ignore[no-untyped-def]
    """(METHOD, path) → the ``require_*`` dependencies guarding it (empty: a public route)."""
    def walk(routes, prefix=""):  # type: ignore[no-untyped-def]
        for route in routes:
            if isinstance(route, APIRoute):
                yield prefix + route.path, route
            elif hasattr(route, "original_router"):  # FastAPI ≥ 0.137 keeps routers as a tree
                yield from walk(route.original_router.routes,
                                prefix + route.include_context.prefix)

    def guards(dependant) -> set[str]:  # type: ignore[no-untyped-def]
        found: set[str] = set()
        for sub in dependant.dependencies:
            name = getattr(sub.call, "__name__", "")
            if name.startswith("require_"):
                found.add(name)
            found |= guards(sub)
        return found

    return {(method, path): guards(route.dependant)
            for path, route in walk(app.routes) for method in route.methods}


async def _pair(client: httpx2.AsyncClient, tenant: Tenant, location_id: str,
                terminal_id: str) -> tuple[str, str]:
    """A terminal of ``location_id`` and the device token a till got by pairing it."""
    term = (await client.post(f"/v1/locations/{location_id}/terminals", headers=tenant.admin,
                              json={"terminal_id": terminal_id})).json()
    code = (await client.post(f"/v1/locations/{location_id}/terminals/{term['id']}/pairing-code",
                              headers=tenant.admin)).json()["pairing_code"]
    paired = await client.post("/v1/pos/pair", json={"pairing_code": code})
    assert paired.status_code == 200, paired.text
    return term["id"], paired.json()["device_token"]


@dataclass
class World:
    ids: dict[str, str]  # workspace A's ids, by path parameter name
    secrets: dict[str, str]  # values of A that must never appear in another caller's reply
    callers: dict[str, dict[str, str]]  # case name → headers


async def _world(client: httpx2.AsyncClient, make_tenant) -> World:  # type: ignore[no-untyped-def]
    a, b = await make_tenant(), await make_tenant()
    ids = await _workspace_a(client, a)
    await _workspace_a(client, b)
    mine = await client.post("/v1/orders", headers=a.admin,
                             json=order_body(location=ids["location_id"], customer=A_CUSTOMER))
    assert mine.status_code in (200, 201), mine.text
    _, a_token = await _pair(client, a, ids["location_id"], "T-MATRIX")
    revoked_pk, revoked_token = await _pair(client, a, ids["location_id"], "T-GONE")
    await client.post(f"/v1/locations/{ids['location_id']}/terminals/{revoked_pk}/revoke",
                      headers=a.admin)
    b_location = (await client.get("/v1/locations", headers=b.admin)).json()[0]["id"]
    _, b_token = await _pair(client, b, b_location, "T-OTHER")
    spare = (await client.post("/v1/api-keys", headers=a.admin,
                               json={"kind": "admin", "name": "to revoke"})).json()
    await client.delete(f"/v1/api-keys/{spare['id']}", headers=a.admin)
    workspace = (await client.get("/v1/workspace", headers=a.admin)).json()
    secrets = {f"id:{k}": v for k, v in ids.items() if v and len(v) >= 8}
    secrets |= {"workspace_id": a.id, "slug": a.slug, "workspace_name": workspace["name"],
                "customer_name": A_CUSTOMER["name"], "customer_email": A_CUSTOMER["email"],
                "customer_phone": "9000011111", "order_id_2": mine.json()["order_id"],
                "contact_id_2": mine.json()["contact_id"], "device_token": a_token,
                "admin_key": a.admin_key, "write_key": a.write_key}
    callers = {"none": {}, "revoked_key": {"Authorization": f"Bearer {spare['secret']}"},
               "revoked_device": {"Authorization": f"Bearer {revoked_token}"},
               "write_key": a.writer, "foreign_admin": b.admin,
               "foreign_device": {"Authorization": f"Bearer {b_token}"}}
    return World(ids=ids, secrets=secrets, callers=callers)


def _expected(case: str, guards: set[str], has_ids: bool, method: str) -> set[int] | None:
    """The statuses allowed for ``case`` on a route, or None when any non-5xx answer will do
    (a public route, or a legitimate caller of a route that names none of A's records)."""
    if not guards:
        return None
    if case in {"none", "revoked_key", "revoked_device"}:
        return REFUSED
    if case == "write_key":
        return None if "require_writer" in guards else REFUSED
    device_ok = bool(guards & {"require_device", "require_admin_or_device"})
    if case == "foreign_device" and not device_ok:
        return REFUSED
    if case == "foreign_admin" and guards == {"require_device"}:
        return REFUSED
    if not has_ids:
        return None
    # A body is validated after authentication, so a foreign caller may see 422 for a POST
    # body of {}: it names only the caller's own fields, never A's data.
    return NOT_YOURS if method == "GET" else NOT_YOURS | {422}


async def test_every_route_refuses_every_wrong_credential_and_leaks_nothing(client, app,
                                                                            make_tenant) -> None:
    world = await _world(client, make_tenant)
    guards_of = _auth_of(app)
    failures: list[str] = []
    checked = 0
    for path, methods in app.openapi()["paths"].items():
        params = re.findall(r"{(\w+)}", path)
        url = path
        for param in params:
            url = url.replace("{" + param + "}", world.ids.get(param, "zz_unknown"))
        has_ids = bool(set(params) - NAME_PARAMS)
        for method in (m.upper() for m in methods):
            guards = guards_of[(method, path)]
            for case, headers in world.callers.items():
                response = await client.request(method, url, headers=headers, json={})
                checked += 1
                where = f"{case} {method} {path} → {response.status_code}"
                allowed = _expected(case, guards, has_ids, method)
                if response.status_code >= 500 or (allowed and response.status_code not in allowed):
                    failures.append(f"{where}: {response.text[:200]}")
                leaked = [name for name, value in world.secrets.items()
                          if value in response.text and value not in url]
                if leaked:
                    failures.append(f"{where} leaked workspace A's {leaked}")
    assert failures == [], "\n".join(failures)
    assert checked >= 6 * 100


async def test_device_token_is_refused_by_admin_routes_and_admin_key_by_device_routes(
        client, tenant) -> None:
    location = await add_location(client, tenant)
    _, token = await _pair(client, tenant, location["id"], "T-OWN")
    device = {"Authorization": f"Bearer {token}"}
    assert (await client.get("/v1/pos/me", headers=device)).status_code == 200
    assert (await client.get("/v1/api-keys", headers=device)).status_code in REFUSED
    assert (await client.get("/v1/locations", headers=device)).status_code in REFUSED
    assert (await client.get("/v1/pos/me", headers=tenant.admin)).status_code in REFUSED
    assert (await client.get("/v1/pos/me", headers=tenant.writer)).status_code in REFUSED
