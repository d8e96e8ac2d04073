"""Pairing a till: single-use codes, device tokens pinned to a terminal, revocation."""

from tests.conftest import add_location


async def _terminal(client, tenant):  # type: ignore[no-untyped-def]
    loc = await add_location(client, tenant)
    term = (await client.post(f"/v1/locations/{loc['id']}/terminals", headers=tenant.admin,
                              json={"terminal_id": "T1"})).json()
    code = (await client.post(f"/v1/locations/{loc['id']}/terminals/{term['id']}/pairing-code",
                              headers=tenant.admin)).json()
    return loc, term, code


async def test_code_pairs_once_and_the_token_is_pinned(client, tenant) -> None:
    loc, term, code = await _terminal(client, tenant)
    assert len(code["pairing_code"]) == 8
    paired = await client.post("/v1/pos/pair", json={"pairing_code": code["pairing_code"].lower()})
    assert paired.status_code == 200, paired.text
    token = paired.json()["device_token"]
    assert token.startswith("dt_") and paired.json()["location"]["id"] == loc["id"]
    again = await client.post("/v1/pos/pair", json={"pairing_code": code["pairing_code"]})
    assert again.status_code == 401
    me = await client.get("/v1/pos/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.json()["terminal"]["terminal_id"] == "T1"
    assert me.json()["device_token"] is None


async def test_revoked_terminal_is_refused_at_next_contact(client, tenant) -> None:
    loc, term, code = await _terminal(client, tenant)
    token = (await client.post("/v1/pos/pair", json={"pairing_code": code["pairing_code"]})).json()["device_token"]
    revoked = await client.post(f"/v1/locations/{loc['id']}/terminals/{term['id']}/revoke",
                                headers=tenant.admin)
    assert revoked.json()["status"] == "revoked"
    me = await client.get("/v1/pos/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 401


async def test_device_token_is_not_an_admin_key(client, tenant) -> None:
    _, _, code = await _terminal(client, tenant)
    token = (await client.post("/v1/pos/pair", json={"pairing_code": code["pairing_code"]})).json()["device_token"]
    response = await client.get("/v1/locations", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
