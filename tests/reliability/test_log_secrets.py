"""Secrets never reach the logs: a realistic flow runs with logging at DEBUG through the
production log configuration, then every key, token, code, provider secret and PIN it used is
searched for in the captured output."""

from __future__ import annotations

import logging
import re
import uuid

import structlog

from activereach.pipes.samples import sample
from tests.conftest import SignedTill, add_location, order_body
from tests.messaging.conftest import (  # noqa: F401  (fixtures used by name)
    ACCESS_TOKEN, APP_SECRET, TWILIO_TOKEN, configure, provider_server, providers, run_jobs)
from tests.pipes.conftest import deliver, drain, make_pipe
from tests.reliability.test_auth_matrix import _pair
from tests.support import LogCapture

STAFF_PIN = "864209"


async def _flow(client, db, tenant, providers) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Everything that handles a secret, end to end; returns the secrets it used."""
    extra = (await client.post("/v1/api-keys", headers=tenant.admin,
                               json={"kind": "write", "name": "till backfill"})).json()
    location = await add_location(client, tenant, "log-1")
    terminal = (await client.post(f"/v1/locations/{location['id']}/terminals",
                                  headers=tenant.admin, json={"terminal_id": "T-LOG"})).json()
    code = (await client.post(
        f"/v1/locations/{location['id']}/terminals/{terminal['id']}/pairing-code",
        headers=tenant.admin)).json()["pairing_code"]
    paired = await client.post("/v1/pos/pair", json={"pairing_code": code})
    assert paired.status_code == 200, paired.text
    token = paired.json()["device_token"]
    device = {"Authorization": f"Bearer {token}"}
    # The code is single-use: a second exchange is refused (and must not log the code either).
    assert (await client.post("/v1/pos/pair", json={"pairing_code": code})).status_code >= 400
    _, other_token = await _pair(client, tenant, location["id"], "T-LOG-2")

    await configure(client, tenant, providers)
    webhook_secret = "whsec-" + uuid.uuid4().hex
    pipe = await make_pipe(client, tenant, "toast", signing_secret=webhook_secret)
    assert (await deliver(client, pipe, sample("toast")[0])).status_code == 200
    bad = await deliver(client, pipe, sample("toast")[0], headers={"Toast-Signature": "forged"})
    assert bad.status_code in (400, 401, 403)

    staff = (await client.post("/v1/cashier/staff", headers=tenant.admin,
                               json={"name": "Meera", "pin": STAFF_PIN})).json()
    verified = await client.post(f"/v1/pos/staff/{staff['id']}/verify", headers=device,
                                 json={"pin": STAFF_PIN})
    assert verified.status_code == 200, verified.text
    await client.post(f"/v1/pos/staff/{staff['id']}/verify", headers=device, json={"pin": "000000"})

    customer = {"phone": "+91 98111 22333", "email": "meera.log@example.com", "name": "Meera"}
    response = await client.post("/v1/orders", headers=tenant.admin,
                                 json=order_body(location=location["id"], customer=customer))
    assert response.status_code == 201, response.text
    # A write key sent where an admin key is needed: refused, and the refusal is logged safely.
    assert (await client.post("/v1/orders", headers={"Authorization": f"Bearer {extra['secret']}"},
                              json=order_body(customer=customer))).status_code == 403
    till = SignedTill(location, device)
    till.staff, till.keys["Meera"] = verified.json(), verified.json()["staff_key"]
    pos = await client.post("/v1/pos/orders", headers=device, json=till.sign(order_body(
        customer=customer, client_order_id=str(uuid.uuid4()))))
    assert pos.status_code in (200, 201), pos.text
    await run_jobs(db)
    await drain(db)

    # Refused credentials are logged as refusals, never with the credential itself.
    await client.delete(f"/v1/api-keys/{extra['id']}", headers=tenant.admin)
    assert (await client.get("/v1/contacts", headers={"Authorization": f"Bearer {extra['secret']}"})
            ).status_code == 401
    assert (await client.get("/v1/pos/me", headers={"Authorization": "Bearer dt_" + "x" * 30})
            ).status_code == 401
    return {"admin key": tenant.admin_key, "write key": tenant.write_key,
            "created write key": extra["secret"], "device token": token,
            "staff signing key": verified.json()["staff_key"]["secret"],
            "second device token": other_token, "pairing code": code,
            "whatsapp access token": ACCESS_TOKEN, "whatsapp app secret": APP_SECRET,
            "twilio auth token": TWILIO_TOKEN, "webhook signing secret": webhook_secret}


async def test_no_secret_appears_in_debug_logs(client, db, tenant, providers) -> None:  # noqa: F811
    with LogCapture() as captured:
        secrets = await _flow(client, db, tenant, providers)
        logging.getLogger("activereach.test").debug("flow done")
    output = captured.getvalue()
    assert "flow done" in output, "the capture saw nothing: the check below would prove nothing"
    leaked = [name for name, value in secrets.items() if value in output]
    # A PIN is short: look for it as a number of its own (not inside ids or fractional seconds).
    if re.search(rf"(?<![\d.]){STAFF_PIN}(?!\d)", output):
        leaked.append("staff PIN")
    assert leaked == [], f"secrets in the logs: {leaked}"


def test_the_redactor_masks_credentials_inside_any_string() -> None:
    with LogCapture() as captured:
        structlog.get_logger("activereach.test").warning(
            "refused", header="Bearer sk_abcdefghijklmnop", nested="key=wk_ABCDEFGH12345678 ok",
            token="dt_zzzzzzzzzzzzzzzzzzzzzzzz", pin="97531", app_secret="meta-shh-123",
            pairing_code="K7MQ2XRP", dedupe_key="order:42")
    output = captured.getvalue()
    assert "refused" in output and "order:42" in output  # ordinary fields stay readable
    for secret in ("97531", "meta-shh-123", "K7MQ2XRP"):
        assert secret not in output
    for secret in ("sk_abcdefghijklmnop", "wk_ABCDEFGH12345678", "dt_zzzzzzzzzzzzzzzzzzzzzzzz"):
        assert secret not in output
