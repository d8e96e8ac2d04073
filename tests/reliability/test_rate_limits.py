"""Rate limits: a small configured budget per credential and per client address answers 429
with Retry-After and the standard error shape; other keys are unaffected; the window recovers."""

from __future__ import annotations

import asyncio
import time

import httpx2
import pytest

from activereach.app import create_app
from tests.support import client_address

DEADLINE_SECONDS = 10.0


async def _client(settings, db, **budgets: str):  # type: ignore[no-untyped-def]
    """A separate app on the same database with budgets small enough to exceed in a test."""
    tight = settings.model_copy(update=budgets)
    application = create_app(tight, database=db)
    application.state.db, application.state.settings, application.state.worker = db, tight, None
    return httpx2.AsyncClient(transport=httpx2.ASGITransport(app=application, client=client_address()),
                              base_url="http://testserver")


@pytest.fixture
async def limited(settings, db):  # type: ignore[no-untyped-def]
    # Per hour: a slow (loaded) machine cannot slide out of the window mid-test, and crossing a
    # window boundary cannot give extra room (the sliding-window counter weighs the previous
    # window by what is left of it: at a minute boundary that let a 5th request through).
    async with await _client(settings, db, rate_limit_credential="5/hour",
                             rate_limit_address="4/hour", rate_limit_webhook="3/hour") as http:
        yield http


@pytest.fixture
async def per_second(settings, db):  # type: ignore[no-untyped-def]
    async with await _client(settings, db, rate_limit_credential="3/second",
                             rate_limit_address="3/second", rate_limit_webhook="3/second") as http:
        yield http


def _assert_limited(response: httpx2.Response, limit: str) -> None:
    assert response.status_code == 429, response.text
    retry_after = response.headers["retry-after"]
    assert retry_after.isdigit() and int(retry_after) >= 1
    error = response.json()["error"]
    assert error["code"] == "rate_limited"
    assert error["details"]["limit"] == limit
    assert error["details"]["retry_after"] == int(retry_after)
    assert "per" in error["message"]


async def _until_ok(call) -> httpx2.Response:  # type: ignore[no-untyped-def]
    """Poll until the window lets a request through (bounded by a deadline, not a sleep)."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    while True:
        response = await call()
        if response.status_code != 429 or time.monotonic() > deadline:
            return response
        await asyncio.sleep(0.1)


async def test_a_key_over_its_budget_gets_429_and_another_key_is_unaffected(limited,
                                                                            make_tenant) -> None:
    a, b = await make_tenant(), await make_tenant()
    statuses = [(await limited.get("/v1/workspace", headers=a.admin)).status_code
                for _ in range(5)]
    assert statuses == [200] * 5
    _assert_limited(await limited.get("/v1/workspace", headers=a.admin), "credential")
    # The same brand's write key is a different credential with its own budget.
    assert (await limited.post("/v1/batch", headers=a.writer, json={"batch": []})).status_code != 429
    # Another brand's key, from the same address, is not affected.
    assert (await limited.get("/v1/workspace", headers=b.admin)).status_code == 200
    # Health and metrics are exempt even for a caller over its budget.
    for _ in range(10):
        assert (await limited.get("/healthz")).status_code == 200


async def test_requests_without_a_credential_are_limited_per_address(limited) -> None:
    statuses = [(await limited.get("/v1/workspace")).status_code for _ in range(4)]
    assert statuses == [401] * 4
    _assert_limited(await limited.get("/v1/workspace"), "address")


async def test_webhook_deliveries_are_limited_per_address(limited) -> None:
    url = "/v1/pipes/pipe_00000000000000000000000000/webhook"
    statuses = [(await limited.post(url, content=b"{}")).status_code for _ in range(3)]
    assert 429 not in statuses and all(s < 500 for s in statuses)
    _assert_limited(await limited.post(url, content=b"{}"), "webhook")
    # The webhook budget is separate from the unauthenticated-route budget of the same address.
    assert (await limited.get("/v1/workspace")).status_code == 401


async def _until_limited(call) -> httpx2.Response:  # type: ignore[no-untyped-def]
    """Call until the budget runs out (bounded by a deadline)."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    while True:
        response = await call()
        if response.status_code == 429 or time.monotonic() > deadline:
            return response


async def test_the_window_moves_on_and_the_caller_gets_through_again(per_second,
                                                                     make_tenant) -> None:
    tenant = await make_tenant()
    keyed = lambda: per_second.get("/v1/workspace", headers=tenant.admin)  # noqa: E731
    _assert_limited(await _until_limited(keyed), "credential")
    recovered = await _until_ok(keyed)
    assert recovered.status_code == 200, recovered.text
    anonymous = lambda: per_second.get("/v1/workspace")  # noqa: E731
    _assert_limited(await _until_limited(anonymous), "address")
    assert (await _until_ok(anonymous)).status_code == 401
