"""Staff PINs: hashed, idempotent by name, scoped to an outlet, locked after repeated misses."""

from __future__ import annotations

from sqlalchemy import select

from activereach.cashier.models import CashierStaff
from tests.conftest import add_location


async def _till(client, tenant, code: str = "blr-1") -> tuple[dict, dict]:  # type: ignore[no-untyped-def]
    loc = await add_location(client, tenant, code)
    term = (await client.post(f"/v1/locations/{loc['id']}/terminals", headers=tenant.admin,
                              json={"terminal_id": f"T-{code}"})).json()
    pairing = (await client.post(f"/v1/locations/{loc['id']}/terminals/{term['id']}/pairing-code",
                                 headers=tenant.admin)).json()
    paired = (await client.post("/v1/pos/pair", json={"pairing_code": pairing["pairing_code"]})).json()
    return loc, {"Authorization": f"Bearer {paired['device_token']}"}


async def test_staff_are_upserted_by_name_and_pins_are_hashed(client, tenant, db) -> None:  # type: ignore[no-untyped-def]
    body = {"name": "Asha", "pin": "1234", "role": "manager"}
    first = await client.post("/v1/cashier/staff", json=body, headers=tenant.admin)
    again = await client.post("/v1/cashier/staff", json=body, headers=tenant.admin)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"] and "pin" not in first.text
    async with db.read_session() as session:
        row = await session.scalar(select(CashierStaff).where(CashierStaff.id == first.json()["id"]))
    assert row is not None and row.pin_hash.startswith("$argon2") and "1234" not in row.pin_hash
    bad = await client.post("/v1/cashier/staff", json={"name": "B", "pin": "12a4"},
                            headers=tenant.admin)
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["field"] == "pin"
    short = await client.post("/v1/cashier/staff", json={"name": "B", "pin": "123"},
                              headers=tenant.admin)
    assert short.status_code == 422


async def test_a_till_lists_its_outlet_staff_and_checks_pins(client, tenant) -> None:  # type: ignore[no-untyped-def]
    loc, device = await _till(client, tenant)
    await add_location(client, tenant, "del-1")
    for name, where in (("Asha", None), ("Ravi", loc["code"]), ("Meera", "del-1")):
        body = {"name": name, "pin": "4321", "location": where}
        assert (await client.post("/v1/cashier/staff", json=body, headers=tenant.admin)).status_code == 201
    staff = (await client.get("/v1/pos/staff", headers=device)).json()["data"]
    assert [s["name"] for s in staff] == ["Asha", "Ravi"]
    ravi = staff[1]["id"]
    ok = await client.post(f"/v1/pos/staff/{ravi}/verify", json={"pin": "4321"}, headers=device)
    assert ok.status_code == 200 and ok.json()["name"] == "Ravi"
    meera = [s for s in (await client.get("/v1/cashier/staff", headers=tenant.admin)).json()["data"]
             if s["name"] == "Meera"][0]["id"]
    other = await client.post(f"/v1/pos/staff/{meera}/verify", json={"pin": "4321"}, headers=device)
    assert other.status_code == 404
    assert (await client.get("/v1/pos/staff", headers=tenant.admin)).status_code in (401, 403)


async def test_five_wrong_pins_lock_the_staff_member_on_that_till(client, tenant) -> None:  # type: ignore[no-untyped-def]
    _, device = await _till(client, tenant)
    staff = (await client.post("/v1/cashier/staff", json={"name": "Asha", "pin": "123456"},
                               headers=tenant.admin)).json()
    url = f"/v1/pos/staff/{staff['id']}/verify"
    for left in (4, 3, 2, 1):
        wrong = await client.post(url, json={"pin": "000000"}, headers=device)
        assert wrong.status_code == 422 and wrong.json()["error"]["code"] == "pin_invalid"
        assert wrong.json()["error"]["details"][0]["attempts_left"] == left
    await client.post(url, json={"pin": "000000"}, headers=device)
    locked = await client.post(url, json={"pin": "123456"}, headers=device)
    assert locked.status_code == 429 and locked.json()["error"]["code"] == "pin_locked"
    assert int(locked.headers["retry-after"]) > 0
    assert "this person on this till" in locked.json()["error"]["message"]
    # whoever holds this till's token cannot lock Asha out at the other tills
    _, other_till = await _till(client, tenant, "blr-2")
    assert (await client.post(url, json={"pin": "123456"}, headers=other_till)).status_code == 200
    # an admin setting a new PIN unlocks her here too
    await client.post("/v1/cashier/staff", json={"name": "Asha", "pin": "246810"}, headers=tenant.admin)
    assert (await client.post(url, json={"pin": "246810"}, headers=device)).status_code == 200
