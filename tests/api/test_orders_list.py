"""GET /v1/orders as a list: filters, keyset pagination over equal times, bad parameters named,
and the ``external_id`` lookup unchanged."""

from __future__ import annotations

import datetime as dt

import pytest

from activereach.orders import listing
from tests.conftest import add_location, order_body

# Dates relative to today (the ingest refuses orders older than its time bounds).
D0 = dt.date.today() - dt.timedelta(days=30)
D1, D2 = D0 + dt.timedelta(days=1), D0 + dt.timedelta(days=2)
STAMP = f"{D0}T10:00:00+05:30"


async def _order(client, tenant, **overrides):  # type: ignore[no-untyped-def]
    response = await client.post("/v1/orders", headers=tenant.admin, json=order_body(**overrides))
    assert response.status_code == 201, response.text
    return response.json()


async def _list(client, tenant, **params):  # type: ignore[no-untyped-def]
    response = await client.get("/v1/orders", headers=tenant.admin, params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def test_pages_through_equal_times_without_gaps_or_repeats(client, tenant) -> None:
    made = [(await _order(client, tenant, occurred_at=STAMP))["order_id"] for _ in range(7)]
    newer = (await _order(client, tenant))["order_id"]   # an hour ago: newest
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": "3", **({"cursor": cursor} if cursor else {})}
        body = await _list(client, tenant, **params)
        seen += [o["id"] for o in body["data"]]
        pages += 1
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert pages == 3 and len(seen) == 8 and len(set(seen)) == 8
    assert seen[0] == newer
    assert seen[1:] == sorted(made, reverse=True)   # ties: id descending, stable


async def test_filters(client, tenant) -> None:
    blr = await add_location(client, tenant, "blr-1")
    mum = await add_location(client, tenant, "mum-1")
    a = await _order(client, tenant, location=blr["id"], terminal="T1", occurred_at=STAMP)
    b = await _order(client, tenant, location=mum["code"], terminal="T2",
                     customer={"phone": "+91 90000 11111"})
    c = await _order(client, tenant, occurred_at=f"{D2}T23:30:00+05:30")

    def ids(body):  # type: ignore[no-untyped-def]
        return {o["id"] for o in body["data"]}
    assert ids(await _list(client, tenant, location="blr-1")) == {a["order_id"]}
    assert ids(await _list(client, tenant, location=mum["id"])) == {b["order_id"]}
    assert ids(await _list(client, tenant, terminal="T2")) == {b["order_id"]}
    assert ids(await _list(client, tenant, contact=b["contact_id"])) == {b["order_id"]}
    # a date is the brand's local day (Asia/Kolkata), both ends included
    assert ids(await _list(client, tenant, **{"from": str(D0), "to": str(D2)})) == {
        a["order_id"], c["order_id"]}
    assert ids(await _list(client, tenant, **{"from": f"{D1}T00:00:00Z",
                                             "to": str(D2)})) == {c["order_id"]}
    assert ids(await _list(client, tenant, source="api", channel="offline",
                           status="completed")) >= {a["order_id"], b["order_id"]}
    assert ids(await _list(client, tenant, source="activepos")) == set()
    refund = await client.post(f"/v1/orders/{a['order_id']}/refunds", headers=tenant.admin,
                               json={"refund_id": "R-1", "amount": 49800})
    assert refund.status_code == 201, refund.text
    assert ids(await _list(client, tenant, status="refunded")) == {a["order_id"]}
    row = (await _list(client, tenant, location="blr-1"))["data"][0]
    assert row["totals"]["total"] == 49800 and row["currency"] == "INR"
    assert row["terminal_id"] == "T1" and row["status"] == "refunded"


@pytest.mark.parametrize(("params", "field"), [
    ({"from": "yesterday"}, "from"), ({"to": "2026-01-10T10:00:00"}, "to"),
    ({"limit": "0"}, "limit"), ({"limit": "201"}, "limit"), ({"limit": "ten"}, "limit"),
    ({"cursor": "bm90LWEtY3Vyc29y"}, "cursor"), ({"status": "done"}, "status"),
    ({"channel": "web"}, "channel"), ({"location": "nowhere"}, "location"),
    ({"from": "2026-01-12", "to": "2026-01-10"}, "to"),
])
async def test_bad_parameters_are_named(client, tenant, params, field) -> None:
    response = await client.get("/v1/orders", headers=tenant.admin, params=params)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert [d["field"] for d in error["details"]] == [field]
    assert error["message"].startswith(f"{field}: ")


async def test_every_bad_parameter_in_one_reply(client, tenant) -> None:
    response = await client.get("/v1/orders", headers=tenant.admin,
                                params={"from": "x", "limit": "999", "status": "?"})
    assert response.status_code == 422
    assert {d["field"] for d in response.json()["error"]["details"]} == {"from", "limit", "status"}


async def test_external_id_lookup_is_unchanged(client, tenant) -> None:
    made = await _order(client, tenant, external_id="EXT-9")
    found = await client.get("/v1/orders", headers=tenant.admin, params={"external_id": "EXT-9"})
    assert found.status_code == 200 and found.json()["id"] == made["order_id"]
    assert found.json()["lines"]   # the full document, as before
    missing = await client.get("/v1/orders", headers=tenant.admin,
                               params={"external_id": "EXT-9", "source": "activepos"})
    assert missing.status_code == 404


async def test_orders_of_other_workspaces_are_not_listed(client, make_tenant) -> None:
    one, two = await make_tenant(), await make_tenant()
    await _order(client, one)
    assert (await _list(client, two))["data"] == []


def test_parse_moment_is_pure() -> None:
    from zoneinfo import ZoneInfo
    tz = ZoneInfo("Asia/Kolkata")
    assert listing.parse_moment("2026-01-10", tz, end=False) == dt.datetime(
        2026, 1, 9, 18, 30, tzinfo=dt.UTC)
    assert listing.parse_moment("2026-01-10", tz, end=True) == dt.datetime(
        2026, 1, 10, 18, 30, tzinfo=dt.UTC)
    # an unencoded "+" arrives as a space in a query string
    assert listing.parse_moment("2026-01-10T10:00:00 05:30", tz, end=False) == dt.datetime(
        2026, 1, 10, 4, 30, tzinfo=dt.UTC)
