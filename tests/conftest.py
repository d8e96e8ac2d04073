"""Test fixtures: one migrated database per run (SQLite file, or the PostgreSQL server that
``scripts/test.sh`` starts, chosen by ``ACTIVEREACH_TEST_DATABASE_URL``), an app on it, and
keyword-argument factories.  Tests isolate by creating their own workspaces."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx2
import pytest

from activereach import wiring
from activereach.app import create_app
from activereach.cashier import signing
from activereach.config import Settings
from activereach.kit.db import Database, unit_of_work
from activereach.ops.migrate import upgrade
from activereach.tenancy.workspaces import create_workspace
from tests.support import TEST_SERVER_ENV, client_address, iso_ago, recreate_postgres

# Tests that ingest without an app (services, jobs) run with the domains wired like a server.
wiring.install()

PG_URL = os.environ.get("ACTIVEREACH_TEST_DATABASE_URL", "")


def pytest_report_header() -> str:
    return f"database: {'PostgreSQL ' + PG_URL if PG_URL else 'SQLite'}"


def _fresh_postgres(url: str) -> str:
    """A new database for this run (named per process, so parallel runs never collide)."""
    return recreate_postgres(url, f"{url.rpartition('/')[2]}_{os.getpid()}")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    if PG_URL:
        url = _fresh_postgres(PG_URL)
    else:
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def is_postgres(database_url: str) -> bool:
    return database_url.startswith("postgresql")


@pytest.fixture(scope="session")
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    yield database
    await database.dispose()


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory, database_url: str) -> Settings:
    operator = {name.removeprefix("ACTIVEREACH_").lower(): value
                for name, value in TEST_SERVER_ENV.items()}
    return Settings(database_url=database_url, var_dir=Path(tmp_path_factory.mktemp("var")),
                    secret_key="test-secret", worker_mode="off", **operator,
                    login_failure_delay_seconds=0)   # the pause is tested on its own


@pytest.fixture(scope="session")
def app(settings: Settings, db: Database):  # type: ignore[no-untyped-def]
    application = create_app(settings, database=db)
    # No lifespan under ASGITransport: bind what the lifespan would.
    application.state.db = db
    application.state.settings = settings
    application.state.worker = None
    return application


@pytest.fixture
async def client(app) -> AsyncIterator[httpx2.AsyncClient]:  # type: ignore[no-untyped-def]
    # Each test calls from its own address (documentation range), as different clients would:
    # per-address budgets and sign-in lockouts one test provokes stay in that test.
    transport = httpx2.ASGITransport(app=app, client=client_address())
    async with httpx2.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


class Tenant:
    """A workspace made for one test, with its keys and helpers to build authed headers."""

    def __init__(self, data: dict[str, str]) -> None:
        self.id = data["workspace_id"]
        self.slug = data["slug"]
        self.admin_key = data["admin_key"]
        self.write_key = data["write_key"]

    @property
    def admin(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.admin_key}"}

    @property
    def writer(self) -> dict[str, str]:
        return {"X-Write-Key": self.write_key}


@pytest.fixture
def make_tenant(db: Database):  # type: ignore[no-untyped-def]
    async def factory(*, country: str = "IN", currency: str = "INR",
                      timezone: str = "Asia/Kolkata") -> Tenant:
        slug = "t" + uuid.uuid4().hex[:12]
        data = await unit_of_work(db, lambda s: create_workspace(
            s, slug=slug, name=f"Test {slug}", country=country, currency=currency,
            timezone=timezone))
        return Tenant(data)
    return factory


@pytest.fixture
async def tenant(make_tenant) -> Tenant:  # type: ignore[no-untyped-def]
    return await make_tenant()


def order_body(external_id: str | None = None, **overrides: object) -> dict[str, object]:
    """A valid canonical order (DESIGN.md §8) with sensible defaults."""
    body: dict[str, object] = {
        "external_id": external_id or f"A-{uuid.uuid4().hex[:10]}",
        "occurred_at": iso_ago(hours=1),
        "currency": "INR",
        "customer": {"phone": "+91 98765 43210", "email": "asha@example.com", "name": "Asha"},
        "lines": [{"sku": "LATTE-M", "name": "Latte (M)", "quantity": "2", "unit_price": 24900,
                   "tax_rate": "5", "tax_inclusive": True, "hsn": "2101", "discount": 0}],
        "payments": [{"method": "upi", "amount": 49800, "reference": "UPI-88123"}],
    }
    body.update(overrides)
    return body


async def add_location(client: httpx2.AsyncClient, tenant: Tenant, code: str = "blr-1",
                       **extra: object) -> dict[str, object]:
    body = {"code": code, "name": f"Outlet {code}", "gstin": "29AABCB1234C1ZA",
            "timezone": "Asia/Kolkata", **extra}
    response = await client.post("/v1/locations", json=body, headers=tenant.admin)
    assert response.status_code == 201, response.text
    return response.json()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests last: their live server runs a job worker on the shared test database,
    which would otherwise take jobs that other tests run and assert on themselves."""
    items.sort(key=lambda item: "tests/browser/" in item.nodeid.replace("\\", "/"))


class SignedTill:
    """A paired till with a signed-in staff member: ``sign(body)`` attaches the staff proof
    every ``POST /v1/pos/orders`` needs (``cashier/proofs.py``), as ActivePOS does."""

    def __init__(self, location: dict[str, Any], headers: dict[str, str]) -> None:
        self.location, self.headers = location, headers
        self.staff: dict[str, Any] = {}   # the cashier: the first one signed in
        self.keys: dict[str, dict[str, Any]] = {}

    async def sign_in(self, client: httpx2.AsyncClient, tenant: Tenant, name: str,
                      pin: str = "2580", role: str = "cashier",
                      location: str | None = None) -> dict[str, Any]:
        """Create (or update) a staff member and check the PIN on this till: their key."""
        made = await client.post("/v1/cashier/staff", headers=tenant.admin, json={
            "name": name, "pin": pin, "role": role, "location": location})
        assert made.status_code in (200, 201), made.text
        verified = await client.post(f"/v1/pos/staff/{made.json()['id']}/verify",
                                     json={"pin": pin}, headers=self.headers)
        assert verified.status_code == 200, verified.text
        self.keys[name] = verified.json()["staff_key"]
        self.staff = self.staff or verified.json()
        return verified.json()

    def sign(self, body: dict[str, Any], *, offline: bool = False, by: str | None = None,
             approvals: dict[int, str] | None = None) -> dict[str, Any]:
        """``body`` (a client_order_id is added when missing) with its proof; ``approvals``
        maps line numbers (0: the order discount) to the approving manager's name."""
        return signing.sign_body(body, self.keys[by or self.staff["name"]], offline=offline,
                                 approvals={line: self.keys[name]
                                            for line, name in (approvals or {}).items()})


async def signed_till(client: httpx2.AsyncClient, tenant: Tenant, code: str = "blr-1", *,
                      terminal_id: str | None = None, staff_name: str = "Kiran",
                      location: dict[str, Any] | None = None, **extra: object) -> SignedTill:
    """A new outlet (or ``location``), a terminal on it, paired, and a cashier signed in."""
    loc = location or await add_location(client, tenant, code, **extra)
    term = await client.post(f"/v1/locations/{loc['id']}/terminals", headers=tenant.admin,
                             json={"terminal_id": terminal_id or f"T-{loc['code']}"})
    assert term.status_code == 201, term.text
    pairing = await client.post(f"/v1/locations/{loc['id']}/terminals/{term.json()['id']}"
                                "/pairing-code", headers=tenant.admin)
    code = pairing.json()["pairing_code"]
    paired = await client.post("/v1/pos/pair", json={"pairing_code": code})
    assert paired.status_code == 200, paired.text
    till = SignedTill(loc, {"Authorization": f"Bearer {paired.json()['device_token']}"})
    await till.sign_in(client, tenant, staff_name, location=loc["code"])
    return till
