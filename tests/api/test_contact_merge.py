"""A contact merge moves everything that points at the old contact, in every domain.

``test_every_contact_id_column_is_claimed_by_a_merge_hook`` enumerates the schema the way
``test_every_table_carries_workspace_id`` does; the other test drives a real merge and then
reads every such column for the merged-away id.
"""

from __future__ import annotations

from sqlalchemy import text

from activereach.contacts import merging
from activereach.jobs.worker import Worker
from activereach.kit.db import Base
from tests.bills.conftest import post_rating
from tests.conftest import order_body

# Rows that stay on the merged-away id on purpose: tombstones that point at the survivor.
TOMBSTONES = {"loyalty_accounts": "status = 'merged'"}


def _contact_tables() -> set[str]:
    return {table.name for table in Base.metadata.sorted_tables if "contact_id" in table.c}


def test_every_contact_id_column_is_claimed_by_a_merge_hook() -> None:
    claimed: dict[str, int] = {}
    for hook in merging.hooks():
        for name in hook.tables:
            claimed[name] = claimed.get(name, 0) + 1
    missing = _contact_tables() - set(claimed)
    assert not missing, (f"tables with a contact_id that no contact merge hook moves: "
                         f"{sorted(missing)} (register one in activereach/wiring.py)")
    twice = sorted(name for name, count in claimed.items() if count > 1)
    assert not twice, f"tables claimed by two merge hooks: {twice}"
    assert set(claimed) <= _contact_tables(), "a hook claims a table without a contact_id"


async def _consent(client, tenant, contact: str, channel: str, status: str) -> None:
    response = await client.put(f"/v1/messaging/consent/{contact}/{channel}",
                                headers=tenant.admin, json={"status": status, "source": "counter"})
    assert response.status_code == 200, response.text


async def test_a_merge_keeps_the_opt_out_and_moves_bills_ratings_and_roll_ups(
        client, tenant, db) -> None:
    by_phone = (await client.post("/v1/orders", headers=tenant.admin, json=order_body(
        customer={"phone": "9845012345"}))).json()
    by_email = (await client.post("/v1/orders", headers=tenant.admin, json=order_body(
        customer={"email": "kavya@example.in"}))).json()
    await _consent(client, tenant, by_phone["contact_id"], "sms", "opted_out")
    await _consent(client, tenant, by_email["contact_id"], "sms", "opted_in")   # later, and yes
    await _consent(client, tenant, by_phone["contact_id"], "email", "opted_in")
    rated = await post_rating(client, tenant.slug, by_phone["bill"]["code"], 4, "good chai")
    assert rated.status_code in (200, 303), rated.text
    await Worker(db).drain()   # the per-contact roll-ups of both orders

    both = (await client.post("/v1/orders", headers=tenant.admin, json=order_body(
        customer={"phone": "9845012345", "email": "kavya@example.in"}))).json()
    survivor = both["contact_id"]
    gone = ({by_phone["contact_id"], by_email["contact_id"]} - {survivor}).pop()
    await Worker(db).drain()

    consent = (await client.get(f"/v1/messaging/consent/{survivor}", headers=tenant.admin)).json()
    assert consent["channels"]["sms"]["status"] == "opted_out"
    assert consent["channels"]["email"]["status"] == "opted_in"
    profile = (await client.get(f"/v1/contacts/{survivor}", headers=tenant.admin)).json()
    assert profile["consent"]["sms"]["status"] == "opted_out"
    assert profile["orders_count"] == 3

    async with db.session() as session:
        order_total = await session.scalar(text(
            "SELECT min(total) FROM orders WHERE workspace_id = :ws"), {"ws": tenant.id})
        for name in sorted(_contact_tables()):
            where = "workspace_id = :ws AND contact_id = :gone"
            if name in TOMBSTONES:
                where += f" AND NOT ({TOMBSTONES[name]})"
            left = await session.scalar(text(f"SELECT count(*) FROM {name} WHERE {where}"),
                                        {"ws": tenant.id, "gone": gone})
            assert left == 0, f"{left} row(s) of {name} still point at the merged-away contact"
        bills = await session.scalar(text(
            "SELECT count(*) FROM bill_receipts WHERE workspace_id = :ws AND contact_id = :c"),
            {"ws": tenant.id, "c": survivor})
        ratings = await session.scalar(text(
            "SELECT count(*) FROM bill_ratings WHERE workspace_id = :ws AND contact_id = :c"),
            {"ws": tenant.id, "c": survivor})
        days = (await session.execute(text(
            "SELECT sum(orders), sum(gross) FROM daily_contact_sales "
            "WHERE workspace_id = :ws AND contact_id = :c"),
            {"ws": tenant.id, "c": survivor})).one()
        firsts = await session.scalar(text(
            "SELECT count(*) FROM contact_first_days WHERE workspace_id = :ws AND contact_id = :c"),
            {"ws": tenant.id, "c": survivor})
    assert (bills, ratings, firsts) == (3, 1, 1)
    assert days[0] == 3 and days[1] == 3 * order_total

