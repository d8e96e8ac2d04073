"""The six Segment calls, clock correction, context, and e-commerce v2 order events through the
order paths (issue 21), checked through the API."""

from __future__ import annotations

import datetime as dt
import uuid

from tests.support import iso_ago


def _mid() -> str:
    return f"m-{uuid.uuid4().hex}"


def _iso(moment: dt.datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


async def _send(client, tenant, *messages: dict, **batch: object) -> dict:  # type: ignore[no-untyped-def]
    response = await client.post("/v1/batch", headers=tenant.writer,
                                 json={"batch": list(messages), **batch})
    assert response.status_code == 200, response.text
    return response.json()


async def _timeline(client, tenant, contact_id: str) -> list[dict]:  # type: ignore[no-untyped-def]
    response = await client.get(f"/v1/contacts/{contact_id}/events", headers=tenant.admin)
    assert response.status_code == 200, response.text
    return response.json()["data"]


def _order(order_id: str, user: str, **props: object) -> dict:
    return {"type": "track", "event": "Order Completed", "messageId": _mid(), "userId": user,
            "context": {"traits": {"phone": "9833300011"}},
            "properties": {"order_id": order_id, "currency": "INR", "products": [
                {"sku": "MUG", "name": "Mug", "price": 300, "quantity": 2},
                {"sku": "CUP", "name": "Cup", "price": 100, "quantity": 1}], **props}}


class TestCalls:
    async def test_page_and_screen_are_page_views_on_the_timeline(self, client, tenant) -> None:
        body = await _send(client, tenant,
                           {"type": "page", "messageId": _mid(), "userId": "u-p", "name": "Home",
                            "properties": {"url": "https://shop.example.in/"},
                            "context": {"ip": "203.0.113.9", "page": {"path": "/"}}},
                           {"type": "screen", "messageId": _mid(), "userId": "u-p",
                            "name": "Cart", "integrations": {"All": True}})
        contact = body["results"][0]["contact_id"]
        events = {e["name"]: e for e in await _timeline(client, tenant, contact)}
        assert set(events) == {"page_viewed", "screen_viewed"}
        page = events["page_viewed"]
        assert page["type"] == "page" and page["properties"]["name"] == "Home"
        assert page["context"] == {"ip": "203.0.113.9", "page": {"path": "/"}}
        assert events["screen_viewed"]["integrations"] == {"All": True}
        # both count as visits online on the profile
        profile = (await client.get(f"/v1/contacts/{contact}", headers=tenant.admin)).json()
        assert profile["online"]["visits"] == 2 and profile["online"]["last_visit_at"]

    async def test_single_call_endpoints(self, client, tenant) -> None:
        for path, extra in (("track", {"event": "Product Viewed"}), ("identify", {}),
                            ("page", {"name": "Home"}), ("screen", {"name": "Cart"}),
                            ("group", {"groupId": "acme"})):
            response = await client.post(f"/v1/{path}", headers=tenant.writer,
                                         json={"userId": "u-single", "messageId": _mid(), **extra})
            assert response.status_code == 200, (path, response.text)
        refused = await client.post("/v1/track", headers=tenant.writer,
                                    json={"userId": "u-single"})
        assert refused.status_code == 400 and refused.json()["code"] == "invalid"

    async def test_rudder_style_identify_uses_context_traits(self, client, tenant) -> None:
        body = await _send(client, tenant, {
            "type": "identify", "messageId": _mid(), "userId": "u-ctx",
            "context": {"traits": {"phone": "9844400011", "name": "Ira", "city": "Goa"}}})
        contact = (await client.get("/v1/contacts", params={"phone": "9844400011"},
                                    headers=tenant.admin)).json()
        assert contact["id"] == body["results"][0]["contact_id"]
        assert contact["name"] == "Ira" and contact["traits"]["city"] == "Goa"

    async def test_a_batch_context_applies_to_its_messages(self, client, tenant) -> None:
        body = await _send(client, tenant,
                           {"type": "identify", "messageId": _mid(), "userId": "u-bc"},
                           context={"traits": {"email": "bc@example.in"},
                                    "library": {"name": "x"}})
        profile = (await client.get(f"/v1/contacts/{body['results'][0]['contact_id']}",
                                    headers=tenant.admin)).json()
        assert "bc@example.in" in [i["value"] for i in profile["identities"]]

    async def test_group_attaches_the_company(self, client, tenant) -> None:
        body = await _send(client, tenant, {"type": "group", "messageId": _mid(), "userId": "u-g",
                                            "groupId": "acme", "traits": {"name": "Acme"}})
        profile = (await client.get(f"/v1/contacts/{body['results'][0]['contact_id']}",
                                    headers=tenant.admin)).json()
        assert profile["traits"]["company"] == {"id": "acme", "name": "Acme"}

    async def test_alias_merges_the_anonymous_profile(self, client, tenant) -> None:
        anon = await _send(client, tenant, {"type": "track", "event": "Product Viewed",
                                            "messageId": _mid(), "anonymousId": "anon-7"})
        known = await _send(client, tenant, {"type": "identify", "messageId": _mid(),
                                             "userId": "u-known"})
        await _send(client, tenant, {"type": "alias", "messageId": _mid(),
                                     "previousId": "anon-7", "userId": "u-known"})
        old = anon["results"][0]["contact_id"]
        survivor = (await client.get(f"/v1/contacts/{old}", headers=tenant.admin)).json()
        assert survivor["id"] == known["results"][0]["contact_id"]
        names = [e["name"] for e in await _timeline(client, tenant, survivor["id"])]
        assert sorted(names) == ["alias", "identify", "product_viewed"]

    async def test_alias_between_two_users_is_refused_not_hidden(self, client, tenant) -> None:
        await _send(client, tenant, {"type": "identify", "messageId": _mid(), "userId": "u-a1"},
                    {"type": "identify", "messageId": _mid(), "userId": "u-a2"})
        response = await client.post("/v1/alias", headers=tenant.writer, json={
            "messageId": _mid(), "previousId": "u-a1", "userId": "u-a2"})
        assert response.status_code == 409 and response.json()["code"] == "alias_refused"


class TestClock:
    async def test_a_client_clock_two_hours_fast_is_corrected(self, client, tenant) -> None:
        fast = dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)
        body = await _send(client, tenant, {**_order(f"W-{uuid.uuid4().hex[:6]}", "u-clock"),
                                            "timestamp": _iso(fast - dt.timedelta(minutes=5))},
                           sentAt=_iso(fast))
        order = (await client.get(f"/v1/orders/{body['results'][0]['order_id']}",
                                  headers=tenant.admin)).json()
        stored = dt.datetime.fromisoformat(order["occurred_at"])
        expected = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
        assert abs((stored - expected).total_seconds()) < 60

    async def test_original_timestamp_and_no_future(self, client, tenant) -> None:
        when = dt.datetime.now(dt.UTC) - dt.timedelta(hours=3)
        ahead = dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)
        body = await _send(client, tenant,
                           {"type": "track", "event": "Coupon Applied", "messageId": _mid(),
                            "userId": "u-ot", "originalTimestamp": _iso(when),
                            "sentAt": _iso(dt.datetime.now(dt.UTC))},
                           {"type": "track", "event": "Product Added", "messageId": _mid(),
                            "userId": "u-ot", "timestamp": _iso(ahead)})
        events = {e["name"]: e for e in await _timeline(client, tenant,
                                                        body["results"][0]["contact_id"])}
        coupon = dt.datetime.fromisoformat(events["coupon_applied"]["timestamp"])
        assert abs((coupon - when).total_seconds()) < 60
        assert events["coupon_applied"]["original_timestamp"] is not None
        added = dt.datetime.fromisoformat(events["product_added"]["timestamp"])
        assert added <= dt.datetime.now(dt.UTC)

    async def test_a_retry_with_a_new_sent_at_is_a_duplicate(self, client, tenant) -> None:
        message = {**_order(f"W-{uuid.uuid4().hex[:6]}", "u-retry"), "timestamp": iso_ago(hours=1)}
        first = await _send(client, tenant, message, sentAt=iso_ago(minutes=1))
        again = await _send(client, tenant, message, sentAt=iso_ago(minutes=0))
        assert again["results"][0]["result"] == "duplicate"
        assert again["results"][0]["order_id"] == first["results"][0]["order_id"]


class TestCommerce:
    async def test_refund_by_products_then_the_rest(self, client, tenant) -> None:
        order_id = f"W-{uuid.uuid4().hex[:6]}"
        made = await _send(client, tenant, _order(order_id, "u-rf"))
        canonical = made["results"][0]["order_id"]
        part = {"type": "track", "event": "Order Refunded", "messageId": _mid(),
                "userId": "u-rf", "properties": {"order_id": order_id,
                                                 "products": [{"sku": "MUG", "quantity": 1}]}}
        first = await _send(client, tenant, part)
        assert (await _send(client, tenant, part))["results"][0]["result"] == "duplicate"
        order = (await client.get(f"/v1/orders/{canonical}", headers=tenant.admin)).json()
        assert order["status"] == "partially_refunded" and first["results"][0]["refund_id"]
        await _send(client, tenant, {"type": "track", "event": "Order Refunded",
                                     "messageId": _mid(), "userId": "u-rf",
                                     "properties": {"order_id": order_id}})
        order = (await client.get(f"/v1/orders/{canonical}", headers=tenant.admin)).json()
        assert order["status"] == "refunded"

    async def test_refund_of_an_unknown_order_is_refused(self, client, tenant) -> None:
        response = await client.post("/v1/track", headers=tenant.writer, json={
            "event": "Order Refunded", "messageId": _mid(), "userId": "u-x",
            "properties": {"order_id": "nope"}})
        assert response.status_code == 404 and response.json()["code"] == "order_not_found"

    async def test_cancel_and_update(self, client, tenant) -> None:
        order_id = f"W-{uuid.uuid4().hex[:6]}"
        made = await _send(client, tenant, _order(order_id, "u-cx"))
        canonical, contact = made["results"][0]["order_id"], made["results"][0]["contact_id"]
        await _send(client, tenant,
                    {"type": "track", "event": "Order Updated", "messageId": _mid(),
                     "userId": "u-cx", "properties": {"order_id": order_id, "total": 700}},
                    {"type": "track", "event": "Order Cancelled", "messageId": _mid(),
                     "userId": "u-cx", "properties": {"order_id": order_id, "reason": "x"}})
        order = (await client.get(f"/v1/orders/{canonical}", headers=tenant.admin)).json()
        assert order["status"] == "cancelled"
        events = {e["name"]: e for e in await _timeline(client, tenant, contact)}
        assert events["order_updated"]["properties"]["canonical_order_id"] == canonical
        assert "order_cancelled" in events


class TestBatchRun:
    async def test_a_messageid_twice_in_one_batch(self, client, tenant) -> None:
        message = {"type": "track", "event": "Product Viewed", "messageId": _mid(),
                   "userId": "u-twice", "properties": {"sku": "A"}}
        other = {**message, "properties": {"sku": "B"}}
        response = await client.post("/v1/batch", headers=tenant.writer,
                                     json={"batch": [message, message, other]})
        assert [r["result"] for r in response.json()["results"]] == [
            "accepted", "duplicate", "conflict"]

    async def test_a_plain_message_refused_late_runs_the_batch_one_by_one(
            self, client, tenant, monkeypatch) -> None:
        """The held fast path is undone whole; the verdicts are what one by one gives, and the
        refused message leaves nothing behind."""
        from activereach.collect import batch
        from activereach.kit.errors import Unprocessable
        real = batch._plain

        async def plain(session, workspace, call):  # type: ignore[no-untyped-def]
            if call.message.user_id == "u-late":
                await real(session, workspace, call)       # it wrote, then is refused
                raise Unprocessable.field("traits", "refused late")
            return await real(session, workspace, call)

        monkeypatch.setattr(batch, "_plain", plain)
        messages = [{"type": "identify", "messageId": _mid(), "userId": user,
                     "traits": {"phone": phone}}
                    for user, phone in (("u-early", "9855500011"), ("u-late", "9855500022"),
                                        ("u-after", "9855500033"))]
        response = await client.post("/v1/batch", headers=tenant.writer,
                                     json={"batch": messages})
        assert [r["status"] for r in response.json()["results"]] == [200, 400, 200]
        for phone, status in (("9855500011", 200), ("9855500022", 404), ("9855500033", 200)):
            found = await client.get("/v1/contacts", params={"phone": phone},
                                     headers=tenant.admin)
            assert found.status_code == status, phone


async def test_an_online_refund_reverses_the_points(client, make_tenant) -> None:
    """Order Refunded takes the refund API's path: the points the order earned go back."""
    from tests.loyalty.conftest import PHONE, member, setup_program
    tenant = await make_tenant()
    await setup_program(client, tenant)
    order_id = f"W-{uuid.uuid4().hex[:6]}"
    await _send(client, tenant, {
        "type": "track", "event": "Order Completed", "messageId": _mid(), "userId": "u-pts",
        "context": {"traits": {"phone": PHONE}},
        "properties": {"order_id": order_id, "currency": "INR",
                       "products": [{"sku": "MUG", "name": "Mug", "price": 1000, "quantity": 1}]}})
    assert (await member(client, tenant))["available"] == 10
    await _send(client, tenant, {"type": "track", "event": "Order Refunded", "messageId": _mid(),
                                 "userId": "u-pts", "properties": {"order_id": order_id}})
    assert (await member(client, tenant))["available"] == 0
