"""Real parts for messaging tests: one local HTTP server speaking the WhatsApp Cloud, Twilio and
MSG91 APIs (it records every request and answers with scripted documented replies), an aiosmtpd
SMTP server with STARTTLS on loopback, and helpers to configure channels and run the worker."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from aiosmtpd.controller import Controller
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy import update
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from activereach.jobs.models import Job
from activereach.jobs.worker import Worker
from activereach.kit.db import utcnow
from tests.conftest import order_body
from tests.support import free_port, serve_in_thread

PHONE_NUMBER_ID = "106540352242922"
TWILIO_SID = "AC" + "1" * 32
ACCESS_TOKEN = "EAAG-test-access-token"
APP_SECRET = "meta-app-secret"
TWILIO_TOKEN = "twilio-auth-token"
MSG91_KEY = "msg91-authkey"


@dataclass
class Call:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class FakeProviders:
    """Records requests; answers from a per-provider script, else the documented success."""

    url: str = ""
    calls: list[Call] = field(default_factory=list)
    script: dict[str, deque[tuple[int, dict[str, Any], dict[str, str]]]] = field(default_factory=dict)
    counter: int = 0

    def reply(self, provider: str, status: int, body: dict[str, Any],
              headers: dict[str, str] | None = None) -> None:
        self.script.setdefault(provider, deque()).append((status, body, headers or {}))

    def of(self, provider: str) -> list[Call]:
        marks = {"whatsapp": "/messages", "twilio": "/Messages.json", "msg91": "/api/v5/flow/"}
        return [c for c in self.calls if c.path.endswith(marks[provider])]

    def app(self) -> Starlette:
        async def handle(request: Request, provider: str, ok: dict[str, Any],
                         ok_status: int = 200) -> JSONResponse:
            self.calls.append(Call(request.method, request.url.path, dict(request.headers),
                                   await request.body()))
            queue = self.script.get(provider)
            if queue:
                status, body, headers = queue.popleft()
                return JSONResponse(body, status_code=status, headers=headers)
            return JSONResponse(ok, status_code=ok_status)

        async def whatsapp(request: Request) -> JSONResponse:
            self.counter += 1
            to = (await request.json()).get("to")
            return await handle(request, "whatsapp", {
                "messaging_product": "whatsapp", "contacts": [{"input": to, "wa_id": to}],
                "messages": [{"id": f"wamid.HBgM{self.counter:06d}", "message_status": "accepted"}]})

        async def twilio(request: Request) -> JSONResponse:
            self.counter += 1
            return await handle(request, "twilio", {
                "sid": f"SM{self.counter:032d}", "status": "queued", "num_segments": "1"}, 201)

        async def msg91(request: Request) -> JSONResponse:
            self.counter += 1
            return await handle(request, "msg91", {"type": "success",
                                                   "message": f"3763646c{self.counter:08d}"})

        return Starlette(routes=[
            Route("/{version}/{phone_id}/messages", whatsapp, methods=["POST"]),
            Route("/2010-04-01/Accounts/{sid}/Messages.json", twilio, methods=["POST"]),
            Route("/api/v5/flow/", msg91, methods=["POST"]),
        ])


@pytest.fixture(scope="session")
def provider_server():  # type: ignore[no-untyped-def]
    api = FakeProviders()
    with serve_in_thread(api.app()) as url:
        api.url = url
        yield api


@pytest.fixture
def providers(provider_server: FakeProviders) -> FakeProviders:
    provider_server.calls.clear()
    provider_server.script.clear()
    return provider_server


# ---- SMTP -----------------------------------------------------------------------------------

class Mailbox:
    def __init__(self) -> None:
        self.envelopes: list[Any] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802
        self.envelopes.append(envelope)
        if any(rcpt.endswith("@bounce.test") for rcpt in envelope.rcpt_tos):
            return "550 5.1.1 mailbox unavailable"
        return "250 OK"


def _self_signed(directory: Path) -> ssl.SSLContext:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([
                x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .sign(key, hashes.SHA256()))
    (directory / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (directory / "key.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(directory / "cert.pem", directory / "key.pem")
    return context


@pytest.fixture(scope="session")
def smtp_server(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    box = Mailbox()
    context = _self_signed(tmp_path_factory.mktemp("smtp"))
    controller = Controller(box, hostname="127.0.0.1", port=free_port(), tls_context=context,
                            require_starttls=True)
    controller.start()
    box.port = controller.port  # type: ignore[attr-defined]
    yield box
    controller.stop()


@pytest.fixture
def mailbox(smtp_server: Mailbox) -> Mailbox:
    smtp_server.envelopes.clear()
    return smtp_server


# ---- helpers --------------------------------------------------------------------------------

async def configure(client, tenant, providers: FakeProviders, *, sms: str = "twilio",  # type: ignore[no-untyped-def]
                    smtp_port: int | None = None) -> None:
    """WhatsApp Cloud + Twilio/MSG91 (+ SMTP) pointed at the local servers."""
    wa = {"provider": "whatsapp_cloud",
          "config": {"phone_number_id": PHONE_NUMBER_ID, "base_url": providers.url,
                     "api_version": "v21.0"},
          "secrets": {"access_token": ACCESS_TOKEN, "app_secret": APP_SECRET,
                      "verify_token": "verify-me"}}
    response = await client.put("/v1/messaging/channels/whatsapp", json=wa, headers=tenant.admin)
    assert response.status_code == 200, response.text
    if sms == "twilio":
        body = {"provider": "twilio",
                "config": {"account_sid": TWILIO_SID, "from": "+15005550006",
                           "base_url": providers.url,
                           "status_callback_url": f"http://testserver/v1/messaging/webhooks/"
                                                  f"twilio/{tenant.slug}"},
                "secrets": {"auth_token": TWILIO_TOKEN}}
    else:
        body = {"provider": "msg91",
                "config": {"template_id": "6630f1d2d6fc05", "sender": "BRWBLM",
                           "dlt_entity_id": "1201159543060917386",
                           "dlt_template_id": "1207161234567890123", "base_url": providers.url},
                "secrets": {"authkey": MSG91_KEY}}
    response = await client.put("/v1/messaging/channels/sms", json=body, headers=tenant.admin)
    assert response.status_code == 200, response.text
    if smtp_port:
        email = {"provider": "smtp",
                 "config": {"host": "127.0.0.1", "port": smtp_port, "security": "starttls",
                            "verify_tls": False, "from_address": "bills@brew.test",
                            "from_name": "Brew & Bloom", "username": None},
                 "secrets": {}}
        response = await client.put("/v1/messaging/channels/email", json=email,
                                    headers=tenant.admin)
        assert response.status_code == 200, response.text


async def sale(client, tenant, **overrides: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    response = await client.post("/v1/orders", json=order_body(**overrides), headers=tenant.admin)
    assert response.status_code == 201, response.text
    return response.json()


async def run_jobs(db) -> int:  # type: ignore[no-untyped-def]
    return await Worker(db, concurrency=8).drain()


async def make_due(db) -> None:  # type: ignore[no-untyped-def]
    """Bring scheduled retries forward (the schedule itself is asserted before calling this)."""
    async with db.session() as session:
        await session.execute(update(Job).where(Job.status == "queued", Job.kind.like("messaging.%"))
                              .values(run_at=utcnow()))


async def messages(client, tenant, order_id: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    response = await client.get("/v1/messages", params={"order_id": order_id}, headers=tenant.admin)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture(autouse=True)
async def _no_scheduled_retries_left(db):  # type: ignore[no-untyped-def]
    """Retries scheduled by a test must not come due in a later test module's worker drain."""
    yield
    async with db.session() as session:
        await session.execute(update(Job).where(
            Job.status == "queued", Job.kind.like("messaging.%"), Job.run_at > utcnow())
            .values(status="done", last_error="left by a messaging test", finished_at=utcnow()))
