"""Loyalty in the console: edit, retire and restore rules, tiers and rewards (audited, asked
first), validity windows typed as local dates, points adjusted by hand with a reason, the
contact profile's balance, and a label for every event name the system writes."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

from sqlalchemy import select

from activereach.audit.models import AuditEntry
from activereach.console.event_labels import EVENT_LABELS
from activereach.collect.schemas import CallType
from tests.conftest import add_location
from tests.console.conftest import sign_in
from tests.console.test_contact_timeline import visible_text
from tests.loyalty.conftest import member, place, setup_program, shopper_order

SRC = Path(__file__).resolve().parents[2] / "src" / "activereach"
REWARD = {"name": "₹100 off", "kind": "fixed", "points_cost": 80, "amount": 10000}


async def _actions(db: Any, workspace_id: str) -> list[str]:
    async with db.session() as session:
        rows = await session.execute(select(AuditEntry.action).where(
            AuditEntry.workspace_id == workspace_id).order_by(AuditEntry.at, AuditEntry.id))
        return list(rows.scalars())


async def _reward(client: Any, tenant: Any, **extra: Any) -> dict[str, Any]:
    made = await client.post("/v1/loyalty/rewards", headers=tenant.admin, json={**REWARD, **extra})
    assert made.status_code == 201, made.text
    return made.json()


async def test_edit_a_reward_prefilled_with_a_window_then_retire_and_restore(
        client, tenant, console_user, db) -> None:
    await setup_program(client, tenant)
    reward = await _reward(client, tenant)
    token = await sign_in(client, await console_user(tenant.slug))
    base = f"/dashboard/{tenant.slug}/loyalty"
    listing = (await client.get(base)).text
    assert f'data-testid="edit-rewards-{reward["id"]}"' in listing
    form = (await client.get(f"{base}/rewards/{reward['id']}/edit")).text
    assert 'value="100.00"' in form and 'value="80"' in form and "₹100 off" in form

    bad = await client.post(f"{base}/rewards/{reward['id']}", data={
        "csrf_token": token, "name": "", "kind": "fixed", "points_cost": "80", "amount": "100",
        "valid_from": "2026-13-01"})
    assert bad.status_code == 422
    assert "Name: enter a value" in bad.text and "enter a date such as 2026-12-31" in bad.text
    assert "String should have" not in bad.text

    saved = await client.post(f"{base}/rewards/{reward['id']}", data={
        "csrf_token": token, "name": "₹150 off", "kind": "fixed", "points_cost": "90",
        "amount": "150.00", "valid_from": "2026-01-01", "valid_until": "2026-01-31",
        "members_only": "on", "active": "on"})
    assert saved.status_code == 303, saved.text
    api = (await client.get("/v1/loyalty/rewards", headers=tenant.admin)).json()["data"]
    assert api[0]["name"] == "₹150 off" and api[0]["amount"] == 15000
    # local dates in the brand's zone (Asia/Kolkata): from 1 Jan 00:00 IST to the end of 31 Jan
    assert api[0]["valid_from"].startswith("2025-12-31T18:30")
    assert api[0]["valid_until"].startswith("2026-01-31T18:30")
    again = (await client.get(f"{base}/rewards/{reward['id']}/edit")).text
    assert 'value="2026-01-01"' in again and 'value="2026-01-31"' in again

    ask = await client.get(f"{base}/rewards/{reward['id']}/retire")
    assert ask.status_code == 200 and "Tills and the member page stop offering it" in ask.text
    assert 'data-testid="confirm-retire"' in ask.text
    gone = await client.post(f"{base}/rewards/{reward['id']}/retire", data={"csrf_token": token})
    assert gone.status_code == 303
    assert (await client.get("/v1/loyalty/rewards", headers=tenant.admin)).json()["data"] == []
    listed = (await client.get("/v1/loyalty/rewards", params={"include_retired": "true"},
                               headers=tenant.admin)).json()["data"]
    assert listed[0]["retired"] is True and listed[0]["retired_at"]
    page = (await client.get(base)).text
    assert 'data-testid="retired-rewards"' in page and "₹150 off" in page
    back = await client.post(f"{base}/rewards/{reward['id']}/restore", data={"csrf_token": token})
    assert back.status_code == 303
    assert (await client.get("/v1/loyalty/rewards", headers=tenant.admin)).json()["data"]
    assert await _actions(db, tenant.id) == ["reward.update", "reward.retire", "reward.restore"]


async def test_a_retired_reward_is_not_offered_nor_held(client, tenant, console_user) -> None:
    await setup_program(client, tenant)
    await place(client, tenant, shopper_order(1_000_000))   # 100 points
    m = await member(client, tenant)
    reward = await _reward(client, tenant)
    retired = await client.post(f"/v1/loyalty/rewards/{reward['id']}/retire", headers=tenant.admin)
    assert retired.status_code == 200 and retired.json()["retired"] is True
    offered = (await client.get(f"/v1/loyalty/members/{m['member_id']}/rewards",
                                headers=tenant.admin)).json()["data"]
    assert offered == []
    hold = await client.post("/v1/loyalty/holds", headers=tenant.admin, json={
        "member_id": m["member_id"], "reward_id": reward["id"], "bill_total": 50000})
    assert hold.status_code == 409 and "retired" in hold.text
    quote = (await client.post("/v1/loyalty/quote", headers=tenant.admin, json={
        "member_id": m["member_id"], "bill_total": 50000, "reward_id": reward["id"]})).json()
    assert quote["ok"] is False and quote["reasons"] == ["retired"]


async def test_retiring_a_tier_re_tiers_its_members_and_waits_for_rewards(
        client, tenant, console_user, db) -> None:
    await setup_program(client, tenant)
    gold = (await client.post("/v1/loyalty/tiers", headers=tenant.admin,
                              json={"name": "Gold", "threshold": 100000})).json()
    await place(client, tenant, shopper_order(500000))
    assert (await member(client, tenant))["tier"] == "Gold"
    needs = await _reward(client, tenant, name="Gold lounge", min_tier_id=gold["id"])
    token = await sign_in(client, await console_user(tenant.slug))
    base = f"/dashboard/{tenant.slug}/loyalty"
    refused = await client.post(f"{base}/tiers/{gold['id']}/retire", data={"csrf_token": token})
    assert refused.status_code == 409 and "Gold lounge need this tier" in refused.text
    await client.post(f"/v1/loyalty/rewards/{needs['id']}/retire", headers=tenant.admin)
    edited = await client.post(f"{base}/tiers/{gold['id']}", data={
        "csrf_token": token, "name": "Gold Plus", "threshold": "1000.00", "multiplier": "1.25"})
    assert edited.status_code == 303
    assert (await member(client, tenant))["tier"] == "Gold Plus"
    done = await client.post(f"{base}/tiers/{gold['id']}/retire", data={"csrf_token": token})
    assert done.status_code == 303
    assert (await member(client, tenant))["tier"] is None
    assert await _actions(db, tenant.id) == ["tier.update", "tier.retire"]
    restore = await client.post(f"{base}/rewards/{needs['id']}/restore",
                                data={"csrf_token": token})
    assert restore.status_code == 409 and "restore the tier first" in restore.text


async def test_rule_windows_and_retiring_an_outlet_rule(client, tenant, console_user, db) -> None:
    loc = await add_location(client, tenant, "blr-1")
    await setup_program(client, tenant)
    outlet = (await client.post("/v1/loyalty/rules", headers=tenant.admin, json={
        "location": loc["id"], "points_per_unit": 5, "spend_unit": 10000})).json()
    manager = await sign_in(client, await console_user(tenant.slug, "manager"))
    base = f"/dashboard/{tenant.slug}/loyalty"
    scoped = (await client.get(base, params={"location": loc["id"]})).text
    assert f'data-testid="edit-rules-{outlet["id"]}"' in scoped
    # a manager edits the outlet's rule: it starts only next year, so today the brand rule earns
    saved = await client.post(f"{base}/rules/{outlet['id']}", params={"location": loc["id"]},
                              data={"csrf_token": manager, "points_per_unit": "5",
                                    "spend_unit": "100", "valid_from": "2099-01-01",
                                    "active": "on"})
    assert saved.status_code == 303, saved.text
    sale = await place(client, tenant, shopper_order(100000, location=loc["id"]))
    assert sale["loyalty"]["earned"] == 10    # the brand's 1 per ₹100, not the outlet's 5
    brand = next(r for r in (await client.get("/v1/loyalty/rules", headers=tenant.admin))
                 .json()["data"] if r["scope"] == "brand")
    denied = await client.post(f"{base}/rules/{brand['id']}/retire", data={"csrf_token": manager})
    assert denied.status_code == 403    # the brand rule is the owner's
    gone = await client.post(f"{base}/rules/{outlet['id']}/retire", params={"location": loc["id"]},
                             data={"csrf_token": manager})
    assert gone.status_code == 303
    rules = (await client.get("/v1/loyalty/rules", headers=tenant.admin)).json()["data"]
    assert next(r for r in rules if r["id"] == outlet["id"])["retired"] is True
    assert await _actions(db, tenant.id) == ["rule.update", "rule.retire"]


async def test_adjust_points_by_hand_with_a_reason(client, tenant, console_user, db) -> None:
    await setup_program(client, tenant)
    await place(client, tenant, shopper_order(200000))   # 20 points
    m = await member(client, tenant)
    email = await console_user(tenant.slug, "manager")
    token = await sign_in(client, email)
    url = f"/dashboard/{tenant.slug}/loyalty/members/{m['member_id']}"
    page = (await client.get(url)).text
    key = re.search(r'name="adjust_key" value="([^"]+)"', page).group(1)
    missing = await client.post(f"{url}/adjust", data={"csrf_token": token, "adjust_key": key,
                                                      "direction": "add", "points": "x"})
    assert missing.status_code == 422
    assert "enter a whole number of points above zero" in missing.text
    assert "Reason: choose a reason" in missing.text
    form = {"csrf_token": token, "adjust_key": key, "direction": "add", "points": "50",
            "reason": "Goodwill", "note": "coffee was cold"}
    added = await client.post(f"{url}/adjust", data=form)
    assert added.status_code == 303
    twice = await client.post(f"{url}/adjust", data=form)      # a double submit: one entry
    assert twice.status_code == 303
    assert (await member(client, tenant))["available"] == 70
    ledger = (await client.get(url)).text
    assert ledger.count('data-kind="adjust"') == 1
    assert "Adjusted by hand" in ledger and email in ledger and "Goodwill — coffee was cold" in ledger
    key2 = re.search(r'name="adjust_key" value="([^"]+)"', ledger).group(1)
    too_many = await client.post(f"{url}/adjust", data={**form, "adjust_key": key2,
                                                       "direction": "remove", "points": "500"})
    assert too_many.status_code == 422 and "only 70 points can be taken" in too_many.text
    assert await _actions(db, tenant.id) == ["points.adjust"]
    profile = visible_text((await client.get(
        f"/dashboard/{tenant.slug}/contacts/{m['contact_id']}")).text)
    assert "Points adjusted by hand: +50 points" in profile and "Goodwill" in profile


async def test_analysts_see_no_write_buttons_and_are_refused(client, tenant, console_user) -> None:
    await setup_program(client, tenant)
    reward = await _reward(client, tenant)
    await place(client, tenant, shopper_order(200000))
    m = await member(client, tenant)
    token = await sign_in(client, await console_user(tenant.slug, "analyst"))
    base = f"/dashboard/{tenant.slug}/loyalty"
    assert "Retire…" not in (await client.get(base)).text
    assert 'id="adjust-form"' not in (await client.get(f"{base}/members/{m['member_id']}")).text
    assert (await client.post(f"{base}/rewards/{reward['id']}/retire",
                              data={"csrf_token": token})).status_code == 403
    assert (await client.post(f"{base}/members/{m['member_id']}/adjust", data={
        "csrf_token": token, "adjust_key": "k" * 12, "direction": "add", "points": "5",
        "reason": "Goodwill"})).status_code == 403


async def test_the_contact_profile_shows_the_loyalty_balance(client, tenant,
                                                             console_user) -> None:
    await setup_program(client, tenant)
    sale = await place(client, tenant, shopper_order(300000))
    m = await member(client, tenant)
    await sign_in(client, await console_user(tenant.slug))
    page = (await client.get(f"/dashboard/{tenant.slug}/contacts/{sale['contact_id']}")).text
    assert 'data-testid="contact-loyalty-available">30<' in page
    assert f"loyalty/members/{m['member_id']}" in page
    text = visible_text(page)
    assert "loyalty_points_earned" not in text and "order_completed" not in text


def _emitted_names() -> set[str]:
    """Every event name the code writes: literal ``name=`` of ``append_event`` calls, the SDK's
    call types and the names collect.parse gives page and screen views."""
    names: set[str] = set()
    for path in SRC.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "append_event":
                for kw in node.keywords:
                    if kw.arg == "name" and isinstance(kw.value, ast.Constant):
                        names.add(str(kw.value.value))
        if path.name == "parse.py" and path.parent.name == "collect":
            names |= {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)
                      and isinstance(n.value, str) and n.value.endswith("_viewed")}
    # identify, group, alias keep their call type as the name; page and screen are renamed
    # (the ``*_viewed`` constants above); a track carries the sender's own event name
    names |= set(CallType.__args__) - {"page", "screen", "track"}
    return names


def test_every_event_the_system_writes_has_words_on_the_timeline() -> None:
    names = _emitted_names()
    # the walk finds them all (so it cannot pass by finding none)
    assert {"order_completed", "loyalty_points_adjusted", "channel_delivery_status",
            "loyalty_tier_changed", "page_viewed", "identify"} <= names
    assert sorted(names - set(EVENT_LABELS)) == []
