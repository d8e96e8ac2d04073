"""Data Pipes fixes: the list shows the built-in ActivePOS source (one row per till, health
from its orders) with or without a pipe row; the empty New-pipe form flags every required
field in people's words; the sample test uses the brand's currency, today and its catalog, and
warns ("would ingest, but: …"); every pipe write leaves an audit entry, secrets masked."""

from __future__ import annotations

import json
import re
import uuid

from sqlalchemy import select

from activereach.audit.models import AuditEntry
from activereach.kit.db import unit_of_work
from activereach.pipes.samples import sample
from tests.catalog.conftest import tax_class
from tests.conftest import add_location, order_body, signed_till
from tests.console.conftest import sign_in
from tests.console.test_pipes_pages import CUSTOM_SECRET, create_custom, pipes_url, post_custom


async def audit_log(db, tenant) -> list[AuditEntry]:  # type: ignore[no-untyped-def]
    async def load(session):  # type: ignore[no-untyped-def]
        return list((await session.scalars(select(AuditEntry).where(
            AuditEntry.workspace_id == tenant.id).order_by(AuditEntry.at, AuditEntry.id))).all())
    return await unit_of_work(db, load)


async def test_activepos_tills_are_listed_without_a_pipe_row(client, tenant,
                                                              console_user) -> None:
    till = await signed_till(client, tenant, "blr-1", terminal_id="T7")
    for _ in range(2):
        sold = await client.post("/v1/pos/orders", headers=till.headers, json=till.sign(
            order_body(client_order_id=str(uuid.uuid4()))))
        assert sold.status_code == 201, sold.text
    quiet = await add_location(client, tenant, "del-1")
    assert (await client.post(f"/v1/locations/{quiet['id']}/terminals", headers=tenant.admin,
                              json={"terminal_id": "T8"})).status_code == 201
    await sign_in(client, await console_user(tenant.slug, "analyst"))

    html = (await client.get(pipes_url(tenant))).text
    assert "No data pipes" not in html
    busy = re.search(r'<tr data-till="T7".*?</tr>', html, re.S)
    assert busy, html
    row = busy.group(0)
    assert "ActivePOS <code>T7</code>" in row and "Outlet blr-1" in row
    assert ">active<" in row and "2 <small>orders</small>" in row and "IST" in row
    idle = re.search(r'<tr data-till="T8".*?</tr>', html, re.S).group(0)
    assert ">not paired<" in idle and "no orders yet" in idle
    # The chip strip: only the selected outlet's tills.
    mine = (await client.get(pipes_url(tenant), params={"location": "del-1"})).text
    assert 'data-till="T8"' in mine and 'data-till="T7"' not in mine


async def test_a_pipe_row_for_a_till_carries_its_orders(client, tenant, console_user) -> None:
    till = await signed_till(client, tenant, "blr-1", terminal_id="T1")
    sold = await client.post("/v1/pos/orders", headers=till.headers, json=till.sign(
        order_body(client_order_id=str(uuid.uuid4()))))
    assert sold.status_code == 201, sold.text
    token = await sign_in(client, await console_user(tenant.slug))
    made = await client.post(pipes_url(tenant), data={
        "csrf_token": token, "provider": "activepos", "name": "Front till",
        "location": till.location["id"], "terminal": "T1"})
    assert made.status_code == 200, made.text
    html = (await client.get(pipes_url(tenant))).text
    # One row, the pipe's, carrying the till's figures (not a second "built-in" row).
    assert html.count('data-till="T1"') == 1 and "Front till" in html
    assert 'data-testid="activepos-till"' not in html and "1 <small>order</small>" in html


async def test_the_empty_new_pipe_form_flags_every_required_field(client, tenant,
                                                                  console_user) -> None:
    token = await sign_in(client, await console_user(tenant.slug))
    till = await client.post(pipes_url(tenant), data={"csrf_token": token,
                                                      "provider": "activepos"})
    assert till.status_code == 422
    for words in ("Enter a name", "Choose an outlet", "Enter the terminal ID"):
        assert words in till.text, words
    square = await client.post(pipes_url(tenant), data={"csrf_token": token,
                                                        "provider": "square"})
    assert square.status_code == 422
    assert "Enter a name" in square.text and "Enter the signature key" in square.text
    for page in (till.text, square.text):
        assert "String should" not in page and "Field required" not in page


async def test_the_sample_is_the_brands_own_and_warnings_are_listed(client, tenant,
                                                                    console_user) -> None:
    await add_location(client, tenant, "cu-1")
    tax = await tax_class(client, tenant)
    made = await client.post("/v1/catalog/products", headers=tenant.admin, json={
        "handle": "chai", "title": "Masala Chai", "tax_class_id": tax["id"],
        "variants": [{"sku": "CHAI-L", "name": "Large", "price": 24900}]})
    assert made.status_code == 201, made.text
    token = await sign_in(client, await console_user(tenant.slug))
    pipe_id = await create_custom(client, tenant, token)
    form = (await client.get(pipes_url(tenant, f"/{pipe_id}/test"))).text
    assert "Masala Chai (Large)" in form and "CHAI-L" in form and "LATTE-M" not in form

    builtin = await client.post(pipes_url(tenant, f"/{pipe_id}/test"),
                                data={"csrf_token": token})
    assert 'data-testid="verdict">would ingest<' in builtin.text, builtin.text
    assert 'data-testid="test-warnings"' not in builtin.text

    foreign = json.loads(sample("custom")[0])
    foreign.update(currency="USD", occurred_at="2026-01-02T10:00:00+00:00")
    foreign["lines"][0]["sku"] = "NOT-SOLD-HERE"
    warned = await client.post(pipes_url(tenant, f"/{pipe_id}/test"), data={
        "csrf_token": token, "payload": json.dumps(foreign)})
    html = warned.text
    assert 'data-testid="verdict">would ingest, but:<' in html, html
    listed = re.search(r'<ul class="scope-note" data-testid="test-warnings">(.*?)</ul>', html,
                       re.S).group(1)
    assert listed.count("<li") == 3
    assert "USD" in listed and "NOT-SOLD-HERE" in listed and "days ago" in listed
    shown = html.split('data-testid="test-result">')[1].split("</section>")[0]
    assert "&#34;" not in shown and '{"' not in shown and "<dl class=\"facts\">" in shown


async def test_every_pipe_write_is_audited_secrets_masked(client, tenant, console_user, db,
                                                          drain) -> None:
    await add_location(client, tenant, "cu-1")
    token = await sign_in(client, await console_user(tenant.slug))
    pipe_id = await create_custom(client, tenant, token, mapping="lines = items")
    body = sample("custom")[0]
    assert (await post_custom(client, pipe_id, body)).status_code == 200
    await drain(tenant.id)
    detail = (await client.get(pipes_url(tenant, f"/{pipe_id}"))).text
    delivery = re.search(r'<tr data-delivery="(dlv_[A-Za-z0-9]+)">', detail).group(1)
    new_secret = "rotated-secret-0002"
    saved = await client.post(pipes_url(tenant, f"/{pipe_id}"), data={
        "csrf_token": token, "name": "Kiosk POS 2", "location_map": "store-1 = cu-1",
        "mapping": "", "secret": new_secret})
    assert saved.status_code == 303, saved.text
    for rest in (f"/deliveries/{delivery}/replay", "/replay", "/pause", "/resume"):
        assert (await client.post(pipes_url(tenant, f"/{pipe_id}{rest}"),
                                  data={"csrf_token": token})).status_code == 303, rest
    assert (await client.post(pipes_url(tenant, f"/{pipe_id}/delete"), data={
        "csrf_token": token, "confirm": "on"})).status_code == 303

    entries = [e for e in await audit_log(db, tenant) if e.target_kind == "pipe"]
    assert [e.action for e in entries] == [
        "pipe.create", "pipe.update", "pipe.rotate_secret", "pipe.replay", "pipe.replay_all",
        "pipe.pause", "pipe.resume", "pipe.delete"]
    assert {e.target_id for e in entries} == {pipe_id}
    update = {c["field"]: (c["before"], c["after"]) for c in entries[1].changes}
    assert update["name"] == ("Kiosk POS", "Kiosk POS 2")
    assert update["mapping"] == ({"lines": "items"}, {})
    assert update["secret"] == ("•••", "•••")
    everything = json.dumps([e.changes for e in entries]) + " ".join(e.note for e in entries)
    assert new_secret not in everything and CUSTOM_SECRET not in everything
    assert dict((c["field"], c["after"]) for c in entries[5].changes)["status"] == "paused"
    assert dict((c["field"], c["after"]) for c in entries[7].changes)["status"] == "deleted"
    log = (await client.get(f"/dashboard/{tenant.slug}/settings/audit")).text
    assert "pipe.rotate_secret" in log or "Kiosk POS 2" in log
