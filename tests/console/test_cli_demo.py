"""``activereach user create`` and the demo brand's console owner."""

from __future__ import annotations

import os
import subprocess
import sys

from activereach.console.demo import DEMO_EMAIL, demo_password
from activereach.console.service import password_match, sign_in_candidates
from activereach.demo import seed_demo
from activereach.kit.db import unit_of_work
from tests.console.conftest import PASSWORD, csrf_of


def _cli(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ACTIVEREACH_DATABASE_URL": database_url,
           "ACTIVEREACH_SECRET_KEY": "test-secret"}
    return subprocess.run([sys.executable, "-m", "activereach.cli", "user", "create", *args],
                          env=env, capture_output=True, text=True, timeout=120, check=False)


async def test_cli_creates_a_user_who_can_sign_in(client, tenant, database_url) -> None:
    done = _cli(database_url, "--workspace", tenant.slug, "--email", "Mgr@Example.com",
                "--role", "manager", "--password", PASSWORD)
    assert done.returncode == 0, done.stderr
    assert '"role": "manager"' in done.stdout and "mgr@example.com" in done.stdout
    again = _cli(database_url, "--workspace", tenant.slug, "--email", "mgr@example.com",
                 "--role", "manager", "--password", PASSWORD)
    assert again.returncode == 2 and "already has a console user" in again.stderr
    bad = _cli(database_url, "--workspace", tenant.slug, "--email", "x@example.com",
               "--role", "admin", "--password", PASSWORD)
    assert bad.returncode == 2 and "role" in bad.stderr
    token = csrf_of((await client.get("/login")).text)
    response = await client.post("/login", data={"csrf_token": token, "email": "mgr@example.com",
                                                 "password": PASSWORD, "workspace": tenant.slug})
    assert response.status_code == 303


async def test_demo_owner_is_idempotent_and_derived_from_the_secret(db) -> None:
    first = await unit_of_work(db, lambda s: seed_demo(s, "demo-secret"))
    second = await unit_of_work(db, lambda s: seed_demo(s, "demo-secret"))
    assert first["console_email"] == second["console_email"] == DEMO_EMAIL
    assert first["console_password"] == second["console_password"]
    assert first["console_password"] == demo_password("demo-secret", first["workspace_id"])
    assert [(s["name"], s["role"]) for s in first["staff"]] == [("Kiran", "cashier"),
                                                               ("Meera", "manager")]
    assert first["staff"] == second["staff"] and all(len(s["pin"]) == 4 for s in first["staff"])
    found = await password_match(await unit_of_work(db, lambda s: sign_in_candidates(
        s, email=DEMO_EMAIL, workspace_slug="brewbloom")), first["console_password"])
    assert found is not None and found[0].role == "owner"
    rotated = await unit_of_work(db, lambda s: seed_demo(s, "another-secret"))
    assert rotated["console_password"] != first["console_password"]
    assert await password_match(await unit_of_work(db, lambda s: sign_in_candidates(
        s, email=DEMO_EMAIL)), rotated["console_password"]) is not None
