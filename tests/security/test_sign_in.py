"""Issue 18, finding 2 (and 14): wrong passwords, PINs and pairing codes can neither stall the
service nor be guessed, and a lockout cannot be used against the real user.

- argon2 runs in worker threads, at most ``hash_concurrency`` at once (never on the loop);
- sixty wrong passwords, then the right one, from one address: refused (locked out), while the
  real user signing in from elsewhere is not;
- pairing codes are throttled per address;
- the default per-address budget means something.
"""

from __future__ import annotations

import asyncio
import threading
import time

import httpx2
from limits import parse_many

from activereach.config import Settings
from activereach.kit import passwords
from tests.console.conftest import PASSWORD, csrf_of, make_user


def _client(app, address: str) -> httpx2.AsyncClient:  # type: ignore[no-untyped-def]
    return httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app, client=(address, 40000)),
                              base_url="http://testserver")


async def _login(http: httpx2.AsyncClient, email: str, password: str) -> httpx2.Response:
    token = csrf_of((await http.get("/login")).text)
    return await http.post("/login", data={"csrf_token": token, "email": email,
                                           "password": password})


async def test_hashing_runs_off_the_loop_and_bounded(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    loop_thread, running, seen = threading.get_ident(), [0], {"max": 0, "threads": set()}
    lock = threading.Lock()

    def slow_check(secret_hash: str, secret: str) -> bool:
        with lock:
            running[0] += 1
            seen["max"] = max(seen["max"], running[0])
            seen["threads"].add(threading.get_ident())
        time.sleep(0.05)   # a stand-in for argon2's CPU time, in the worker thread
        with lock:
            running[0] -= 1
        return False

    monkeypatch.setattr(passwords, "_check", slow_check)
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.005)
    beat = asyncio.create_task(ticker())
    results = await asyncio.gather(*(passwords.verify_secret("x", "y") for _ in range(8)))
    beat.cancel()
    assert results == [False] * 8
    assert loop_thread not in seen["threads"]
    assert seen["max"] == passwords.GATE.limit == Settings().hash_concurrency
    assert ticks > 8   # the loop kept running while the hashes ran


async def test_wrong_passwords_lock_out_that_address_not_the_user(app, client, tenant,
                                                                  db) -> None:  # type: ignore[no-untyped-def]
    email = await make_user(db, tenant.slug)
    statuses = [(await _login(client, email, "wrong password!")).status_code for _ in range(60)]
    assert statuses[:5] == [401] * 5 and set(statuses[5:]) == {429}
    refused = await _login(client, email, PASSWORD)     # the right one, from the attacker
    assert refused.status_code == 429 and "Too many failed sign-ins" in refused.text
    assert "try again in" in refused.text.lower()
    async with _client(app, "192.0.2.77") as elsewhere:  # the real user, at the office
        assert (await _login(elsewhere, email, PASSWORD)).status_code == 303


async def test_one_address_cannot_walk_through_accounts(app, tenant, db) -> None:  # type: ignore[no-untyped-def]
    emails = [await make_user(db, tenant.slug) for _ in range(2)]
    async with _client(app, "192.0.2.91") as http:
        for i in range(50):   # ten accounts' worth of failures, spread over made-up emails
            await _login(http, f"guess-{i}@example.com", "wrong password!")
        for email in emails:
            assert (await _login(http, email, PASSWORD)).status_code == 429


async def test_pairing_codes_are_throttled_per_address(app, client, tenant) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import add_location
    loc = await add_location(client, tenant, "pair-1")
    term = (await client.post(f"/v1/locations/{loc['id']}/terminals", headers=tenant.admin,
                              json={"terminal_id": "T-P"})).json()
    code = (await client.post(f"/v1/locations/{loc['id']}/terminals/{term['id']}/pairing-code",
                              headers=tenant.admin)).json()["pairing_code"]
    guesses = [(await client.post("/v1/pos/pair", json={"pairing_code": f"ZZZZ-{i:04d}"}))
               for i in range(8)]
    assert [g.status_code for g in guesses[:5]] == [401] * 5
    assert all(g.status_code == 429 and int(g.headers["retry-after"]) > 0 for g in guesses[5:])
    # even the right code waits at that address; another address pairs at once
    assert (await client.post("/v1/pos/pair", json={"pairing_code": code})).status_code == 429
    async with _client(app, "192.0.2.12") as store:
        assert (await store.post("/v1/pos/pair", json={"pairing_code": code})).status_code == 200


def test_default_budgets_mean_something() -> None:
    """Finding: 120,000/min per address was no limit. Requests without a credential (sign-in
    pages, pairing, bill pages) now get a budget a person never reaches and a flood does."""
    per_minute = {item.get_expiry(): item.amount for item in parse_many(Settings().rate_limit_address)}
    assert per_minute[1] <= 50 and per_minute[60] <= 1200
    assert Settings().trusted_proxies == ""


async def test_a_failed_sign_in_is_answered_after_the_pause(settings, db, tenant) -> None:  # type: ignore[no-untyped-def]
    """The pause that holds a flood to one attempt per connection per pause: the refused reply
    comes no sooner than ``login_failure_delay_seconds`` (a lower bound, not a speed target)."""
    from activereach.app import create_app
    paused = settings.model_copy(update={"login_failure_delay_seconds": 0.3})
    application = create_app(paused, database=db)
    application.state.db, application.state.settings, application.state.worker = db, paused, None
    email = await make_user(db, tenant.slug)
    async with _client(application, "192.0.2.44") as http:
        start = time.monotonic()
        assert (await _login(http, email, "wrong password!")).status_code == 401
        assert time.monotonic() - start >= 0.3
        assert (await _login(http, email, PASSWORD)).status_code == 303
