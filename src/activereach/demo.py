"""The demo brand: an Indian café chain with two outlets in two states, seeded idempotently.

Everything is derived from fixed seeds, the server secret and the workspace's creation time,
so running ``activereach demo`` again finds every row already there and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import random
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.bills.models import BillReceipt
from activereach.cashier.demo import seed_demo_staff
from activereach.catalog.demo import MENU, seed_demo_catalog
from activereach.console.demo import seed_demo_users
from activereach.kit.db import utcnow
from activereach.kit.ids import new_id
from activereach.loyalty.demo import seed_demo_loyalty
from activereach.messaging.demo import seed_demo_messaging
from activereach.orders.models import Order
from activereach.orders.schemas import OrderIn
from activereach.orders.service import IngestSource, ingest_order
from activereach.tenancy.models import ApiKey, Location, Terminal, Workspace
from activereach.tenancy.service import add_api_key, generate_key, hash_key

SLUG = "brewbloom"
OUTLETS = [
    {"code": "blr-indiranagar", "name": "Brew & Bloom Indiranagar",
     "address": "100 Feet Rd, HAL 2nd Stage, Indiranagar, Bengaluru 560038",
     "phone": "+91 80 4123 4567", "gstin": "29AABCB1234C1ZA", "state_code": "29"},
    {"code": "mum-bandra", "name": "Brew & Bloom Bandra",
     "address": "Hill Rd, Bandra West, Mumbai 400050",
     "phone": "+91 22 6123 4567", "gstin": "27AABCB1234C1ZE", "state_code": "27"},
]
FIRST = ["Asha", "Rohan", "Priya", "Vikram", "Meera", "Arjun", "Kavya", "Ishaan", "Neha", "Karan",
         "Ananya", "Dev", "Sneha", "Aditya", "Pooja", "Rahul", "Divya", "Siddharth", "Tara", "Nikhil"]
LAST = ["Iyer", "Sharma", "Nair", "Patel", "Reddy", "Menon", "Gupta", "Rao", "Kulkarni", "Shah"]
PAIRING_TTL = dt.timedelta(days=7)


def _derive(secret: str, label: str, length: int = 8) -> str:
    digest = hmac.new(secret.encode(), label.encode(), hashlib.sha256).hexdigest()
    return digest[:length].upper()


async def seed_demo(session: AsyncSession, secret: str) -> dict[str, Any]:
    ws = await _workspace(session)
    admin_key = await _key(session, ws, "admin", secret)
    write_key = await _key(session, ws, "write", secret)
    locations = [await _location(session, ws, spec) for spec in OUTLETS]
    terminals = []
    for location in locations:
        for label in ("T1", "T2"):
            terminals.append(await _terminal(session, ws, location, label, secret))
    await seed_demo_loyalty(session, ws)
    await seed_demo_messaging(session, ws)
    await seed_demo_catalog(session, ws, locations)
    staff = await seed_demo_staff(session, ws, secret)
    await _orders(session, ws, locations)
    return {
        "workspace": ws.slug, "workspace_id": ws.id, "name": ws.name,
        "admin_key": admin_key, "write_key": write_key,
        "locations": [{"id": loc.id, "code": loc.code, "name": loc.name, "gstin": loc.gstin,
                       "state_code": loc.state_code} for loc in locations],
        "terminals": terminals, "staff": staff,
        "sample_bill_code": await _latest_store_bill(session, ws),
        **await seed_demo_users(session, ws, secret),
    }


async def _workspace(session: AsyncSession) -> Workspace:
    ws = await session.scalar(select(Workspace).where(Workspace.slug == SLUG))
    if ws is None:
        ws = Workspace(id=new_id("ws"), slug=SLUG, name="Brew & Bloom Café", country="IN",
                       currency="INR", timezone="Asia/Kolkata", locale="en_IN",
                       branding={"primary_color": "#6b3e26"}, created_at=utcnow())
        session.add(ws)
        await session.flush()
    return ws


async def _key(session: AsyncSession, ws: Workspace, kind: str, secret: str) -> str:
    value = generate_key(kind, derive_from=(secret, f"demo:{ws.id}:{kind}"))
    exists = await session.scalar(select(ApiKey.id).where(ApiKey.key_hash == hash_key(value)))
    if not exists:
        await add_api_key(session, ws.id, kind=kind, name=f"demo {kind} key", secret=value)
    return value


async def _location(session: AsyncSession, ws: Workspace, spec: dict[str, str]) -> Location:
    loc = await session.scalar(select(Location).where(Location.workspace_id == ws.id,
                                                      Location.code == spec["code"]))
    if loc is None:
        loc = Location(workspace_id=ws.id, id=new_id("loc"), timezone="Asia/Kolkata", **spec)
        session.add(loc)
        await session.flush()
    return loc


async def _terminal(session: AsyncSession, ws: Workspace, loc: Location, label: str,
                    secret: str) -> dict[str, Any]:
    term = await session.scalar(select(Terminal).where(
        Terminal.workspace_id == ws.id, Terminal.location_id == loc.id, Terminal.terminal_id == label))
    if term is None:
        term = Terminal(workspace_id=ws.id, id=new_id("trm"), location_id=loc.id, terminal_id=label,
                        name=f"{loc.name} till {label[1:]}", status="active", created_at=utcnow())
        session.add(term)
    now = utcnow()
    if (term.pairing_expires_at is None or term.pairing_expires_at <= now
            or term.pairing_issued_at is None):
        term.pairing_issued_at = now
        term.pairing_expires_at = now + PAIRING_TTL
    code = _derive(secret, f"pair:{term.id}:{term.pairing_issued_at.isoformat()}")
    term.pairing_code_hash = hash_key(code)
    await session.flush()
    return {"id": term.id, "terminal_id": label, "location_id": loc.id, "location_code": loc.code,
            "pairing_code": code, "pairing_expires_at": term.pairing_expires_at.isoformat()}


async def _latest_store_bill(session: AsyncSession, ws: Workspace) -> str | None:
    """The code of the newest in-store demo bill: a real page for the newcomer to open."""
    return await session.scalar(
        select(BillReceipt.code).join(Order, (Order.workspace_id == BillReceipt.workspace_id)
                                      & (Order.id == BillReceipt.order_id))
        .where(BillReceipt.workspace_id == ws.id, Order.source == "activepos")
        .order_by(Order.occurred_at.desc()).limit(1))


def _people() -> list[dict[str, str]]:
    rng = random.Random(7)
    people = []
    for index in range(40):
        first, last = FIRST[index % len(FIRST)], LAST[(index * 3) % len(LAST)]
        people.append({"name": f"{first} {last}",
                       "phone": f"+91 9{rng.randint(100000000, 999999999)}",
                       "email": f"{first.lower()}.{last.lower()}{index}@example.in"})
    return people


def _demo_orders(ws: Workspace, locations: list[Location]) -> list[tuple[str, dict[str, Any]]]:
    """(source, canonical order body) pairs; fixed seed, times anchored to the workspace."""
    rng = random.Random(42)
    people = _people()
    anchor = ws.created_at.replace(minute=0, second=0, microsecond=0)
    orders = []
    for index in range(120):
        day = rng.randint(0, 29)
        when = anchor - dt.timedelta(days=day, hours=rng.randint(0, 10), minutes=rng.randint(0, 59))
        online = rng.random() < 0.35
        person = people[rng.randrange(len(people))] if rng.random() < 0.8 else None
        lines = []
        for sku, name, variant, category, price, rate, hsn in rng.sample(MENU, rng.randint(1, 3)):
            lines.append({"sku": sku, "name": name, "variant": variant, "category": category,
                          "quantity": str(rng.randint(1, 2)), "unit_price": price,
                          "tax_rate": rate, "tax_inclusive": True, "hsn": hsn})
        body: dict[str, Any] = {"occurred_at": when.isoformat(), "currency": "INR", "lines": lines}
        if person:
            body["customer"] = dict(person) if online else {"phone": person["phone"],
                                                            "name": person["name"]}
        if online:
            body.update(external_id=f"WEB-{10000 + index}", channel="online")
            orders.append(("online", body))
        else:
            loc = locations[index % len(locations)]
            body.update(external_id=f"DEMO-{loc.code.upper()}-{index:04d}", location=loc.id,
                        terminal=rng.choice(["T1", "T2"]), channel="offline")
            orders.append(("activepos", body))
    return orders


def _payment(source: str, body: dict[str, Any]) -> dict[str, Any]:
    """Online orders pay by card to the paisa; at a till, UPI or card pay the total and cash
    is handed over in ₹100 notes, the change being tendered − total (as the bill shows it)."""
    total = int(sum(Decimal(line["quantity"]) * line["unit_price"] for line in body["lines"]))
    method = "card" if source == "online" else random.Random(body["external_id"]).choice(
        ["upi", "cash", "card"])
    tendered = -(-total // 10000) * 10000 if method == "cash" else total
    return {"method": method, "amount": tendered}


async def _orders(session: AsyncSession, ws: Workspace, locations: list[Location]) -> None:
    for source, body in _demo_orders(ws, locations):
        exists = await session.scalar(select(Order.id).where(
            Order.workspace_id == ws.id, Order.source == source,
            Order.external_id == body["external_id"]))
        if exists:
            continue
        order_in = OrderIn.model_validate({**body, "payments": [_payment(source, body)]})
        await ingest_order(session, IngestSource(
            workspace=ws, source=source, event_source="sdk" if source == "online" else "pos",
            client_order_id=None), order_in)
