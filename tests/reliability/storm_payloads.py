"""Storm payloads: distinct orders for every provider, each in its documented, signed shape, with
stale versions, refunds and voids, and the final state each order must end in."""

from __future__ import annotations

import copy
import datetime as dt
import json
import urllib.parse
import uuid
from dataclasses import dataclass
from typing import Any

from activereach.pipes.rules import epoch_ms
from tests.pipes.conftest import NOTIFY_URL, ProviderApi, fixture, sample_json, signed
from tests.support import ago

PROVIDERS = ("shopify", "toast", "lightspeed_x", "clover", "square", "custom")


@dataclass
class Expect:
    """What one external order must look like once every delivery is processed."""

    provider: str
    external_id: str
    total: int
    lines: int
    version: int | None = None     # the newest version sent (None: the provider fetches it)
    refunded: int = 0
    voided: bool = False           # newest version voids it: never left completed


@dataclass
class Delivery:
    provider: str
    body: bytes
    headers: dict[str, str]


class Builder:
    """Builds the unique deliveries of ``n`` orders per provider against these pipes."""

    def __init__(self, pipes: dict[str, dict[str, Any]], api: ProviderApi, tag: str) -> None:
        self.pipes, self.api, self.tag = pipes, api, tag
        self.deliveries: list[Delivery] = []
        self.expect: dict[tuple[str, str], Expect] = {}

    def _add(self, provider: str, body: bytes, **extra: str) -> None:
        pipe = self.pipes[provider]
        headers = signed(provider, body, pipe["secret"], url=NOTIFY_URL, **extra)
        self.deliveries.append(Delivery(provider, body, headers))

    def _expect(self, exp: Expect) -> None:
        self.expect[(exp.provider, exp.external_id)] = exp

    def order(self, provider: str, n: int) -> None:
        getattr(self, f"_{provider}")(n)

    def _shopify(self, n: int) -> None:
        # Above 2^53, so an id that passed through a float would be caught.
        order_id = 6_000_000_000_000_000 + n * 1000 + int(self.tag, 16) % 1000
        hour = ago(hours=2, tz="America/New_York").replace(minute=0, second=0, microsecond=0)
        stamps = [(hour + dt.timedelta(minutes=m)).isoformat() for m in (1, 2, 3, 4)]
        refund = {"id": order_id + 7, "order_id": order_id, "created_at": stamps[-1],
                  "transactions": [{"kind": "refund", "status": "success", "amount": "30.00"}]}
        refunded = n % 3 == 0

        def doc(stamp: str, **changes: Any) -> bytes:
            order = sample_json("shopify")
            order.update(id=order_id, updated_at=stamp, name=f"#{order_id}", **changes)
            return json.dumps(order).encode()

        def send(body: bytes, topic: str) -> None:
            self._add("shopify", body, **{"X-Shopify-Topic": topic,
                                          "X-Shopify-Event-Id": str(uuid.uuid4())})

        send(doc(stamps[0], financial_status="pending"), "orders/create")
        send(doc(stamps[1]), "orders/paid")
        send(doc(stamps[2]), "orders/updated")
        if refunded:
            send(json.dumps(refund).encode(), "refunds/create")
            send(doc(stamps[3], financial_status="partially_refunded", refunds=[refund]),
                 "orders/updated")
        else:
            send(doc(stamps[3]), "orders/updated")
        self._expect(Expect("shopify", str(order_id), 8999, 1, epoch_ms(stamps[3]),
                            refunded=3000 if refunded else 0))

    def _toast(self, n: int) -> None:
        base = sample_json("toast")
        guid = str(uuid.uuid4())
        voided = n % 5 == 0
        hour = ago(hours=2, tz="UTC").replace(minute=0, second=0, microsecond=0)
        stamps = [(hour + dt.timedelta(minutes=m)).strftime("%Y-%m-%dT%H:%M:%S.000+0000")
                  for m in (1, 2, 3)]
        for i, stamp in enumerate(stamps):
            env = copy.deepcopy(base)
            env["guid"] = str(uuid.uuid4())        # Toast's event id: one per notification
            env["details"]["order"].update(guid=guid, modifiedDate=stamp)
            if voided and i == len(stamps) - 1:
                env["details"]["order"]["voided"] = True
            self._add("toast", json.dumps(env).encode())
        self._expect(Expect("toast", guid, 850, 1, epoch_ms(stamps[-1]), voided=voided))

    def _lightspeed_x(self, n: int) -> None:
        sale = fixture("lightspeed_x_sale_update_payload.json")
        sale_id, version = str(uuid.uuid4()), 7_000_000 + n * 10
        refunded = n % 3 == 1
        for v in (version, version + 1, version + 2):
            self._form({**sale, "id": sale_id, "version": v})
        if refunded:   # a return is a new sale pointing at the original
            ret = copy.deepcopy(sale)
            ret.update(id=str(uuid.uuid4()), version=version + 5, return_for=sale_id)
            ret["register_sale_products"] = ret["register_sale_products"][:1]
            ret["register_sale_products"][0]["quantity"] = -1
            ret["totals"] = {"total_price": "-56.52174", "total_tax": "-8.47826"}
            self._form(ret)
        self._expect(Expect("lightspeed_x", sale_id, 7300, 2, version + 2,
                            refunded=6500 if refunded else 0))

    def _form(self, sale: dict[str, Any]) -> None:
        self._add("lightspeed_x", urllib.parse.urlencode({"payload": json.dumps(sale)}).encode())

    def _clover(self, n: int) -> None:
        order = sample_json("clover")
        order["id"] = uuid.uuid4().hex[:13].upper()
        order["modifiedTime"] = 1_764_064_860_000 + n
        self.api.orders[f"clover:{order['id']}"] = order   # the API has the newest state
        for kind, ts in (("CREATE", 1_764_064_800_000 + n), ("UPDATE", order["modifiedTime"])):
            note = {"appId": "DRKVJT2ZRRRSC", "merchants": {"XYZVJT2ZRRRSC": [
                {"objectId": f"O:{order['id']}", "type": kind, "ts": ts}]}}
            self._add("clover", json.dumps(note).encode())
        self._expect(Expect("clover", order["id"], 2760, 2, order["modifiedTime"]))

    def _square(self, n: int) -> None:
        from tests.pipes.conftest import square_event

        order = copy.deepcopy(fixture("square_api_pay_order_response_completed_order.json")["order"])
        order.update(id=f"sq-{uuid.uuid4().hex[:12]}", version=3)
        self.api.orders[f"square:{order['id']}"] = order
        for version, state in ((1, "OPEN"), (2, "OPEN"), (3, "COMPLETED")):
            self._add("square", square_event({**order, "version": version, "state": state}))
        self._expect(Expect("square", order["id"], 2000, 2, 3))

    def _custom(self, n: int) -> None:
        ext = f"C-{self.tag}-{n}"
        quantity = 1 + n % 3     # a different total per order: no two orders can be confused
        for version in (1, 2, 3):
            order = sample_json("custom")
            order.update(event_id=f"evt-{ext}-{version}", external_id=ext, version=version,
                         currency="USD")
            order["lines"][0]["quantity"] = str(quantity)
            order["payments"][0]["amount"] = 24900 * quantity
            self._add("custom", json.dumps(order).encode())
        self._expect(Expect("custom", ext, 24900 * quantity, 1, 3))


def build(pipes: dict[str, dict[str, Any]], api: ProviderApi, tag: str,
          unique_target: int) -> Builder:
    """Orders round-robin over every provider until ``unique_target`` deliveries exist."""
    builder = Builder(pipes, api, tag)
    n = 0
    while len(builder.deliveries) < unique_target:
        builder.order(PROVIDERS[n % len(PROVIDERS)], n // len(PROVIDERS))
        n += 1
    return builder
