"""POST /v1/orders: ingest, idempotent replay, validation, reads and refunds."""

import asyncio

from sqlalchemy import func, select

from activereach.events.models import Event
from activereach.jobs.models import Job
from activereach.orders.models import Order
from tests.conftest import add_location, order_body
from tests.support import ago


async def _count(db, model, **where) -> int:  # type: ignore[no-untyped-def]
    async with db.read_session() as session:
        query = select(func.count()).select_from(model)
        for key, value in where.items():
            query = query.where(getattr(model, key) == value)
        return await session.scalar(query)


class TestCreate:
    async def test_order_lands_with_totals_event_and_job(self, client, tenant, db) -> None:
        loc = await add_location(client, tenant)
        response = await client.post("/v1/orders", headers=tenant.admin,
                                     json=order_body("A-1001", location=loc["code"], terminal="T1"))
        assert response.status_code == 201, response.text
        result = response.json()
        assert result["replayed"] is False
        assert result["totals"] == {"subtotal": 47429, "tax": 2371, "discount": 0, "shipping": 0,
                                    "total": 49800, "paid": 49800, "change": 0}
        assert result["location_id"] == loc["id"] and result["channel"] == "offline"
        assert result["contact_id"].startswith("ct_")
        events = (await client.get(f"/v1/contacts/{result['contact_id']}/events",
                                   headers=tenant.admin)).json()["data"]
        assert [e["name"] for e in events] == ["order_completed"]
        props = events[0]["properties"]
        assert props["total"] == 498.0 and props["currency"] == "INR"
        assert props["products"][0]["sku"] == "LATTE-M" and props["terminal_id"] == "T1"
        assert props["location_id"] == loc["id"] and props["channel"] == "offline"
        assert await _count(db, Job, workspace_id=tenant.id, kind="analytics.apply_order") == 1

    async def test_replay_returns_the_original_reply_and_writes_nothing(self, client, tenant, db) -> None:
        body = order_body("A-2")
        first = await client.post("/v1/orders", headers=tenant.admin, json=body)
        jobs = await _count(db, Job, workspace_id=tenant.id)  # roll-ups, receipt, … (one each)
        again = await client.post("/v1/orders", headers=tenant.admin, json=body)
        assert (first.status_code, again.status_code) == (201, 200)
        assert again.json() == {**first.json(), "replayed": True}
        assert await _count(db, Order, workspace_id=tenant.id) == 1
        assert await _count(db, Event, workspace_id=tenant.id) == 1
        assert await _count(db, Job, workspace_id=tenant.id) == jobs

    async def test_same_external_id_with_other_content_is_a_conflict(self, client, tenant) -> None:
        await client.post("/v1/orders", headers=tenant.admin, json=order_body("A-3"))
        changed = order_body("A-3", currency="INR", coupon="DIWALI")
        response = await client.post("/v1/orders", headers=tenant.admin, json=changed)
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "idempotency_conflict"

    async def test_idempotency_key_header_dedupes_across_external_ids(self, client, tenant) -> None:
        headers = {**tenant.admin, "Idempotency-Key": "key-1"}
        body = order_body("A-4")   # once: its occurred_at comes from the clock
        first = await client.post("/v1/orders", headers=headers, json=body)
        again = await client.post("/v1/orders", headers=headers, json=body)
        assert again.status_code == 200 and again.json()["order_id"] == first.json()["order_id"]

    async def test_twenty_parallel_identical_orders_make_one_order_and_one_event(self, client, tenant, db) -> None:
        body = order_body("A-PAR")
        replies = await asyncio.gather(*[client.post("/v1/orders", headers=tenant.admin, json=body)
                                         for _ in range(20)])
        assert sorted(r.status_code for r in replies) == [200] * 19 + [201]
        assert len({r.json()["order_id"] for r in replies}) == 1
        assert await _count(db, Order, workspace_id=tenant.id) == 1
        assert await _count(db, Event, workspace_id=tenant.id) == 1

    async def test_cash_overpayment_is_change(self, client, tenant) -> None:
        body = order_body(payments=[{"method": "cash", "amount": 50000}])
        result = (await client.post("/v1/orders", headers=tenant.admin, json=body)).json()
        assert result["totals"]["change"] == 200

    async def test_order_without_customer_has_no_contact(self, client, tenant) -> None:
        body = order_body(customer={"phone": "0000000000", "name": "Walk-in"})
        result = (await client.post("/v1/orders", headers=tenant.admin, json=body)).json()
        assert result["contact_id"] is None


class TestValidation:
    async def _error(self, client, tenant, body, status=422):  # type: ignore[no-untyped-def]
        response = await client.post("/v1/orders", headers=tenant.admin, json=body)
        assert response.status_code == status, response.text
        return response.json()["error"]

    async def test_wrong_type_names_the_field(self, client, tenant) -> None:
        error = await self._error(client, tenant, order_body(lines=[{"name": "x", "quantity": "two",
                                                                     "unit_price": 10}]))
        assert error["details"][0]["field"] == "lines.0.quantity"

    async def test_unknown_location(self, client, tenant) -> None:
        error = await self._error(client, tenant, order_body(location="nowhere"))
        assert error["details"] == [{"field": "location", "message": "no outlet with id or code 'nowhere'"}]

    async def test_totals_mismatch(self, client, tenant) -> None:
        error = await self._error(client, tenant, order_body(totals={"total": 1}))
        assert error["code"] == "totals_mismatch"
        assert error["details"][0]["field"] == "totals.total"

    async def test_underpayment(self, client, tenant) -> None:
        error = await self._error(client, tenant, order_body(payments=[{"method": "card", "amount": 100}]))
        assert error["details"][0]["field"] == "payments"

    async def test_card_overpayment_has_no_change_to_give(self, client, tenant) -> None:
        error = await self._error(client, tenant, order_body(payments=[{"method": "card", "amount": 60000}]))
        assert "no cash" in error["message"]

    async def test_discount_larger_than_line(self, client, tenant) -> None:
        lines = [{"name": "x", "quantity": "1", "unit_price": 100, "discount": 101}]
        error = await self._error(client, tenant, order_body(lines=lines, payments=[]))
        assert error["details"][0]["field"] == "lines[0].discount"

    async def test_bad_phone(self, client, tenant) -> None:
        error = await self._error(client, tenant, order_body(customer={"phone": "12345"}))
        assert error["details"][0]["field"] == "customer.phone"

    async def test_naive_timestamp_and_unknown_fields(self, client, tenant) -> None:
        naive = ago(hours=1).replace(tzinfo=None).isoformat(timespec="seconds")  # no offset
        error = await self._error(client, tenant, order_body(occurred_at=naive))
        assert error["details"][0]["field"] == "occurred_at"
        error = await self._error(client, tenant, order_body(surprise=1))
        assert error["details"][0]["field"] == "surprise"

    async def test_custom_item_needs_name_and_price(self, client, tenant) -> None:
        error = await self._error(client, tenant, order_body(lines=[{"sku": "X", "quantity": 1}]))
        assert error["details"][0]["field"] == "lines[0].unit_price"

    async def test_nothing_is_written_on_error(self, client, tenant, db) -> None:
        await self._error(client, tenant, order_body(totals={"total": 1}))
        assert await _count(db, Order, workspace_id=tenant.id) == 0
        assert await _count(db, Event, workspace_id=tenant.id) == 0


class TestRead:
    async def test_get_by_id_and_by_external_id(self, client, tenant) -> None:
        created = (await client.post("/v1/orders", headers=tenant.admin, json=order_body("R-1"))).json()
        by_id = (await client.get(f"/v1/orders/{created['order_id']}", headers=tenant.admin)).json()
        by_ext = (await client.get("/v1/orders", params={"external_id": "R-1", "source": "api"},
                                   headers=tenant.admin)).json()
        assert by_id == by_ext
        assert by_id["lines"][0]["tax_lines"] == [{"name": "GST", "rate": "5", "amount": 2371, "hsn": "2101"}]
        assert by_id["payments"] == [{"method": "upi", "amount": 49800, "reference": "UPI-88123"}]
        assert by_id["contact_id"] == created["contact_id"] and by_id["refunds"] == []

    async def test_unknown_order_is_404(self, client, tenant) -> None:
        response = await client.get("/v1/orders/ord_nope", headers=tenant.admin)
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


class TestRefunds:
    async def _order(self, client, tenant) -> dict:  # type: ignore[no-untyped-def]
        lines = [{"sku": "LATTE-M", "name": "Latte", "quantity": "3", "unit_price": 24900,
                  "tax_rate": "5"},
                 {"sku": "MUG", "name": "Mug", "quantity": "1", "unit_price": 49900, "tax_rate": "12"}]
        body = order_body(lines=lines, payments=[{"method": "card", "amount": 124600}])
        return (await client.post("/v1/orders", headers=tenant.admin, json=body)).json()

    async def test_partial_then_full_refund(self, client, tenant) -> None:
        order = await self._order(client, tenant)
        url = f"/v1/orders/{order['order_id']}/refunds"
        partial = await client.post(url, headers=tenant.admin,
                                    json={"refund_id": "R1", "lines": [{"sku": "LATTE-M", "quantity": 1}]})
        assert partial.status_code == 201, partial.text
        assert partial.json()["amount"] == 24900 and partial.json()["order_status"] == "partially_refunded"
        rest = await client.post(url, headers=tenant.admin, json={"refund_id": "R2"})
        assert rest.json()["amount"] == 124600 - 24900
        assert rest.json()["order_status"] == "refunded"
        doc = (await client.get(f"/v1/orders/{order['order_id']}", headers=tenant.admin)).json()
        assert doc["totals"]["refunded"] == 124600 and len(doc["refunds"]) == 2
        names = [e["name"] for e in (await client.get(
            f"/v1/contacts/{order['contact_id']}/events", headers=tenant.admin)).json()["data"]]
        assert names.count("order_refunded") == 2

    async def test_refund_replay_and_over_refund(self, client, tenant) -> None:
        order = await self._order(client, tenant)
        url = f"/v1/orders/{order['order_id']}/refunds"
        body = {"refund_id": "R1", "amount": 10000}
        first = await client.post(url, headers=tenant.admin, json=body)
        again = await client.post(url, headers=tenant.admin, json=body)
        assert again.status_code == 200 and again.json() == {**first.json(), "replayed": True}
        too_much = await client.post(url, headers=tenant.admin,
                                     json={"refund_id": "R2", "amount": 124600})
        assert too_much.status_code == 422
        assert too_much.json()["error"]["details"][0]["field"] == "amount"
        wrong_line = await client.post(url, headers=tenant.admin,
                                       json={"refund_id": "R3", "lines": [{"line_no": 9, "quantity": 1}]})
        assert wrong_line.status_code == 422
