"""Issue 18, findings 4 and 5: what the inbox stores of a webhook delivery.

4. Clover authenticates a delivery with the pipe's own auth code in ``X-Clover-Auth``: stored
   as sent, anyone who could read a delivery could forge that pipe's webhooks.
5. A delivery with a bad signature was stored whole (20 × 1 MB of junk, 20 MB in the database,
   with only a pipe id needed); now it keeps metadata and a prefix, rejections are limited per
   pipe, and sync health counts them.
"""

from __future__ import annotations

import hashlib
import re
import json
import time
import uuid

import pytest
from sqlalchemy import func, select

from activereach.pipes import retention
from activereach.pipes.models import WebhookDelivery
from tests.console.conftest import make_user, sign_in
from tests.pipes.conftest import deliver, make_pipe


def test_credential_headers_are_scrubbed_and_signatures_kept() -> None:
    headers = {"x-clover-auth": "XYZ-secret", "authorization": "Bearer sk_live", "cookie": "s=1",
               "x-shopify-hmac-sha256": "abc=", "x-api-key": "k", "x-custom-token": "t",
               "content-type": "application/json", "x-shopify-topic": "orders/paid"}
    scrubbed = retention.scrub_headers(headers)
    assert {k for k, v in scrubbed.items() if v == retention.REDACTED} == {
        "x-clover-auth", "authorization", "cookie", "x-api-key", "x-custom-token"}
    assert scrubbed["x-shopify-hmac-sha256"] == "abc=" and scrubbed["x-shopify-topic"] == "orders/paid"


def test_a_rejected_body_keeps_a_prefix_and_describes_the_rest() -> None:
    raw = b"j" * 100_000
    kept, meta = retention.rejected_body(raw, 1024)
    assert kept == raw[:1024]
    assert meta == {"bytes": 100_000, "sha256": hashlib.sha256(raw).hexdigest(),
                    "kept_bytes": 1024, "truncated": True}


def _clover_note() -> bytes:
    return json.dumps({"appId": "DRKVJT2ZRRRSC", "merchants": {"XYZVJT2ZRRRSC": [
        {"objectId": f"O:{uuid.uuid4().hex[:13].upper()}", "type": "UPDATE",
         "ts": int(time.time() * 1000)}]}}).encode()


async def test_clover_auth_code_is_never_stored_or_shown(client, tenant, db) -> None:
    pipe = await make_pipe(client, tenant, "clover")
    response = await deliver(client, pipe, _clover_note())
    assert response.status_code == 200, response.text
    delivery_id = response.json()["delivery_id"]
    shown = (await client.get(f"/v1/pipes/{pipe['id']}/deliveries/{delivery_id}",
                              headers=tenant.admin)).json()
    assert shown["headers"]["x-clover-auth"] == retention.REDACTED
    async with db.read_session() as session:
        row = await session.get(WebhookDelivery, (tenant.id, delivery_id))
    assert pipe["secret"] not in json.dumps(row.headers)
    # A forged one (wrong auth code) is refused and its header scrubbed too.
    forged = await deliver(client, pipe, _clover_note(), {"content-type": "application/json",
                                                          "X-Clover-Auth": "guessed-code"})
    assert forged.status_code == 401
    async with db.read_session() as session:
        rejected = await session.get(WebhookDelivery,
                                     (tenant.id, forged.json()["error"]["details"]["delivery_id"]))
    assert "guessed-code" not in json.dumps(rejected.headers)


@pytest.fixture
def tight_budget():  # type: ignore[no-untyped-def]
    """Five stored rejections per pipe per hour for this test, then the operator's setting.
    (An hour, not a minute: the sliding-window counter weighs the previous window by what is
    left of it, so a test that crossed a minute boundary would see extra room.)"""
    retention.REJECTED.configure("5/hour")
    yield
    retention.REJECTED._spec = None  # next use reads the settings again


async def _stored_bytes(db, tenant) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    async with db.read_session() as session:
        rows = (await session.execute(select(func.count(), func.sum(func.length(
            WebhookDelivery.body))).where(WebhookDelivery.workspace_id == tenant.id))).one()
    return int(rows[0]), int(rows[1] or 0)


async def test_junk_posts_cost_a_small_row_each_then_nothing(client, tenant, db,
                                                             tight_budget) -> None:
    pipe = await make_pipe(client, tenant, "toast")
    junk = b"{" + b"x" * 1_000_000 + b"}"
    codes = [(await client.post(f"/v1/pipes/{pipe['id']}/webhook", content=junk, headers={
        "content-type": "application/json", "Toast-Signature": "forged"})).status_code
        for _ in range(8)]
    assert codes == [401] * 5 + [429] * 3
    count, size = await _stored_bytes(db, tenant)
    assert count == 5 and size == 5 * 1024  # was 8 MB: the whole body of each
    listed = (await client.get(f"/v1/pipes/{pipe['id']}/deliveries", headers=tenant.admin)).json()
    detail = (await client.get(f"/v1/pipes/{pipe['id']}/deliveries/{listed[0]['id']}",
                               headers=tenant.admin)).json()
    meta = detail["mapping_result"]["rejected"]
    assert meta["bytes"] == len(junk) and meta["truncated"] and meta["code"] == "bad_signature"
    health = (await client.get(f"/v1/pipes/{pipe['id']}/health", headers=tenant.admin)).json()
    assert health["rejected"] == {"stored": 5, "throttled": 3, "total": 8}
    # ... and the console's pipe page shows them to the people who watch sync health
    await sign_in(client, await make_user(db, tenant.slug))
    page = await client.get(f"/dashboard/{tenant.slug}/settings/pipes/{pipe['id']}")
    assert re.search(r'data-testid="rejected">8 <small>3 not stored', page.text), page.text[:2000]

    # With room in the budget again, the next rejection carries the refusals not stored, so
    # health still counts them once this process's pending count is gone.
    retention.REJECTED.configure("50/minute")
    again = await client.post(f"/v1/pipes/{pipe['id']}/webhook", content=b"{}", headers={
        "content-type": "application/json", "Toast-Signature": "forged"})
    assert again.status_code == 401 and retention.REJECTED.pending(pipe["id"]) == 0
    health = (await client.get(f"/v1/pipes/{pipe['id']}/health", headers=tenant.admin)).json()
    assert health["rejected"] == {"stored": 6, "throttled": 3, "total": 9}


async def test_genuine_deliveries_pass_while_junk_is_throttled(client, tenant, tight_budget) -> None:  # noqa: E501
    from activereach.pipes.samples import sample

    pipe = await make_pipe(client, tenant, "toast")
    for _ in range(7):
        await client.post(f"/v1/pipes/{pipe['id']}/webhook", content=b"{}", headers={
            "content-type": "application/json", "Toast-Signature": "forged"})
    genuine = await deliver(client, pipe, sample("toast")[0])
    assert genuine.status_code == 200, genuine.text
