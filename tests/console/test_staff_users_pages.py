"""Settings → Staff, Users and Till: roles, validation in people's words, the last-owner guard,
one-time links (single use, expiry from the clock), audit entries, and no secret in a page or
the log."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from activereach.audit.models import AuditEntry
from activereach.cashier import checks
from activereach.console import staff as staff_forms
from activereach.console import till as till_forms
from activereach.console import users as user_svc
from activereach.console.models import ConsoleUser
from activereach.kit.db import utcnow
from tests.conftest import add_location
from tests.console.conftest import PASSWORD, csrf_of, sign_in

def link_of(html: str) -> str:
    found = re.search(r'value="(https?://[^"]+/login/set-password/([^"]+))"', html)
    assert found, html[:2000]
    return "/login/set-password/" + found.group(2)


async def audit_rows(db, workspace_id: str, action: str) -> list[AuditEntry]:  # type: ignore[no-untyped-def]
    async with db.session() as s:
        return list((await s.execute(select(AuditEntry).where(
            AuditEntry.workspace_id == workspace_id, AuditEntry.action == action))).scalars())


# --- pure rules ---------------------------------------------------------------------------

def test_percent_and_staff_limit_rules() -> None:
    assert staff_forms.parse_percent("12.5") == 1250 and staff_forms.parse_percent("10 %") == 1000
    assert staff_forms.percent_text(1250) == "12.5" and staff_forms.percent_text(1000) == "10"
    for bad in ("abc", "101", "-1", "1.234", "nan"):
        with pytest.raises(ValueError):
            staff_forms.parse_percent(bad)
    assert checks.staff_limit(None, 1000) == 1000 and checks.staff_limit(2500, 1000) == 2500
    assert checks.staff_limit(0, 1000) == 0


def test_till_form_in_people_words() -> None:
    body, errors = till_forms.parse({"idle_lock_minutes": "abc", "discount_limit": "150",
                                     "weighed_prefixes": "2x"}, None)
    assert body is None
    assert errors["idle_lock_minutes"] == "Enter whole minutes from 0 to 720"
    assert errors["discount_limit"].startswith("Enter a percentage from 0 to 100")
    assert errors["weighed_prefixes"].startswith("Write prefixes like 20-29")
    body, errors = till_forms.parse({"discount_limit": "15", "weighed_prefixes": "none"}, "trm_x")
    assert not errors and body is not None
    assert (body.discount_limit_bp, body.weighed_prefixes, body.idle_lock_minutes,
            body.terminal) == (1500, "", None, "trm_x")


def test_last_owner_guard() -> None:
    def u(uid: str, role: str, status: str = "active") -> ConsoleUser:
        return ConsoleUser(workspace_id="ws", id=uid, email=f"{uid}@x.in", role=role,
                           status=status, password_hash="h")
    alone = [u("a", "owner"), u("b", "manager"), u("c", "owner", "disabled")]
    assert "only active owner" in (user_svc.last_owner_problem(alone, "a", role="manager",
                                                               status="active") or "")
    assert user_svc.last_owner_problem(alone, "a", role="owner", status="disabled")
    assert user_svc.last_owner_problem(alone, "b", role="analyst", status="active") is None
    two = [*alone, u("d", "owner")]
    assert user_svc.last_owner_problem(two, "a", role="manager", status="active") is None


# --- Staff ---------------------------------------------------------------------------------

async def test_staff_add_validate_pin_deactivate(client, tenant, console_user, db) -> None:
    loc = await add_location(client, tenant, "blr-1")
    token = await sign_in(client, await console_user(tenant.slug))
    url = f"/dashboard/{tenant.slug}/settings/staff"
    empty = await client.post(url, data={"csrf_token": token, "role": "cashier"})
    assert empty.status_code == 422
    assert "Enter a name" in empty.text and "Enter a PIN of 4 to 6 digits" in empty.text
    assert "String should" not in empty.text
    differ = await client.post(url, data={"csrf_token": token, "name": "Ravi", "role": "cashier",
                                          "pin": "4321", "pin_confirm": "4322",
                                          "discount_limit": "12.345"})
    assert differ.status_code == 422 and "The two PINs differ" in differ.text
    assert "Use at most two decimals" in differ.text and "4321" not in differ.text
    good = await client.post(url, data={"csrf_token": token, "name": "Ravi", "role": "cashier",
                                        "location_id": loc["id"], "pin": "4321",
                                        "pin_confirm": "4321", "discount_limit": "15"})
    assert good.status_code == 303
    listing = await client.get(url)
    assert "Cashier Ravi added" in listing.text and "15 %" in listing.text
    assert "Outlet blr-1" in listing.text
    dup = await client.post(url, data={"csrf_token": token, "name": "Ravi", "role": "manager",
                                       "pin": "1111", "pin_confirm": "1111"})
    assert dup.status_code == 422 and "already on the staff list" in dup.text

    api = (await client.get("/v1/cashier/staff", headers=tenant.admin)).json()["data"]
    ravi = next(p for p in api if p["name"] == "Ravi")
    assert ravi["discount_limit_bp"] == 1500 and ravi["location_id"] == loc["id"]
    edit = f"{url}/{ravi['id']}"
    pin = await client.post(f"{edit}/pin", data={"csrf_token": token, "pin": "9876",
                                                 "pin_confirm": "9876"})
    assert pin.status_code == 303
    saved = await client.post(edit, data={"csrf_token": token, "name": "Ravi K",
                                          "role": "manager", "location_id": "",
                                          "discount_limit": ""})
    assert saved.status_code == 303
    unconfirmed = await client.post(f"{edit}/deactivate", data={"csrf_token": token})
    assert unconfirmed.status_code == 422 and "Tick the box" in unconfirmed.text
    assert (await client.get(f"{edit}/deactivate")).status_code == 200
    off = await client.post(f"{edit}/deactivate", data={"csrf_token": token, "confirm": "yes"})
    assert off.status_code == 303
    assert not (await client.get("/v1/cashier/staff", headers=tenant.admin)).json()["data"]

    entries = {a: await audit_rows(db, tenant.id, a) for a in
               ("staff.create", "staff.pin", "staff.update", "staff.deactivate")}
    assert all(entries.values()), entries
    dump = repr([e.changes for rows in entries.values() for e in rows])
    assert "4321" not in dump and "9876" not in dump
    update = entries["staff.update"][0].changes
    assert {"field": "role", "before": "cashier", "after": "manager"} in update
    assert {"field": "outlet", "before": "Outlet blr-1", "after": "all outlets"} in update
    audit_page = await client.get(f"/dashboard/{tenant.slug}/settings/audit")
    assert "staff.deactivate" in audit_page.text and "9876" not in audit_page.text


async def test_staff_roles(client, tenant, console_user) -> None:
    token = await sign_in(client, await console_user(tenant.slug, "analyst"))
    url = f"/dashboard/{tenant.slug}/settings/staff"
    page = await client.get(url)
    assert page.status_code == 200 and 'data-testid="staff-add"' not in page.text
    refused = await client.post(url, data={"csrf_token": token, "name": "X", "role": "cashier",
                                           "pin": "1234", "pin_confirm": "1234"})
    assert refused.status_code == 403


# --- Till settings -------------------------------------------------------------------------

async def test_till_settings_brand_and_terminal(client, tenant, console_user, db) -> None:
    loc = await add_location(client, tenant, "blr-1")
    owner = await console_user(tenant.slug)
    token = await sign_in(client, owner)
    ws = f"/dashboard/{tenant.slug}"
    created = await client.post(f"{ws}/settings/locations/{loc['id']}/terminals",
                                data={"csrf_token": token, "terminal_id": "T1", "name": "Front"})
    assert created.status_code == 303
    url = f"{ws}/settings/till"
    bad = await client.post(url, data={"csrf_token": token, "idle_lock_minutes": "ten"})
    assert bad.status_code == 422 and "Enter whole minutes from 0 to 720" in bad.text
    brand = await client.post(url, data={"csrf_token": token, "idle_lock_minutes": "10",
                                         "discount_limit": "20"})
    assert brand.status_code == 303
    page = await client.get(url, params={"location": loc["id"]})
    term = re.search(r'<option value="(trm_[^"]+)"', page.text)
    assert term, page.text
    term_page = await client.get(url, params={"location": loc["id"], "terminal": term.group(1)})
    assert 'placeholder="10"' in term_page.text and 'placeholder="20"' in term_page.text
    over = await client.post(url, params={"location": loc["id"]},
                             data={"csrf_token": token, "terminal": term.group(1),
                                   "discount_limit": "5"})
    assert over.status_code == 303
    api = (await client.get("/v1/cashier/settings", headers=tenant.admin)).json()["data"]
    scopes = {row["scope"]: row for row in api}
    assert scopes["workspace"]["idle_lock_minutes"] == 10
    assert scopes[term.group(1)]["discount_limit_bp"] == 500
    assert scopes[term.group(1)]["idle_lock_minutes"] is None
    assert len(await audit_rows(db, tenant.id, "till_settings.update")) == 2

    await client.post("/logout", data={"csrf_token": token})
    mtoken = await sign_in(client, await console_user(tenant.slug, "manager"))
    refused = await client.post(url, data={"csrf_token": mtoken, "idle_lock_minutes": "1"})
    assert refused.status_code == 403
    allowed = await client.post(url, data={"csrf_token": mtoken, "terminal": term.group(1),
                                           "idle_lock_minutes": "2"})
    assert allowed.status_code == 303


# --- Users ---------------------------------------------------------------------------------

async def test_invite_link_single_use_and_signs_in(client, tenant, console_user, db) -> None:
    token = await sign_in(client, await console_user(tenant.slug))
    url = f"/dashboard/{tenant.slug}/settings/users"
    bad = await client.post(f"{url}/invite", data={"csrf_token": token, "email": "",
                                                   "role": "boss"})
    assert bad.status_code == 422
    assert "email address" in bad.text and "Choose owner" in bad.text
    sent = await client.post(f"{url}/invite", data={"csrf_token": token, "name": "Meera",
                                                    "email": "Meera@Example.com",
                                                    "role": "manager"})
    assert sent.status_code == 200 and "No email channel is set up" in sent.text
    link = link_of(sent.text)
    raw = link.rsplit("/", 1)[1]
    listing = await client.get(url)
    assert "meera@example.com" in listing.text and "invited" in listing.text
    assert raw not in listing.text
    dup = await client.post(f"{url}/invite", data={"csrf_token": token, "name": "",
                                                   "email": (await console_user(tenant.slug)),
                                                   "role": "manager"})
    assert dup.status_code == 422 and "already has a console user" in dup.text

    await client.post("/logout", data={"csrf_token": token})
    form = await client.get(link)
    assert form.status_code == 200 and "meera@example.com" in form.text
    assert form.headers["referrer-policy"] == "no-referrer"
    ftoken = csrf_of(form.text)
    short = await client.post(link, data={"csrf_token": ftoken, "password": "short",
                                          "password_confirm": "short"})
    assert short.status_code == 422 and "Use at least 10 characters" in short.text
    done = await client.post(link, data={"csrf_token": ftoken, "password": PASSWORD,
                                         "password_confirm": PASSWORD})
    assert done.status_code == 303 and done.headers["location"].endswith("/analytics")
    landed = await client.get(done.headers["location"])
    assert landed.status_code == 200 and "meera@example.com · manager" in landed.text
    again = await client.get(link)
    assert again.status_code == 404 and "already used or has expired" in again.text

    async with db.session() as s:
        entries = list((await s.execute(select(AuditEntry).where(
            AuditEntry.workspace_id == tenant.id,
            AuditEntry.action.in_(("user.invite", "user.password_set"))))).scalars())
    assert {e.action for e in entries} == {"user.invite", "user.password_set"}
    assert raw not in repr([(e.changes, e.note) for e in entries])


async def test_links_expire_by_the_clock(client, tenant, console_user, monkeypatch) -> None:
    token = await sign_in(client, await console_user(tenant.slug))
    url = f"/dashboard/{tenant.slug}/settings/users"
    sent = await client.post(f"{url}/invite", data={"csrf_token": token, "email": "a@b.in",
                                                    "role": "analyst"})
    link = link_of(sent.text)
    later = utcnow() + user_svc.LIFETIME["invite"] + dt.timedelta(minutes=1)
    monkeypatch.setattr(user_svc, "utcnow", lambda: later)
    assert (await client.get(link)).status_code == 404
    monkeypatch.undo()
    assert (await client.get(link)).status_code == 200
    # a new link ends the old one
    manage = re.search(r'href="([^"]+/settings/users/(usr_[^"?]+))[^"]*"[^>]*>Manage</a>',
                       (await client.get(url)).text.split("a@b.in", 1)[1])
    assert manage
    fresh = await client.post(f"{url}/{manage.group(2)}/reset", data={"csrf_token": token})
    assert fresh.status_code == 200 and link_of(fresh.text) != link
    assert (await client.get(link)).status_code == 404


async def test_role_change_last_owner_reset_and_disable(client, tenant, console_user,
                                                        db) -> None:
    owner = await console_user(tenant.slug)
    analyst = await console_user(tenant.slug, "analyst")
    token = await sign_in(client, owner)
    url = f"/dashboard/{tenant.slug}/settings/users"
    async with db.session() as s:
        ids = {u.email: u.id for u in (await s.execute(select(ConsoleUser).where(
            ConsoleUser.workspace_id == tenant.id))).scalars()}
    me, them = ids[owner], ids[analyst]
    demote = await client.post(f"{url}/{me}/role", data={"csrf_token": token, "role": "manager"})
    assert demote.status_code == 422 and "only active owner" in demote.text
    alone = await client.post(f"{url}/{me}/disable", data={"csrf_token": token, "confirm": "yes"})
    assert alone.status_code == 422 and "only active owner" in alone.text
    up = await client.post(f"{url}/{them}/role", data={"csrf_token": token, "role": "manager"})
    assert up.status_code == 303
    reset = await client.post(f"{url}/{them}/reset", data={"csrf_token": token})
    assert reset.status_code == 200 and "Password reset link" in reset.text
    assert (await client.get(f"{url}/{them}/disable")).status_code == 200
    off = await client.post(f"{url}/{them}/disable", data={"csrf_token": token, "confirm": "yes"})
    assert off.status_code == 303
    # a disabled user's reset link no longer works
    assert (await client.get(link_of(reset.text))).status_code == 404
    on = await client.post(f"{url}/{them}/enable", data={"csrf_token": token})
    assert on.status_code == 303
    for action in ("user.role", "user.reset_link", "user.disable", "user.enable"):
        assert await audit_rows(db, tenant.id, action), action


async def test_reset_link_ends_other_sessions(client, tenant, console_user, app) -> None:
    import httpx2
    owner = await console_user(tenant.slug)
    manager = await console_user(tenant.slug, "manager")
    transport = httpx2.ASGITransport(app=app)
    async with httpx2.AsyncClient(transport=transport, base_url="http://testserver") as other:
        await sign_in(other, manager)
        token = await sign_in(client, owner)
        url = f"/dashboard/{tenant.slug}/settings/users"
        listing = (await client.get(url)).text
        uid = re.search(rf'{re.escape(manager)}.*?/settings/users/(usr_[^"?]+)', listing, re.S)
        assert uid
        reset = await client.post(f"{url}/{uid.group(1)}/reset", data={"csrf_token": token})
        link = link_of(reset.text)
        assert (await other.get(f"/dashboard/{tenant.slug}/analytics")).status_code == 200
        async with httpx2.AsyncClient(transport=transport, base_url="http://testserver") as third:
            form = await third.get(link)
            done = await third.post(link, data={"csrf_token": csrf_of(form.text),
                                                "password": "another long pass",
                                                "password_confirm": "another long pass"})
            assert done.status_code == 303
        ended = await other.get(f"/dashboard/{tenant.slug}/analytics")
        assert ended.status_code == 303 and ended.headers["location"] == "/login"


async def test_users_pages_owner_only(client, tenant, console_user) -> None:
    token = await sign_in(client, await console_user(tenant.slug, "manager"))
    url = f"/dashboard/{tenant.slug}/settings/users"
    page = await client.get(url)
    assert page.status_code == 200 and 'data-testid="user-invite"' not in page.text
    refused = await client.post(f"{url}/invite", data={"csrf_token": token, "email": "x@y.in",
                                                       "role": "owner"})
    assert refused.status_code == 403


async def test_a_staff_discount_limit_set_in_the_console_is_what_the_server_enforces(
        client, tenant, console_user) -> None:
    from tests.conftest import signed_till
    from tests.security.test_pos_money_rules import _discounted

    till = await signed_till(client, tenant)          # cashier Kiran, the till's 10 % limit
    over = await client.post("/v1/pos/orders", headers=till.headers,
                             json=till.sign(_discounted(3735)))       # 15 %
    assert over.status_code == 422 and over.json()["error"]["code"] == "till_rules"
    token = await sign_in(client, await console_user(tenant.slug))
    kiran = till.staff["id"]
    saved = await client.post(f"/dashboard/{tenant.slug}/settings/staff/{kiran}",
                              data={"csrf_token": token, "name": "Kiran", "role": "cashier",
                                    "location_id": till.location["id"], "discount_limit": "20"})
    assert saved.status_code == 303
    pos = (await client.get("/v1/pos/staff", headers=till.headers)).json()["data"]
    assert pos[0]["discount_limit_bp"] == 2000   # the till learns it with the staff list
    ok = await client.post("/v1/pos/orders", headers=till.headers,
                           json=till.sign(_discounted(3735)))
    assert ok.status_code == 201, ok.text
    above = await client.post("/v1/pos/orders", headers=till.headers,
                              json=till.sign(_discounted(5300)))      # 21 %
    assert above.status_code == 422 and above.json()["error"]["code"] == "till_rules"


async def test_invite_email_goes_out_with_the_link_masked_in_the_outbox(
        client, tenant, console_user, db) -> None:
    from activereach.messaging.models import Message

    put = await client.put("/v1/messaging/channels/email", headers=tenant.admin,
                           json={"provider": "console"})
    assert put.status_code == 200, put.text
    token = await sign_in(client, await console_user(tenant.slug))
    sent = await client.post(f"/dashboard/{tenant.slug}/settings/users/invite",
                             data={"csrf_token": token, "email": "new@b.in", "role": "analyst"})
    assert sent.status_code == 200 and "Emailed to new@b.in" in sent.text
    raw = link_of(sent.text).rsplit("/", 1)[1]
    async with db.session() as s:
        msg = await s.scalar(select(Message).where(Message.workspace_id == tenant.id,
                                                   Message.recipient == "new@b.in"))
    assert msg is not None and msg.status == "sent"
    assert raw not in repr(msg.content) and "set-password/••••••" in msg.content["text"]
