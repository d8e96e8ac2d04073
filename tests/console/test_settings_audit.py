"""Settings writes (Locations, General, Active Bill, Destinations) each leave one audit entry
with the right before → after, secrets masked; a pairing code survives a reload without a
second one being issued; the logo upload is checked by content and size."""

from __future__ import annotations

import re
import struct
import zlib

from sqlalchemy import func, select

from activereach.audit.models import AuditEntry
from activereach.kit.db import unit_of_work
from activereach.tenancy.models import PairingCode
from tests.conftest import add_location
from tests.console.conftest import sign_in

CODE_RE = re.compile(r'data-testid="pairing-code">([A-Z0-9]+)<')
SECRET_RE = re.compile(r'data-testid="secret"[^>]*>([^<]+)<')


def png(width: int = 2, height: int = 2) -> bytes:
    """A real, tiny PNG (so the test does not depend on an image library)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    raw = b"".join(b"\x00" + b"\xd9\x77\x06" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2,
                                                              0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


async def entries(db, workspace_id: str, action: str = "") -> list[AuditEntry]:  # type: ignore[no-untyped-def]
    async def load(session):  # type: ignore[no-untyped-def]
        stmt = select(AuditEntry).where(AuditEntry.workspace_id == workspace_id)
        if action:
            stmt = stmt.where(AuditEntry.action == action)
        return list((await session.scalars(stmt.order_by(AuditEntry.at, AuditEntry.id))).all())
    return await unit_of_work(db, load)


def found(pattern: re.Pattern[str] | str, text: str) -> str:
    match = re.search(pattern, text)
    assert match, f"{pattern} not in the page"
    return match.group(1)


def change(entry: AuditEntry, field: str) -> tuple[object, object]:
    found = [c for c in entry.changes if c["field"] == field]
    assert found, (field, entry.changes)
    return found[0]["before"], found[0]["after"]


async def _terminal(client, tenant, token: str) -> tuple[dict, str, str]:  # type: ignore[no-untyped-def]
    loc = await add_location(client, tenant, "blr-1")
    base = f"/dashboard/{tenant.slug}/settings/locations/{loc['id']}/terminals"
    made = await client.post(base, data={"csrf_token": token, "terminal_id": "T1",
                                         "name": "Front"})
    assert made.status_code == 303
    pk = (await client.get(f"/v1/locations/{loc['id']}/terminals",
                           headers=tenant.admin)).json()[0]["id"]
    return loc, base, pk


async def test_pairing_reload_shows_no_second_code_and_the_log_lists_it(
        client, tenant, console_user, db) -> None:
    token = await sign_in(client, await console_user(tenant.slug))
    loc, base, pk = await _terminal(client, tenant, token)
    posted = await client.post(f"{base}/{pk}/pairing-code", data={"csrf_token": token})
    assert posted.status_code == 303 and "/pairing/" in posted.headers["location"]
    first = await client.get(posted.headers["location"])
    code = found(CODE_RE, first.text)
    assert code not in posted.headers["location"]  # never in the URL in clear
    again = await client.get(posted.headers["location"])  # the reload
    assert again.status_code == 200 and not CODE_RE.search(again.text)
    assert "shown once already" in again.text
    count = await unit_of_work(db, lambda s: s.scalar(select(func.count()).select_from(
        PairingCode).where(PairingCode.workspace_id == tenant.id)))
    assert count == 1
    listing = (await client.get(f"/dashboard/{tenant.slug}/settings/locations")).text
    assert 'data-code-state="live"' in listing and code not in listing
    assert 'class="button danger"' in listing and "Revoke code…" in listing
    paired = await client.post("/v1/pos/pair", json={"pairing_code": code})
    assert paired.status_code == 200, paired.text
    listing = (await client.get(f"/dashboard/{tenant.slug}/settings/locations")).text
    assert 'data-code-state="used"' in listing
    issued = await entries(db, tenant.id, "terminal.pairing_code_issue")
    assert len(issued) == 1 and change(issued[0], "pairing_code") == (None, "issued")
    assert code not in str(issued[0].changes)


async def test_revoking_a_code_and_a_terminal_asks_first_and_is_audited(
        client, tenant, console_user, db) -> None:
    token = await sign_in(client, await console_user(tenant.slug))
    loc, base, pk = await _terminal(client, tenant, token)
    posted = await client.post(f"{base}/{pk}/pairing-code", data={"csrf_token": token})
    code_id = posted.headers["location"].split("/pairing/")[1].split("?")[0]
    code = found(CODE_RE, (await client.get(posted.headers["location"])).text)
    ask = await client.get(f"{base}/{pk}/codes/{code_id}/revoke")
    assert ask.status_code == 200 and 'class="danger"' in ask.text
    done = await client.post(f"{base}/{pk}/codes/{code_id}/revoke", data={"csrf_token": token})
    assert done.status_code == 303
    assert (await client.post("/v1/pos/pair", json={"pairing_code": code})).status_code == 401
    ask = await client.get(f"{base}/{pk}/revoke")
    assert ask.status_code == 200 and "Revoke terminal" in ask.text
    assert (await client.post(f"{base}/{pk}/revoke", data={"csrf_token": token})).status_code == 303
    assert (await client.post(f"{base}/{pk}/activate",
                              data={"csrf_token": token})).status_code == 303
    revoked = await entries(db, tenant.id, "terminal.pairing_code_revoke")
    assert change(revoked[0], "pairing_code") == ("live", "revoked")
    term = (await entries(db, tenant.id, "terminal.revoke"))[0]
    assert change(term, "status") == ("active", "revoked")
    assert term.target_label == "T1 at Outlet blr-1"
    assert change((await entries(db, tenant.id, "terminal.activate"))[0], "status") == (
        "revoked", "active")
    assert (await entries(db, tenant.id, "terminal.create"))[0].location_id is None


async def test_outlet_and_general_saves_are_audited_field_by_field(
        client, tenant, console_user, db) -> None:
    token = await sign_in(client, await console_user(tenant.slug))
    base = f"/dashboard/{tenant.slug}/settings"
    made = await client.post(f"{base}/locations", data={"csrf_token": token, "code": "mum-1",
                                                         "name": "Bandra"})
    assert made.status_code == 303
    empty = await client.post(f"{base}/locations", data={"csrf_token": token})
    assert empty.status_code == 422
    assert "Enter a code" in empty.text and "Enter a name" in empty.text
    assert "String should" not in empty.text
    loc = (await client.get("/v1/locations", headers=tenant.admin)).json()
    loc_id = [x for x in (loc["data"] if isinstance(loc, dict) else loc)
              if x["code"] == "mum-1"][0]["id"]
    edited = await client.post(f"{base}/locations/{loc_id}", data={
        "csrf_token": token, "name": "Bandra West", "status": "active", "phone": "+91 22 1"})
    assert edited.status_code == 303
    update = (await entries(db, tenant.id, "outlet.update"))[0]
    assert change(update, "name") == ("Bandra", "Bandra West")
    assert change(update, "phone") == ("", "+91 22 1")
    form = {"csrf_token": token, "name": "Chai Point", "logo_url": "", "primary_color": "#112233",
            "accent_color": "", "country": "IN", "currency": "INR", "timezone": "Asia/Kolkata"}
    assert (await client.post(f"{base}/general", data=form)).status_code == 303
    brand = (await entries(db, tenant.id, "brand.update"))[0]
    assert change(brand, "name")[1] == "Chai Point"
    assert change(brand, "primary_color")[1] == "#112233"
    # the API key's cached principal carries the workspace: the save must reach it at once
    assert (await client.get("/v1/workspace", headers=tenant.admin)).json()["name"] == "Chai Point"
    outlet = await client.post(f"{base}/general?location={loc_id}", data={
        "csrf_token": token, "name": "Bandra HQ", "timezone": "Asia/Dubai"})
    assert outlet.status_code == 303
    tier = (await entries(db, tenant.id, "outlet.update"))[-1]
    assert change(tier, "timezone") == ("", "Asia/Dubai") and tier.location_id == loc_id


async def test_active_bill_saves_clear_and_logo_are_audited(client, tenant, console_user,
                                                            db) -> None:
    loc = await add_location(client, tenant, "blr-1")
    token = await sign_in(client, await console_user(tenant.slug))
    url = f"/dashboard/{tenant.slug}/connected-products/active-bill"
    saved = await client.post(url, data={"csrf_token": token, "footer_text": "Thanks!"})
    assert saved.status_code == 303
    brand = (await entries(db, tenant.id, "bill_config.update"))[0]
    assert change(brand, "footer_text") == (None, "Thanks!") and brand.target_id == "brand"
    scoped = {"location": loc["id"]}
    saved = await client.post(url, params=scoped, data={"csrf_token": token,
                                                        "primary_color": "#aa0000"})
    assert saved.status_code == 303
    ask = await client.get(url + "/reset", params=scoped)
    assert ask.status_code == 200 and "#aa0000" not in ask.text and "Primary colour" in ask.text
    cleared = await client.post(url, params=scoped, data={"csrf_token": token, "action": "reset"})
    assert cleared.status_code == 303
    clear = (await entries(db, tenant.id, "bill_config.clear_overrides"))[0]
    assert change(clear, "primary_color") == ("#aa0000", None)
    assert clear.location_id == loc["id"]


async def test_logo_upload_accepts_a_png_and_refuses_text_svg_and_oversize(
        client, tenant, console_user, db) -> None:
    token = await sign_in(client, await console_user(tenant.slug))
    url = f"/dashboard/{tenant.slug}/connected-products/active-bill"

    async def upload(name: str, data: bytes, kind: str = "image/png"):  # type: ignore[no-untyped-def]
        return await client.post(url + "/logo", data={"csrf_token": token},
                                 files={"logo_file": (name, data, kind)})
    text = await upload("logo.png", b"hello, I am text pretending to be a PNG" * 3)
    assert text.status_code == 422 and "not a PNG, JPEG or WebP" in text.text
    svg = await upload("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"></svg>',
                       "image/svg+xml")
    assert svg.status_code == 422 and "SVG images are not accepted" in svg.text
    big = await upload("big.png", png() + b"\x00" * (512 * 1024))
    assert big.status_code == 422 and "the limit is 512 KiB" in big.text
    assert await entries(db, tenant.id, "bill_config.logo_upload") == []
    good = await upload("whatever.bin", png(), "application/octet-stream")
    assert good.status_code == 303
    config = (await client.get("/v1/bill-config", headers=tenant.admin)).json()
    logo = config["values"]["logo_url"]
    assert re.fullmatch(r"/media/[0-9a-f]{32}\.png", logo)
    served = await client.get(logo)
    assert served.status_code == 200 and served.headers["content-type"] == "image/png"
    assert served.content == png() and "immutable" in served.headers["cache-control"]
    assert served.headers["x-content-type-options"] == "nosniff"
    page = await client.get(url)
    assert logo in page.text  # in the preview and the console header
    assert f'<img src="{logo}"' in page.text
    entry = (await entries(db, tenant.id, "bill_config.logo_upload"))[0]
    assert change(entry, "logo_url") == (None, logo)
    assert (await client.get("/media/" + "0" * 32 + ".png")).status_code == 404


async def test_destination_writes_are_audited_with_secrets_masked(client, tenant, console_user,
                                                                  db) -> None:
    token = await sign_in(client, await console_user(tenant.slug))
    base = f"/dashboard/{tenant.slug}/settings/destinations"
    empty = await client.post(base, data={"csrf_token": token, "kind": "webhook"})
    assert empty.status_code == 422 and "Enter a name" in empty.text
    created = await client.post(base, data={
        "csrf_token": token, "kind": "webhook", "name": "Warehouse",
        "url": "https://hooks.example.com/activereach", "type_order_completed": "on"})
    assert created.status_code == 200
    first_secret = found(SECRET_RE, created.text)
    dest_id = (await client.get("/v1/destinations", headers=tenant.admin)).json()
    dest_id = (dest_id["data"] if isinstance(dest_id, dict) else dest_id)[0]["id"]
    one = f"{base}/{dest_id}"
    edit = await client.post(f"{one}/edit", data={
        "csrf_token": token, "name": "Warehouse 2", "url": "https://hooks.example.com/v2",
        "type_order_completed": "on", "type_order_refunded": "on"})
    assert edit.status_code == 303
    for verb in ("disable", "rotate", "delete"):
        ask = await client.get(f"{one}/{verb}")
        assert ask.status_code == 200 and 'class="danger"' in ask.text, verb
    assert (await client.post(f"{one}/disable", data={"csrf_token": token})).status_code == 303
    assert (await client.post(f"{one}/enable", data={"csrf_token": token})).status_code == 303
    rotated = await client.post(f"{one}/rotate", data={"csrf_token": token})
    assert rotated.status_code == 303 and "whsec_" not in rotated.headers["location"]
    shown = await client.get(rotated.headers["location"])
    secret = found(SECRET_RE, shown.text)
    assert secret.startswith("whsec_") and secret != first_secret
    reload = await client.get(rotated.headers["location"])
    assert secret in reload.text  # the same secret (never a new one) within the window
    assert (await client.post(f"{one}/delete", data={"csrf_token": token})).status_code == 303
    update = (await entries(db, tenant.id, "destination.update"))[0]
    assert change(update, "name") == ("Warehouse", "Warehouse 2")
    assert change(update, "url") == ("https://hooks.example.com/activereach",
                                     "https://hooks.example.com/v2")
    assert change((await entries(db, tenant.id, "destination.disable"))[0], "status") == (
        "active", "disabled")
    rotation = (await entries(db, tenant.id, "destination.rotate_secret"))[0]
    assert change(rotation, "signing_secret") == ("•••", "•••")
    deleted = (await entries(db, tenant.id, "destination.delete"))[0]
    assert change(deleted, "status") == ("active", "deleted")
    everything = str([e.changes for e in await entries(db, tenant.id)])
    assert first_secret not in everything and secret not in everything
    audit = (await client.get(f"/dashboard/{tenant.slug}/settings/audit")).text
    assert "destination.rotate_secret" in audit and "Warehouse 2" in audit


async def test_analysts_and_managers_cannot_use_what_they_cannot_see(client, tenant,
                                                                     console_user) -> None:
    loc = await add_location(client, tenant, "blr-1")
    owner = await sign_in(client, await console_user(tenant.slug))
    base = f"/dashboard/{tenant.slug}/settings/locations/{loc['id']}/terminals"
    await client.post(base, data={"csrf_token": owner, "terminal_id": "T1"})
    pk = (await client.get(f"/v1/locations/{loc['id']}/terminals",
                           headers=tenant.admin)).json()[0]["id"]
    manager = await sign_in(client, await console_user(tenant.slug, "manager"))
    bill = f"/dashboard/{tenant.slug}/connected-products/active-bill"
    brand_page = (await client.get(bill)).text
    assert 'id="upload-logo"' not in brand_page  # brand tier: owner only
    refused = await client.post(bill + "/logo", data={"csrf_token": manager},
                                files={"logo_file": ("l.png", png(), "image/png")})
    assert refused.status_code == 403
    outlet = await client.post(bill + "/logo", params={"location": loc["id"]},
                               data={"csrf_token": manager},
                               files={"logo_file": ("l.png", png(), "image/png")})
    assert outlet.status_code == 303  # an outlet's override: owner and manager
    analyst = await sign_in(client, await console_user(tenant.slug, "analyst"))
    listing = (await client.get(f"/dashboard/{tenant.slug}/settings/locations")).text
    assert "Revoke terminal" not in listing and "Issue pairing code" not in listing
    assert (await client.get(f"{base}/{pk}/revoke")).status_code == 403
    assert (await client.post(f"{base}/{pk}/revoke",
                              data={"csrf_token": analyst})).status_code == 403
    assert (await client.post(f"{base}/{pk}/pairing-code",
                              data={"csrf_token": analyst})).status_code == 403
