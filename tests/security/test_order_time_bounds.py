"""Issue 18, finding 11: an order dated year 1 or 1900 was accepted and broke the financial-year
invoice series. Times outside [now − past days, now + future minutes] (operator settings) are
refused on every ingest path with a 422 naming ``occurred_at`` (``timestamp`` in a batch)."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest

from activereach.bills import rules as bill_rules
from activereach.orders.rules import TimeBounds, time_problem
from tests.conftest import add_location, order_body
from tests.support import iso_ago

BOUNDS = TimeBounds(max_past_days=3 * 366, max_future_minutes=24 * 60)
ANCIENT = ["0001-01-01T10:00:00+00:00", "1900-01-01T10:00:00+05:30"]


def test_the_pure_rule_bounds_both_ways() -> None:
    now = dt.datetime.now(dt.UTC)
    assert time_problem(now - dt.timedelta(days=365), now, BOUNDS) is None  # last year's backfill
    assert time_problem(now + dt.timedelta(hours=23), now, BOUNDS) is None  # till clock skew
    assert "in the past" in time_problem(now - dt.timedelta(days=3 * 366 + 1), now, BOUNDS)
    assert "in the future" in time_problem(now + dt.timedelta(hours=25), now, BOUNDS)
    assert "in the past" in time_problem(dt.datetime(1, 1, 1, tzinfo=dt.UTC), now, BOUNDS)


def test_every_financial_year_within_the_bounds_has_its_own_label() -> None:
    # The invoice number carries "2627" for 2026-27: the bounds must never let two financial
    # years share those digits (1899-00 and 1999-00 did) or produce a short one (year 1: "0-01").
    now = dt.datetime.now(dt.UTC)
    earliest = (now - dt.timedelta(days=BOUNDS.max_past_days)).date()
    latest = (now + dt.timedelta(minutes=BOUNDS.max_future_minutes)).date()
    labels = {bill_rules.fiscal_year(earliest + dt.timedelta(days=d))
              for d in range((latest - earliest).days + 1)}
    shorts = [label[2:4] + label[5:7] for label in labels]
    assert all(len(label) == 7 for label in labels)
    assert len(set(shorts)) == len(labels) and all(s.isdigit() and len(s) == 4 for s in shorts)
    assert bill_rules.fiscal_year(dt.date(1, 1, 1)) == "0-01"  # what year 1 gave before


@pytest.mark.parametrize("when", ANCIENT)
async def test_the_orders_api_refuses_an_ancient_order(client, tenant, when: str) -> None:
    response = await client.post("/v1/orders", headers=tenant.admin,
                                 json=order_body(occurred_at=when))
    assert response.status_code == 422, response.text
    detail = response.json()["error"]["details"][0]
    assert detail["field"] == "occurred_at" and "days in the past" in detail["message"]


async def test_the_orders_api_keeps_backfill_and_refuses_the_far_future(client, tenant) -> None:
    backfill = await client.post("/v1/orders", headers=tenant.admin,
                                 json=order_body(occurred_at=iso_ago(days=400)))
    assert backfill.status_code == 201, backfill.text
    future = await client.post("/v1/orders", headers=tenant.admin,
                               json=order_body(occurred_at=iso_ago(days=-2)))
    assert future.status_code == 422
    assert future.json()["error"]["details"][0]["field"] == "occurred_at"


async def test_the_bounds_are_the_operators_settings(client, tenant, monkeypatch) -> None:
    from activereach.config import get_settings

    monkeypatch.setattr(get_settings(), "occurred_at_max_past_days", 30)
    response = await client.post("/v1/orders", headers=tenant.admin,
                                 json=order_body(occurred_at=iso_ago(days=45)))
    assert response.status_code == 422 and "30 days" in response.text


@pytest.mark.parametrize("when", ANCIENT)
async def test_a_batch_message_names_its_timestamp(client, tenant, when: str) -> None:
    messages = [
        {"type": "track", "event": "Product Viewed", "messageId": f"e-{uuid.uuid4().hex}",
         "userId": "u-1", "timestamp": when, "properties": {}},
        {"type": "track", "event": "Order Completed", "messageId": f"o-{uuid.uuid4().hex}",
         "timestamp": when, "context": {"traits": {"phone": "9812345678"}},
         "properties": {"order_id": f"W-{uuid.uuid4().hex[:8]}", "total": 10.0, "currency": "INR",
                        "products": [{"sku": "M", "name": "M", "price": 10, "quantity": 1}]}}]
    body = (await client.post("/v1/batch", headers=tenant.writer,
                              json={"batch": messages})).json()
    for verdict in body["results"]:
        assert verdict["status"] == 400
        assert verdict["error"]["details"][0]["field"] == "timestamp"


async def test_a_till_order_is_bounded_too(client, tenant) -> None:
    from tests.reliability.test_auth_matrix import _pair

    location = await add_location(client, tenant, f"tb-{uuid.uuid4().hex[:4]}")
    _, token = await _pair(client, tenant, location["id"], "T-TB")
    response = await client.post("/v1/pos/orders", headers={"Authorization": f"Bearer {token}"},
                                 json=order_body(client_order_id=str(uuid.uuid4()),
                                                 occurred_at=ANCIENT[1]))
    assert response.status_code == 422, response.text
    assert "occurred_at" in response.text


async def test_a_pipe_delivery_of_an_ancient_order_fails_naming_occurred_at(
        client, tenant, db) -> None:  # type: ignore[no-untyped-def]
    from activereach.pipes.samples import sample
    from tests.pipes.conftest import deliver, drain, make_pipe

    pipe = await make_pipe(client, tenant, "custom")
    body = json.loads(sample("custom")[0])
    body["occurred_at"] = ANCIENT[0]
    received = await deliver(client, pipe, json.dumps(body).encode())
    assert received.status_code == 200, received.text
    await drain(db)
    delivery = (await client.get(
        f"/v1/pipes/{pipe['id']}/deliveries/{received.json()['delivery_id']}",
        headers=tenant.admin)).json()
    assert delivery["status"] in ("failed", "dead"), delivery
    assert "occurred_at" in json.dumps(delivery["mapping_result"]) + str(delivery["error"])
