"""Settings → Data Pipes pages: create (secret shown once), test with the documented sample,
pause/resume, dead letters and replay, deliveries, chip strip, roles, isolation and CSRF."""

from __future__ import annotations

import json
import re

from sqlalchemy import func, select

from activereach.orders.models import Order
from activereach.pipes.samples import restamp, sample
from tests.conftest import add_location
from tests.console.conftest import sign_in
from tests.pipes.conftest import FIXTURES, signed

SQUARE_KEY = "sq-signature-key-0001"
SQUARE_TOKEN = "EAAA-square-token-0001"
CUSTOM_SECRET = "custom-secret-0001"


def pipes_url(tenant, rest: str = "") -> str:
    return f"/dashboard/{tenant.slug}/settings/pipes{rest}"


def pipe_id_of(html: str) -> str:
    match = re.search(r"/v1/pipes/(pipe_[A-Za-z0-9]+)/webhook", html)
    assert match, "no webhook URL on the page"
    return match.group(1)


async def orders_of(db, tenant) -> int:
    async with db.read_session() as session:
        return int(await session.scalar(select(func.count()).select_from(Order).where(
            Order.workspace_id == tenant.id)) or 0)


async def create_square(client, tenant, token: str, **extra: str) -> str:
    form = {"csrf_token": token, "provider": "square", "name": "Square HQ", "form_id": "form-1",
            "signature_key": SQUARE_KEY, "api_base_url": "http://127.0.0.1:9",
            "access_token": SQUARE_TOKEN, "location_map": "P3CCK6HSNDAS7 = sq-1", **extra}
    response = await client.post(pipes_url(tenant), data=form)
    assert response.status_code == 200, response.text
    return response.text


async def create_custom(client, tenant, token: str, mapping: str = "") -> str:
    response = await client.post(pipes_url(tenant), data={
        "csrf_token": token, "provider": "custom", "name": "Kiosk POS", "secret": CUSTOM_SECRET,
        "location_map": "store-1 = cu-1", "mapping": mapping})
    assert response.status_code == 200, response.text
    return pipe_id_of(response.text)


async def post_custom(client, pipe_id: str, body: bytes):
    return await client.post(f"/v1/pipes/{pipe_id}/webhook", content=body,
                             headers=signed("custom", body, CUSTOM_SECRET))


async def test_create_square_pipe_shows_secret_once_and_tests_documented_sample(
        client, make_tenant, console_user, db) -> None:
    tenant = await make_tenant(country="US", currency="USD", timezone="America/New_York")
    await add_location(client, tenant, "sq-1")
    token = await sign_in(client, await console_user(tenant.slug))
    chooser = await client.get(pipes_url(tenant, "/new"))
    assert "ActivePOS" in chooser.text and "Lightspeed X-Series" in chooser.text
    form = await client.get(pipes_url(tenant, "/new"), params={"provider": "square"})
    assert 'name="signature_key"' in form.text and 'type="password"' in form.text

    created = await create_square(client, tenant, token)
    pipe_id = pipe_id_of(created)
    assert SQUARE_KEY in created and "shown <strong>once</strong>" in created
    assert SQUARE_TOKEN not in created  # the API token is a secret too, but not the signing one
    for url in (pipes_url(tenant), pipes_url(tenant, f"/{pipe_id}"),
                pipes_url(tenant, f"/{pipe_id}/test")):
        page = await client.get(url)
        assert page.status_code == 200 and SQUARE_KEY not in page.text
        assert SQUARE_TOKEN not in page.text
    detail = (await client.get(pipes_url(tenant, f"/{pipe_id}"))).text
    assert "<code>signature_key</code> set" in detail and "Square webhook" in detail
    # Reloading the created page re-posts the form: same form id → the same pipe, no secret.
    again = await client.post(pipes_url(tenant), data={
        "csrf_token": token, "provider": "square", "name": "Square HQ", "form_id": "form-1",
        "signature_key": SQUARE_KEY})
    assert again.status_code == 303 and again.headers["location"].endswith(pipe_id)
    assert len((await client.get("/v1/pipes", headers=tenant.admin)).json()) == 1

    # A blank notification URL means "this pipe's own URL": Square's signature then verifies.
    webhook = f"http://testserver/v1/pipes/{pipe_id}/webhook"
    shown = (await client.get(f"/v1/pipes/{pipe_id}", headers=tenant.admin)).json()
    assert shown["settings"]["notification_url"] == webhook
    # Moved to today: Square's signed created_at must be within its 72 h retry window.
    event = restamp((FIXTURES / "square_order_updated.json").read_bytes())
    delivered = await client.post(f"/v1/pipes/{pipe_id}/webhook", content=event, headers={
        "content-type": "application/json", **signed("square", event, SQUARE_KEY, url=webhook)})
    assert delivered.status_code == 200, delivered.text

    # Square's documented order, moved to today: a 2020 order is outside the ingest time bounds.
    documented = restamp(
        (FIXTURES / "square_api_pay_order_response_completed_order.json").read_bytes()).decode()
    before = await orders_of(db, tenant)
    result = await client.post(pipes_url(tenant, f"/{pipe_id}/test"), data={
        "csrf_token": token, "payload": documented, "payload_kind": "order"})
    assert result.status_code == 200, result.text
    assert 'data-testid="verdict">would ingest<' in result.text
    assert "lgwOlEityYPJtcuvKTVKT1pA986YY" in result.text and "Item 2" in result.text
    assert 'data-testid="total">$20.00<' in result.text, result.text
    assert await orders_of(db, tenant) == before  # a test writes nothing

    builtin = await client.post(pipes_url(tenant, f"/{pipe_id}/test"), data={"csrf_token": token})
    assert 'data-testid="verdict">would ingest<' in builtin.text


async def test_test_run_names_the_failing_fields(client, tenant, console_user) -> None:
    await add_location(client, tenant, "cu-1")
    token = await sign_in(client, await console_user(tenant.slug))
    pipe_id = await create_custom(client, tenant, token)
    payload = json.loads(sample("custom")[0])
    payload["lines"][0]["quantity"] = "-1"
    result = await client.post(pipes_url(tenant, f"/{pipe_id}/test"), data={
        "csrf_token": token, "payload": json.dumps(payload), "verify": "on",
        "headers": "X-Signature: 00"})
    assert result.status_code == 200
    assert "would not ingest" in result.text and "<code>lines.0.quantity</code>" in result.text
    assert "Signature: INVALID" in result.text
    bad = await client.post(pipes_url(tenant, f"/{pipe_id}/test"), data={
        "csrf_token": token, "mapping": "customer.phone = [[["})
    assert "<code>mapping.customer.phone</code>" in bad.text


async def test_validation_errors_name_the_field(client, tenant, console_user) -> None:
    await add_location(client, tenant, "sq-1")
    token = await sign_in(client, await console_user(tenant.slug))
    missing = await client.post(pipes_url(tenant), data={
        "csrf_token": token, "provider": "square", "name": "Square HQ",
        "api_base_url": "ftp://nope", "access_token": "tok"})
    assert missing.status_code == 422
    assert "settings.api_base_url: must be an http(s) URL" in missing.text
    bad_map = await create_square_422(client, tenant, token, location_map="L1 = nowhere")
    assert "settings.location_map.L1: no outlet with id or code &#39;nowhere&#39;" in bad_map
    bad_expr = await create_square_422(client, tenant, token, mapping="customer.phone = [[[")
    assert "Field mapping: mapping.customer.phone:" in bad_expr
    bad_line = await create_square_422(client, tenant, token, location_map="just-an-id")
    assert "Location map: line 1: write it as" in bad_line
    secret_kept_out = await create_square_422(client, tenant, token, mapping="bogus = id")
    assert "mapping.bogus: unknown field" in secret_kept_out and SQUARE_KEY not in secret_kept_out
    activepos = await client.post(pipes_url(tenant), data={
        "csrf_token": token, "provider": "activepos", "name": "Till"})
    assert activepos.status_code == 422 and "location" in activepos.text
    nameless = await client.post(pipes_url(tenant), data={
        "csrf_token": token, "provider": "toast", "name": "", "signing_secret": "x"})
    assert nameless.status_code == 422 and "Name: Enter a name" in nameless.text


async def create_square_422(client, tenant, token: str, **extra: str) -> str:
    form = {"csrf_token": token, "provider": "square", "name": "Square HQ",
            "signature_key": SQUARE_KEY, "api_base_url": "http://127.0.0.1:9",
            "access_token": SQUARE_TOKEN, **extra}
    response = await client.post(pipes_url(tenant), data=form)
    assert response.status_code == 422, response.text
    return response.text


async def test_pause_resume_and_replay_a_dead_letter(client, tenant, console_user, db,
                                                     drain) -> None:
    await add_location(client, tenant, "cu-1")
    token = await sign_in(client, await console_user(tenant.slug, "manager"))
    # A wrong override (lines from a field the POS does not send) dead-letters the sale.
    pipe_id = await create_custom(client, tenant, token, mapping="lines = items")
    body = sample("custom")[0]
    assert (await post_custom(client, pipe_id, body)).status_code == 200
    await drain(tenant.id)
    detail = await client.get(pipes_url(tenant, f"/{pipe_id}"))
    match = re.search(r'<tr data-delivery="(dlv_[A-Za-z0-9]+)">', detail.text)
    assert match, detail.text
    delivery_id = match.group(1)
    assert 'data-testid="status">error<' in detail.text

    fixed = await client.post(pipes_url(tenant, f"/{pipe_id}"), data={
        "csrf_token": token, "name": "Kiosk POS", "location_map": "store-1 = cu-1",
        "mapping": ""})
    assert fixed.status_code == 303
    assert (await client.get(f"/v1/pipes/{pipe_id}", headers=tenant.admin)).json()["mapping"] == {}
    replayed = await client.post(pipes_url(tenant, f"/{pipe_id}/deliveries/{delivery_id}/replay"),
                                 data={"csrf_token": token})
    assert replayed.status_code == 303
    await drain(tenant.id)
    assert await orders_of(db, tenant) == 1
    after = await client.get(pipes_url(tenant, f"/{pipe_id}"))
    assert "queued for replay" in after.text and "No dead letters." in after.text
    delivery = await client.get(pipes_url(tenant, f"/{pipe_id}/deliveries/{delivery_id}"))
    assert "processed" in delivery.text and "C-1001" in delivery.text

    assert (await client.post(pipes_url(tenant, f"/{pipe_id}/pause"),
                              data={"csrf_token": token})).status_code == 303
    paused = await client.get(pipes_url(tenant, f"/{pipe_id}"))
    assert 'data-testid="status">paused<' in paused.text and 'id="resume"' in paused.text
    second = json.loads(body)
    second.update(external_id="C-1002", event_id="evt_1002")
    assert (await post_custom(client, pipe_id, json.dumps(second).encode())).status_code == 200
    await drain(tenant.id)
    assert await orders_of(db, tenant) == 1  # stored, not processed while paused
    assert (await client.post(pipes_url(tenant, f"/{pipe_id}/resume"),
                              data={"csrf_token": token})).status_code == 303
    await drain(tenant.id)
    assert await orders_of(db, tenant) == 2
    log = await client.get(pipes_url(tenant, f"/{pipe_id}/deliveries"),
                           params={"status": "processed"})
    assert log.text.count("<tr data-delivery=") == 2


async def test_replay_all_dead_letters(client, tenant, console_user, db, drain) -> None:
    await add_location(client, tenant, "cu-1")
    token = await sign_in(client, await console_user(tenant.slug))
    pipe_id = await create_custom(client, tenant, token, mapping="lines = items")
    for n in (1, 2):
        order = json.loads(sample("custom")[0])
        order.update(external_id=f"R-{n}", event_id=f"evt_r{n}")
        assert (await post_custom(client, pipe_id, json.dumps(order).encode())).status_code == 200
    await drain(tenant.id)
    detail = await client.get(pipes_url(tenant, f"/{pipe_id}"))
    assert detail.text.count("<tr data-delivery=") == 2 and 'id="replay-all"' in detail.text
    await client.post(pipes_url(tenant, f"/{pipe_id}"), data={
        "csrf_token": token, "name": "Kiosk POS", "location_map": "store-1 = cu-1"})
    replayed = await client.post(pipes_url(tenant, f"/{pipe_id}/replay"),
                                 data={"csrf_token": token})
    assert replayed.status_code == 303
    await drain(tenant.id)
    assert await orders_of(db, tenant) == 2
    assert "2 dead letter(s) queued" in (await client.get(pipes_url(tenant, f"/{pipe_id}"))).text


async def test_deliveries_paginate_filter_and_follow_the_chip_strip(
        client, tenant, console_user, drain) -> None:
    await add_location(client, tenant, "cu-1")
    other = await add_location(client, tenant, "sq-1")
    token = await sign_in(client, await console_user(tenant.slug))
    pipe_id = await create_custom(client, tenant, token)
    for n in range(26):  # bad signatures: stored as rejected, never processed
        await client.post(f"/v1/pipes/{pipe_id}/webhook", content=b'{"n": %d}' % n,
                          headers={"content-type": "application/json", "X-Signature": "00"})
    assert (await post_custom(client, pipe_id, sample("custom")[0])).status_code == 200
    await drain(tenant.id)
    url = pipes_url(tenant, f"/{pipe_id}/deliveries")
    first = await client.get(url, params={"status": "rejected"})
    assert first.text.count("<tr data-delivery=") == 25 and 'rel="next"' in first.text
    older = re.search(r'href="([^"]+)" rel="next"', first.text).group(1).replace("&amp;", "&")
    second = await client.get(older)
    assert second.text.count("<tr data-delivery=") == 1 and 'rel="next"' not in second.text
    assert (await client.get(url)).text.count("<tr data-delivery=") == 25
    mine = await client.get(url, params={"location": "cu-1"})
    assert mine.text.count("<tr data-delivery=") == 1 and "processed" in mine.text
    theirs = await client.get(url, params={"location": other["id"]})
    assert "<tr data-delivery=" not in theirs.text
    # The pipe list: only pipes feeding the selected outlet.
    assert pipe_id in (await client.get(pipes_url(tenant), params={"location": "cu-1"})).text
    elsewhere = await client.get(pipes_url(tenant), params={"location": other["id"]})
    assert pipe_id not in elsewhere.text and "No data pipes feeding" in elsewhere.text
    for scope in ("", "all", "cu-1", other["id"]):  # every page keeps the strip selection
        for rest in ("", "/new", "/new?provider=toast", f"/{pipe_id}", f"/{pipe_id}/test",
                     f"/{pipe_id}/deliveries"):
            sep = "&" if "?" in rest else "?"
            shown = await client.get(pipes_url(tenant, rest) + f"{sep}location={scope}")
            assert shown.status_code == 200 and "All outlets" in shown.text, (rest, scope)
            if scope == other["id"]:
                assert f"location={other['id']}" in shown.text


async def test_activepos_pipe_from_the_console(client, tenant, console_user) -> None:
    loc = await add_location(client, tenant, "blr-1")
    token = await sign_in(client, await console_user(tenant.slug))
    made = await client.post(pipes_url(tenant), data={
        "csrf_token": token, "provider": "activepos", "name": "Till 1", "location": loc["id"],
        "terminal": "T1", "pair": "on"})
    assert made.status_code == 200 and 'data-testid="pairing-code"' in made.text
    listing = await client.get(pipes_url(tenant), params={"location": loc["id"]})
    assert "Till 1" in listing.text and "ActivePOS <code>T1</code>" in listing.text
    pipe_id = re.search(r'data-pipe="(pipe_[A-Za-z0-9]+)"', listing.text).group(1)
    detail = await client.get(pipes_url(tenant, f"/{pipe_id}"))
    assert detail.status_code == 200 and "ActivePOS terminal <code>T1</code>" in detail.text
    assert 'data-testid="pairing-code"' not in detail.text


async def test_custom_secret_generated_shown_once_then_delete(client, tenant,
                                                              console_user) -> None:
    await add_location(client, tenant, "cu-1")
    token = await sign_in(client, await console_user(tenant.slug))
    made = await client.post(pipes_url(tenant), data={
        "csrf_token": token, "provider": "custom", "name": "Own POS",
        "location_map": "store-1 = cu-1"})
    secret = re.search(r'data-testid="secret">(whsec_[^<]+)<', made.text).group(1)
    pipe_id = pipe_id_of(made.text)
    assert secret not in (await client.get(pipes_url(tenant, f"/{pipe_id}"))).text
    body = sample("custom")[0]
    signed_ok = await client.post(f"/v1/pipes/{pipe_id}/webhook", content=body,
                                  headers=signed("custom", body, secret))
    assert signed_ok.status_code == 200, signed_ok.text
    unconfirmed = await client.post(pipes_url(tenant, f"/{pipe_id}/delete"),
                                    data={"csrf_token": token})
    assert unconfirmed.status_code == 422 and "tick the box" in unconfirmed.text
    deleted = await client.post(pipes_url(tenant, f"/{pipe_id}/delete"),
                                data={"csrf_token": token, "confirm": "on"})
    assert deleted.status_code == 303
    assert (await client.get(pipes_url(tenant, f"/{pipe_id}"))).status_code == 404
    gone = await client.post(f"/v1/pipes/{pipe_id}/webhook", content=body,
                             headers=signed("custom", body, secret))
    assert gone.status_code == 404


async def test_analyst_reads_but_cannot_write(client, tenant, console_user) -> None:
    await add_location(client, tenant, "cu-1")
    owner_token = await sign_in(client, await console_user(tenant.slug))
    pipe_id = await create_custom(client, tenant, owner_token)
    await client.post("/logout", data={"csrf_token": owner_token})
    token = await sign_in(client, await console_user(tenant.slug, "analyst"))
    listing = await client.get(pipes_url(tenant))
    assert listing.status_code == 200 and "Kiosk POS" in listing.text
    assert 'id="new-pipe"' not in listing.text
    detail = await client.get(pipes_url(tenant, f"/{pipe_id}"))
    assert detail.status_code == 200 and 'id="pause"' not in detail.text
    assert ">Save</button>" not in detail.text
    for path, data in ((pipes_url(tenant), {"provider": "toast", "name": "x",
                                            "signing_secret": "s"}),
                       (pipes_url(tenant, f"/{pipe_id}"), {"name": "renamed"}),
                       (pipes_url(tenant, f"/{pipe_id}/pause"), {}),
                       (pipes_url(tenant, f"/{pipe_id}/test"), {}),
                       (pipes_url(tenant, f"/{pipe_id}/deliveries/dlv_x/replay"), {})):
        response = await client.post(path, data={"csrf_token": token, **data})
        assert response.status_code == 403, path
    shown = (await client.get(f"/v1/pipes/{pipe_id}", headers=tenant.admin)).json()
    assert shown["status"] == "active" and shown["name"] == "Kiosk POS"


async def test_other_workspace_is_404_and_csrf_is_required(client, make_tenant,
                                                           console_user) -> None:
    mine, theirs = await make_tenant(), await make_tenant()
    await add_location(client, theirs, "cu-1")
    their_token = await sign_in(client, await console_user(theirs.slug))
    their_pipe = await create_custom(client, theirs, their_token)
    await client.post("/logout", data={"csrf_token": their_token})
    token = await sign_in(client, await console_user(mine.slug))
    assert (await client.get(pipes_url(theirs))).status_code == 404
    assert (await client.get(pipes_url(theirs, f"/{their_pipe}"))).status_code == 404
    assert (await client.get(pipes_url(mine, f"/{their_pipe}"))).status_code == 404
    assert (await client.post(pipes_url(mine, f"/{their_pipe}/pause"),
                              data={"csrf_token": token})).status_code == 404
    assert (await client.post(pipes_url(theirs, f"/{their_pipe}/pause"),
                              data={"csrf_token": token})).status_code == 404
    no_csrf = await client.post(pipes_url(mine), data={"provider": "toast", "name": "T",
                                                       "signing_secret": "s"})
    assert no_csrf.status_code == 403
    wrong = await client.post(pipes_url(mine), data={"csrf_token": "forged", "provider": "toast",
                                                     "name": "T", "signing_secret": "s"})
    assert wrong.status_code == 403
    assert "T" not in [p["name"] for p in
                       (await client.get("/v1/pipes", headers=mine.admin)).json()]
