"""POST /v1/batch and identity resolution: one profile across online and in-store activity."""

from tests.conftest import add_location, order_body
from tests.support import iso_ago


def _track(message_id: str, **extra: object) -> dict:
    return {"type": "track", "event": "Order Completed", "messageId": message_id,
            "timestamp": iso_ago(days=1, tz="UTC"), **extra}


def _online_order(message_id: str, order_id: str, phone: str | None = None, user_id: str | None = None,
                  email: str | None = None) -> dict:
    traits = {k: v for k, v in {"phone": phone, "email": email}.items() if v}
    message = _track(message_id, context={"traits": traits},
                     properties={"order_id": order_id, "total": 499.0, "currency": "INR",
                                 "products": [{"sku": "MUG", "name": "Mug", "price": 499, "quantity": 1}]})
    if user_id:
        message["userId"] = user_id
    return message


class TestBatch:
    async def test_good_messages_are_kept_beside_bad_ones(self, client, tenant) -> None:
        batch = [_online_order("m1", "W-1", phone="9812345678"), {"type": "track", "messageId": "m2"},
                 "not an object", {"type": "pageview", "messageId": "m4"}]
        response = await client.post("/v1/batch", headers=tenant.writer, json={"batch": batch})
        # A rejected message is never behind a 200 (an SDK would take it as delivered); the
        # verdicts say the first was kept.
        assert response.status_code == 400
        body = response.json()
        assert (body["accepted"], body["rejected"]) == (1, 3)
        statuses = [r["status"] for r in body["results"]]
        assert statuses == [200, 400, 400, 400]
        assert body["results"][1]["error"]["details"][0]["field"] == "event"
        assert body["results"][3]["error"]["details"][0]["field"] == "type"
        assert body["error"]["code"] == body["code"] == "messages_rejected"
        assert [d["field"] for d in body["error"]["details"]] == ["batch[1]", "batch[2]", "batch[3]"]

    async def test_message_id_dedupes(self, client, tenant) -> None:
        batch = [_online_order("dup", "W-2", phone="9812345678")]
        first = (await client.post("/v1/batch", headers=tenant.writer, json={"batch": batch})).json()
        again = (await client.post("/v1/batch", headers=tenant.writer, json={"batch": batch})).json()
        assert first["results"][0]["result"] == "accepted"
        assert again["results"][0]["result"] == "duplicate"

    async def test_all_bad_is_a_400(self, client, tenant) -> None:
        response = await client.post("/v1/batch", headers=tenant.writer,
                                     json={"batch": [{"type": "track", "messageId": "x"}]})
        assert response.status_code == 400

    async def test_write_key_via_aegis_header_and_admin_key_refused_nothing(self, client, tenant) -> None:
        headers = {"X-Aegis-Write-Key": tenant.write_key}
        batch = [{"type": "identify", "messageId": "i1", "userId": "u1", "traits": {"name": "A"}}]
        assert (await client.post("/v1/batch", headers=headers, json={"batch": batch})).status_code == 200

    async def test_online_total_is_checked(self, client, tenant) -> None:
        message = _online_order("m-bad-total", "W-3", phone="9812345678")
        message["properties"]["total"] = 1.0
        body = (await client.post("/v1/batch", headers=tenant.writer, json={"batch": [message]})).json()
        assert body["results"][0]["error"]["code"] == "totals_mismatch"


class TestIdentity:
    async def test_pos_order_with_only_a_phone_lands_on_the_online_contact(self, client, tenant) -> None:
        online = (await client.post("/v1/batch", headers=tenant.writer, json={"batch": [
            _online_order("m1", "W-1", phone="+91 98123 45678", user_id="u-1")]})).json()
        contact_id = online["results"][0]["contact_id"]
        loc = await add_location(client, tenant)
        pos = (await client.post("/v1/orders", headers=tenant.admin, json=order_body(
            location=loc["code"], customer={"phone": "098123 45678"}))).json()
        assert pos["contact_id"] == contact_id
        by_phone = (await client.get("/v1/contacts", params={"phone": "9812345678"},
                                     headers=tenant.admin)).json()
        assert by_phone["id"] == contact_id
        timeline = (await client.get(f"/v1/contacts/{contact_id}/events", headers=tenant.admin)).json()
        channels = sorted(e["properties"]["channel"] for e in timeline["data"])
        assert channels == ["offline", "online"]
        sources = {e["source"] for e in timeline["data"]}
        assert sources == {"sdk", "api"}

    async def test_different_user_ids_are_never_merged(self, client, tenant) -> None:
        a = (await client.post("/v1/batch", headers=tenant.writer, json={"batch": [
            _online_order("a", "W-A", phone="9811111111", user_id="alice")]})).json()
        b = (await client.post("/v1/batch", headers=tenant.writer, json={"batch": [
            _online_order("b", "W-B", phone="9811111111", user_id="bob")]})).json()
        assert a["results"][0]["contact_id"] != b["results"][0]["contact_id"]

    async def test_placeholder_numbers_never_merge_anyone(self, client, tenant) -> None:
        first = (await client.post("/v1/orders", headers=tenant.admin, json=order_body(
            customer={"phone": "9999999999", "email": "priya@example.in"}))).json()
        second = (await client.post("/v1/orders", headers=tenant.admin, json=order_body(
            customer={"phone": "9999999999", "email": "rohan@example.in"}))).json()
        assert first["contact_id"] != second["contact_id"]
        missing = await client.get("/v1/contacts", params={"phone": "9999999999"}, headers=tenant.admin)
        assert missing.status_code == 404

    async def test_an_order_linking_email_and_phone_merges_two_profiles(self, client, tenant) -> None:
        by_phone = (await client.post("/v1/orders", headers=tenant.admin, json=order_body(
            customer={"phone": "9822222222"}))).json()["contact_id"]
        by_email = (await client.post("/v1/orders", headers=tenant.admin, json=order_body(
            customer={"email": "meera@example.in"}))).json()["contact_id"]
        both = (await client.post("/v1/orders", headers=tenant.admin, json=order_body(
            customer={"phone": "9822222222", "email": "meera@example.in"}))).json()["contact_id"]
        assert both in {by_phone, by_email}
        merged_away = by_phone if both == by_email else by_email
        profile = (await client.get(f"/v1/contacts/{merged_away}", headers=tenant.admin)).json()
        assert profile["id"] == both and merged_away in profile["merged_ids"]
        kinds = sorted(i["kind"] for i in profile["identities"])
        assert kinds == ["email", "phone"]
        timeline = (await client.get(f"/v1/contacts/{both}/events", headers=tenant.admin)).json()
        assert len(timeline["data"]) == 3

    async def test_traits_merge_on_write_through_identify(self, client, tenant) -> None:
        async def identify(message_id: str, traits: dict) -> str:
            body = {"batch": [{"type": "identify", "messageId": message_id, "userId": "u-9",
                               "traits": traits}]}
            return (await client.post("/v1/batch", headers=tenant.writer, json=body)).json()[
                "results"][0]["contact_id"]
        cid = await identify("i1", {"city": "Pune", "plan": "gold", "preferred_channel": "email"})
        assert await identify("i2", {"plan": "platinum", "city": None}) == cid
        profile = (await client.get(f"/v1/contacts/{cid}", headers=tenant.admin)).json()
        assert profile["traits"] == {"plan": "platinum", "preferred_channel": "email"}
        assert profile["preferred_channel"] == "email"

    async def test_timeline_pages_newest_first(self, client, tenant) -> None:
        for day in range(1, 6):
            await client.post("/v1/orders", headers=tenant.admin, json=order_body(
                occurred_at=iso_ago(days=10 - day), customer={"phone": "9833333333"}))
        cid = (await client.get("/v1/contacts", params={"phone": "9833333333"},
                                headers=tenant.admin)).json()["id"]
        seen, cursor = [], None
        while True:
            params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
            page = (await client.get(f"/v1/contacts/{cid}/events", params=params,
                                     headers=tenant.admin)).json()
            seen += [e["timestamp"] for e in page["data"]]
            cursor = page["next_cursor"]
            if not cursor:
                break
        assert len(seen) == 5 and seen == sorted(seen, reverse=True)
        bad = await client.get(f"/v1/contacts/{cid}/events", params={"cursor": "%%%"},
                               headers=tenant.admin)
        assert bad.status_code == 400
