"""Issue 18 #1: a tenant admin cannot make the service call an address of their choosing.

Each attack points a provider at a loopback listener that must receive nothing.  The app here
is built with the suite's settings minus the loopback allowance (``outbound_allow_hosts`` empty),
as a production server runs; only the path-encoding and reply-trimming tests use the suite's
app, whose operator allows the loopback fake providers.
"""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx2
import pytest
from sqlalchemy import select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from activereach.app import create_app
from activereach.config import Settings
from activereach.jobs.worker import Worker
from activereach.kit import crypto, outbound
from activereach.messaging.models import ChannelSetting
from activereach.pipes.models import Pipe
from tests.conftest import add_location, order_body
from tests.support import serve_in_thread

SID = "AC" + "2" * 32
SECRET_REPLY = {"sid": "SM" + "9" * 32, "status": "queued", "internal": "INTERNAL-DATA",
                "body": "Your bill: https://bills.example/b/SECRETCODE", "account_sid": SID}


class Listener:
    """A loopback HTTP server recording every request (raw path kept) and answering JSON."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.url = ""
        self.reply: dict[str, Any] = SECRET_REPLY

    def app(self) -> Starlette:
        async def anything(request: Request) -> JSONResponse:
            self.calls.append({"method": request.method, "raw_path": request.scope["raw_path"],
                               "auth": request.headers.get("authorization")})
            return JSONResponse(self.reply, status_code=201)
        methods = ["GET", "POST", "PUT"]
        return Starlette(routes=[Route("/{path:path}", anything, methods=methods)])


@pytest.fixture
def listener() -> Iterator[Listener]:
    box = Listener()
    with serve_in_thread(box.app()) as url:
        box.url = url
        yield box


@pytest.fixture
async def strict(settings: Settings, db) -> AsyncIterator[httpx2.AsyncClient]:  # type: ignore[no-untyped-def]
    """The app as a production operator runs it: no host beyond the providers' own."""
    strict_settings = settings.model_copy(update={"outbound_allow_hosts": ""})
    application = create_app(strict_settings, database=db)
    application.state.db, application.state.settings = db, strict_settings
    application.state.worker = None
    crypto.use_settings(strict_settings)   # the worker drains below run under these settings
    transport = httpx2.ASGITransport(app=application)
    try:
        async with httpx2.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http
    finally:
        crypto.use_settings(settings)   # the suite's settings for the tests that follow


def twilio(base_url: str) -> dict[str, Any]:
    return {"provider": "twilio", "config": {"account_sid": SID, "from": "+15005550006",
                                             "base_url": base_url},
            "secrets": {"auth_token": "tok"}}


def error_field(response: httpx2.Response) -> tuple[str, str]:
    assert response.status_code == 422, response.text
    detail = response.json()["error"]["details"][0]
    return detail["field"], detail["message"]


async def test_twilio_base_url_at_loopback_is_refused_when_saved(strict, tenant, listener):  # type: ignore[no-untyped-def]
    response = await strict.put("/v1/messaging/channels/sms", headers=tenant.admin,
                                json=twilio(f"{listener.url}/x"))
    field, message = error_field(response)
    assert field == "config.base_url" and "https" in message
    response = await strict.put("/v1/messaging/channels/sms", headers=tenant.admin,
                                json=twilio(listener.url.replace("http:", "https:")))
    field, message = error_field(response)
    assert field == "config.base_url" and "not one of this provider's API hosts" in message
    assert listener.calls == []


async def _receipt_of_one_sale(http, tenant, db):  # type: ignore[no-untyped-def]
    """One order, its jobs run: (its one receipt message, the listing's raw reply)."""
    order = await http.post("/v1/orders", headers=tenant.admin, json=order_body())
    assert order.status_code == 201, order.text
    await Worker(db, concurrency=4).drain()
    listed = await http.get("/v1/messages", headers=tenant.admin,
                            params={"order_id": order.json()["order_id"]})
    [msg] = listed.json()["data"]
    return msg, listed


async def test_a_channel_stored_earlier_cannot_reach_loopback_at_send(strict, tenant, db,  # type: ignore[no-untyped-def]
                                                                     listener):
    saved = await strict.put("/v1/messaging/channels/sms", headers=tenant.admin,
                             json=twilio("https://api.twilio.com"))
    assert saved.status_code == 200, saved.text
    async with db.session() as session:   # as if saved before the check existed
        row = await session.scalar(select(ChannelSetting).where(
            ChannelSetting.workspace_id == tenant.id, ChannelSetting.channel == "sms"))
        row.config = {**row.config, "base_url": f"{listener.url}/x"}
    msg, listed = await _receipt_of_one_sale(strict, tenant, db)
    assert (msg["status"], msg["error_code"]) == ("failed", "outbound_refused")
    assert "INTERNAL-DATA" not in listed.text
    assert listener.calls == []


@pytest.mark.parametrize("url", ["http://169.254.169.254/latest/meta-data/",
                                 "https://169.254.169.254/latest/meta-data/",
                                 "file:///etc/passwd", "https://token@graph.facebook.com",
                                 "https://graph.facebook.com.evil.example"])
async def test_metadata_file_and_lookalike_urls_are_refused(strict, tenant, url):  # type: ignore[no-untyped-def]
    response = await strict.put("/v1/messaging/channels/whatsapp", headers=tenant.admin, json={
        "provider": "whatsapp_cloud", "config": {"phone_number_id": "1", "base_url": url}})
    assert error_field(response)[0] == "config.base_url"


async def test_smtp_to_the_metadata_address_or_a_redis_port_is_refused(strict, tenant):  # type: ignore[no-untyped-def]
    def smtp(host: str, port: int) -> dict[str, Any]:
        return {"provider": "smtp", "config": {"host": host, "port": port,
                                               "from_address": "bills@brew.test"}}
    redis = await strict.put("/v1/messaging/channels/email", headers=tenant.admin,
                             json=smtp("169.254.169.254", 6379))
    assert error_field(redis)[0] == "config.port"
    metadata = await strict.put("/v1/messaging/channels/email", headers=tenant.admin,
                                json=smtp("169.254.169.254", 587))
    field, message = error_field(metadata)
    assert field == "config.host" and "not a public address" in message
    loopback = await strict.put("/v1/messaging/channels/email", headers=tenant.admin,
                                json=smtp("127.0.0.1", 25))
    assert error_field(loopback)[0] == "config.host"


async def test_smtp_send_connects_only_to_a_checked_address(strict) -> None:  # type: ignore[no-untyped-def]
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        server.setblocking(False)
        with pytest.raises(outbound.Refused):
            await outbound.smtp_socket("127.0.0.1", server.getsockname()[1], timeout=2)
        with pytest.raises(BlockingIOError):   # nothing connected
            server.accept()


async def test_pipe_api_base_url_is_refused_on_create_and_update(strict, tenant, listener):  # type: ignore[no-untyped-def]
    await add_location(strict, tenant, "ssrf-1")
    settings = {"signature_key": "k", "notification_url": "https://hooks.example.com/sq",
                "access_token": "tok", "location_map": {"L1": "ssrf-1"}}
    for base in (listener.url, "https://169.254.169.254", "https://connect.squareup.com.evil.io"):
        response = await strict.post("/v1/pipes", headers=tenant.admin, json={
            "kind": "webhook", "provider": "square", "name": "sq",
            "settings": {**settings, "api_base_url": base}})
        assert error_field(response)[0] == "settings.api_base_url"
    made = await strict.post("/v1/pipes", headers=tenant.admin, json={
        "kind": "webhook", "provider": "square", "name": "sq",
        "settings": {**settings, "api_base_url": "https://connect.squareupsandbox.com"}})
    assert made.status_code == 201, made.text
    patched = await strict.patch(f"/v1/pipes/{made.json()['id']}", headers=tenant.admin,
                                 json={"settings": {"api_base_url": listener.url}})
    assert error_field(patched)[0] == "settings.api_base_url"
    assert listener.calls == []


def square_event(order_id: str) -> dict[str, Any]:
    return {"merchant_id": "M1", "type": "order.updated", "event_id": "e-" + order_id[-4:],
            "created_at": dt.datetime.now(dt.UTC).isoformat(),
            "data": {"type": "order", "id": order_id,
                     "object": {"order_updated": {"order_id": order_id, "state": "COMPLETED"}}}}


async def square_pipe(http, tenant, base: str) -> str:  # type: ignore[no-untyped-def]
    await add_location(http, tenant, "sq-1")
    made = await http.post("/v1/pipes", headers=tenant.admin, json={
        "kind": "webhook", "provider": "square", "name": "sq", "settings": {
            "signature_key": "k", "notification_url": "https://hooks.example.com/sq",
            "access_token": "tok", "api_base_url": base, "location_map": {"L1": "sq-1"}}})
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


async def test_a_pipe_url_stored_earlier_cannot_reach_loopback(strict, tenant, db, listener):  # type: ignore[no-untyped-def]
    pipe_id = await square_pipe(strict, tenant, "https://connect.squareupsandbox.com")
    async with db.session() as session:   # as if saved before the check existed
        pipe = await session.get(Pipe, (tenant.id, pipe_id))
        pipe.settings = {**pipe.settings, "api_base_url": listener.url}
    tested = await strict.post(f"/v1/pipes/{pipe_id}/test", headers=tenant.admin, json={
        "payload": square_event("ORDER1"), "payload_kind": "webhook"})
    assert tested.status_code == 200, tested.text
    [error] = tested.json()["errors"]
    assert error["field"] == "fetch" and "outbound call refused" in error["message"]
    assert listener.calls == []


async def test_an_order_id_stays_one_encoded_path_segment(client, tenant, listener):  # type: ignore[no-untyped-def]
    listener.reply = {"errors": [{"code": "NOT_FOUND"}]}
    pipe_id = await square_pipe(client, tenant, listener.url)
    tested = await client.post(f"/v1/pipes/{pipe_id}/test", headers=tenant.admin, json={
        "payload": square_event("/".join(["..", "..", "admin?x=1"])), "payload_kind": "webhook"})
    assert tested.status_code == 200, tested.text
    assert [c["raw_path"] for c in listener.calls] == [b"/v2/orders/..%2F..%2Fadmin%3Fx%3D1"]


async def test_a_provider_reply_is_stored_as_its_named_fields_only(client, tenant, db, listener):  # type: ignore[no-untyped-def]
    saved = await client.put("/v1/messaging/channels/sms", headers=tenant.admin,
                             json=twilio(listener.url))
    assert saved.status_code == 200, saved.text
    msg, listed = await _receipt_of_one_sale(client, tenant, db)
    assert msg["status"] == "sent" and len(listener.calls) == 1
    assert msg["provider_response"] == {"sid": SECRET_REPLY["sid"], "status": "queued"}
    assert "INTERNAL-DATA" not in listed.text and "SECRETCODE" not in listed.text
