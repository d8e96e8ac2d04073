"""Crash-test traffic: a seeded mix of API orders (members earn), loyalty redemptions through
the hold API, and signed Shopify webhook deliveries, sent by a few concurrent streams while a
seeded plan kills processes; every request is retried until it gets a reply."""

from __future__ import annotations

import asyncio
import base64
import copy
import hashlib
import hmac
import json
import random
import uuid
from dataclasses import dataclass, field
from typing import Any

from activereach.pipes.samples import sample
from tests.conftest import order_body
from tests.reliability.crash_cluster import Cluster, RetryingClient

PHONES = [f"+91 98450 3{n:04d}" for n in range(8)]
SHOPIFY_SECRET = "shopify-crash-secret"
SHOPIFY_LOCATION = "48752903"


@dataclass
class Ledger:
    """What the clients were told: the replies a POS would have acted on."""

    orders: dict[str, str] = field(default_factory=dict)          # external id → order id
    redemptions: dict[str, int] = field(default_factory=dict)     # external id → points
    deliveries: dict[str, str] = field(default_factory=dict)      # shopify order id → delivery
    unexpected: list[str] = field(default_factory=list)           # 4xx the mix never causes
    replayed: int = 0    # orders whose first reply was lost after the commit (a resend said so)
    done: int = 0


async def set_up(api: RetryingClient) -> dict[str, Any]:
    """Outlets, a points program (no pending days), console receipts and a Shopify pipe."""
    for code in ("crash-1", "shop-1"):
        r = await api.call("POST", "/v1/locations", json={
            "code": code, "name": f"Outlet {code}", "gstin": "29AABCB1234C1ZA",
            "timezone": "Asia/Kolkata"})
        assert r.status_code in (200, 201), r.text
    r = await api.call("PUT", "/v1/loyalty/program", json={
        "name": "Crash Points", "pending_days": 0, "min_redeem_points": 0,
        "max_redeem_share_bp": 10000, "point_value": 100})
    assert r.status_code == 200, r.text
    r = await api.call("POST", "/v1/loyalty/rules",
                       json={"points_per_unit": 1, "spend_unit": 10000})
    assert r.status_code == 200, r.text
    for channel in ("whatsapp", "sms", "email"):
        r = await api.call("PUT", f"/v1/messaging/channels/{channel}",
                           json={"provider": "console"})
        assert r.status_code == 200, r.text
    r = await api.call("POST", "/v1/pipes", json={
        "kind": "webhook", "provider": "shopify", "name": "Shopify (crash test)",
        "settings": {"client_secret": SHOPIFY_SECRET,
                     "location_map": {SHOPIFY_LOCATION: "shop-1"}}})
    assert r.status_code == 201, r.text
    return r.json()


def _order(external_id: str, rng: random.Random, points: int = 0) -> dict[str, Any]:
    amount = rng.randrange(5, 60) * 1000
    payments: list[dict[str, Any]] = [{"method": "upi", "amount": amount - points * 100}]
    if points:
        payments.insert(0, {"method": "points", "amount": points * 100})
    return order_body(external_id, customer={"phone": rng.choice(PHONES), "name": "Crash"},
                      lines=[{"sku": "LATTE-M", "name": "Latte", "quantity": "1",
                              "unit_price": amount, "tax_rate": "0", "tax_inclusive": True}],
                      payments=payments)


async def place_order(api: RetryingClient, ledger: Ledger, body: dict[str, Any]) -> None:
    r = await api.call("POST", "/v1/orders", json=body,
                       headers={"Idempotency-Key": f"idem-{body['external_id']}"})
    if r.status_code in (200, 201):
        ledger.orders[str(body["external_id"])] = r.json()["order_id"]
        ledger.replayed += bool(r.json().get("replayed"))
    else:
        ledger.unexpected.append(f"order {body['external_id']}: {r.status_code} {r.text[:200]}")


async def redeem(api: RetryingClient, ledger: Ledger, index: int, rng: random.Random) -> None:
    """Hold a few points of the shopper's balance, then pay part of an order with them; with no
    balance yet (a 404 or 409 reply) the sale goes through unpaid by points."""
    body = _order(f"CR-R{index}", rng)
    phone = body["customer"]["phone"]  # type: ignore[index]
    points = rng.randrange(1, 4)
    found = await api.call("GET", "/v1/loyalty/members", params={"phone": phone})
    if found.status_code == 200:
        hold = await api.call("POST", "/v1/loyalty/holds", json={
            "member_id": found.json()["member_id"], "points": points,
            "idempotency_key": f"crash-hold-{index}"})
        if hold.status_code in (200, 201):
            total = body["lines"][0]["unit_price"]  # type: ignore[index]
            body["payments"] = [{"method": "points", "amount": points * 100},
                                {"method": "upi", "amount": total - points * 100}]
            body["loyalty"] = {"hold_id": hold.json()["hold_id"]}
            ledger.redemptions[str(body["external_id"])] = points
        elif hold.status_code != 409:
            ledger.unexpected.append(f"hold {index}: {hold.status_code} {hold.text[:200]}")
    await place_order(api, ledger, body)


def shopify_delivery(index: int, rng: random.Random) -> tuple[str, bytes, dict[str, str]]:
    """One signed ``orders/paid`` delivery for a new Shopify order (fixed bytes and event id,
    so a resend after a lost reply is the provider's own retry)."""
    document = copy.deepcopy(json.loads(sample("shopify")[0]))
    document["id"] = 7_000_000_000 + index
    document["name"] = document["order_number"] = f"#C{index}"
    raw = json.dumps(document).encode()
    mac = base64.b64encode(hmac.new(SHOPIFY_SECRET.encode(), raw, hashlib.sha256).digest())
    headers = {"content-type": "application/json", "X-Shopify-Hmac-Sha256": mac.decode(),
               "X-Shopify-Topic": "orders/paid",
               "X-Shopify-Event-Id": str(uuid.UUID(int=rng.getrandbits(128)))}
    return str(document["id"]), raw, headers


async def deliver(api: RetryingClient, ledger: Ledger, pipe_id: str, index: int,
                  rng: random.Random) -> None:
    shop_id, raw, headers = shopify_delivery(index, rng)
    r = await api.call("POST", f"/v1/pipes/{pipe_id}/webhook", content=raw, headers=headers)
    if r.status_code == 200:
        ledger.deliveries[shop_id] = r.json()["delivery_id"]
    else:
        ledger.unexpected.append(f"delivery {shop_id}: {r.status_code} {r.text[:200]}")


async def stream(api: RetryingClient, ledger: Ledger, pipe_id: str, ops: list[tuple[str, int]],
                 rng: random.Random, progress: asyncio.Condition) -> None:
    for kind, index in ops:
        if kind == "order":
            await place_order(api, ledger, _order(f"CR-{index}", rng))
        elif kind == "redeem":
            await redeem(api, ledger, index, rng)
        else:
            await deliver(api, ledger, pipe_id, index, rng)
        async with progress:
            ledger.done += 1
            progress.notify_all()


async def chaos(cluster: Cluster, ledger: Ledger, plan: list[tuple[int, str]],
                progress: asyncio.Condition) -> None:
    """Kill each target once the streams have completed its number of operations (the other
    streams are mid-request then), and start it again."""
    for at, target in plan:
        async with progress:
            await progress.wait_for(lambda at=at: ledger.done >= at)
        await cluster.crash(target)


def make_plan(seed: int, operations: int, rounds: int, workers: int,
              streams: int) -> tuple[list[list[tuple[str, int]]], list[tuple[int, str]]]:
    """The seeded operation mix split over the streams, and the kill points."""
    rng = random.Random(seed)
    kinds = rng.choices(["order", "redeem", "webhook"], weights=[6, 2, 2], k=operations)
    ops = [(kind, index) for index, kind in enumerate(kinds)]
    split = [ops[i::streams] for i in range(streams)]
    targets = ["server"] + [f"worker{w}" for w in range(workers)]
    points = sorted(rng.sample(range(operations // 10, operations * 9 // 10),
                               rounds * len(targets)))
    kills = [(at, targets[i % len(targets)]) for i, at in enumerate(points)]
    return split, kills


async def run_traffic(cluster: Cluster, api: RetryingClient, pipe_id: str, *, seed: int,
                      operations: int, rounds: int, streams: int = 4) -> Ledger:
    ledger = Ledger()
    split, kills = make_plan(seed, operations, rounds, len(cluster.workers), streams)
    progress = asyncio.Condition()
    killer = asyncio.create_task(chaos(cluster, ledger, kills, progress))
    await asyncio.gather(*(stream(api, ledger, pipe_id, ops, random.Random(seed * 31 + n),
                                  progress) for n, ops in enumerate(split)))
    await killer  # every kill point is below the operation count, so this has finished
    return ledger
