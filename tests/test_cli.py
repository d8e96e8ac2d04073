"""The CLI as an operator uses it: from any folder, demo twice changes nothing, serve serves."""

import contextlib
import datetime as dt
import json
import os
import shlex
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2

CLI = [sys.executable, "-m", "activereach.cli"]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ACTIVEREACH_")}
    return {**env, **extra}


def _counts(db_file: Path) -> dict[str, int]:
    import sqlite3
    with sqlite3.connect(db_file) as conn:
        return {table: conn.execute(f"select count(*) from {table}").fetchone()[0]  # noqa: S608
                for table in ("workspaces", "locations", "terminals", "api_keys", "contacts",
                              "orders", "events", "jobs")}


def test_demo_is_idempotent_and_lives_under_var_of_the_current_folder(tmp_path: Path) -> None:
    first = subprocess.run([*CLI, "demo", "--json"], cwd=tmp_path, env=_env(), check=True,
                           capture_output=True, text=True)
    db_file = tmp_path / "var" / "activereach.db"
    before = _counts(db_file)
    second = subprocess.run([*CLI, "demo", "--json"], cwd=tmp_path, env=_env(), check=True,
                            capture_output=True, text=True)
    assert _counts(db_file) == before
    one, two = json.loads(first.stdout), json.loads(second.stdout)
    assert one == two
    assert one["workspace"] == "brewbloom" and one["admin_key"].startswith("sk_")
    assert len(one["locations"]) == 2 and len(one["terminals"]) == 4
    assert {loc["state_code"] for loc in one["locations"]} == {"29", "27"}
    assert before["orders"] >= 100 and before["contacts"] >= 20


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def _serving(tmp_path: Path, port: int) -> Iterator[str]:
    """``activereach serve`` in ``tmp_path`` on ``port`` until ready; yields its base URL."""
    log = open(tmp_path / "serve.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen([*CLI, "serve", "--port", str(port)], cwd=tmp_path, env=_env(),
                            stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if httpx2.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx2.HTTPError:
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


def test_serve_migrates_serves_and_runs_the_worker(tmp_path: Path) -> None:
    demo = json.loads(subprocess.run([*CLI, "demo", "--json"], cwd=tmp_path, env=_env(), check=True,
                                     capture_output=True, text=True).stdout)
    port = _free_port()
    with _serving(tmp_path, port) as base:
        headers = {"Authorization": f"Bearer {demo['admin_key']}"}
        order = {"external_id": "CLI-1", "location": "blr-indiranagar", "terminal": "T1",
                 "occurred_at": dt.datetime.now(dt.timezone.utc).isoformat(),
                 "customer": {"phone": "+91 98765 43210"},
                 "lines": [{"name": "Latte", "quantity": "1", "unit_price": 24900, "tax_rate": "5"}]}
        created = httpx2.post(f"{base}/v1/orders", json=order, headers=headers, timeout=10)
        assert created.status_code == 201, created.text
        # no ACTIVEREACH_BILL_DOMAIN: the bill lives on the port serve listens on
        bill_url = created.json()["bill"]["url"]
        assert bill_url.startswith(f"http://brewbloom.localhost:{port}/b/"), bill_url
        host, path = bill_url.removeprefix("http://").split("/", 1)
        assert httpx2.get(f"{base}/{path}", headers={"Host": host}).status_code == 200
        contact_id = created.json()["contact_id"]
        for _ in range(100):  # the in-process worker folds the order into the contact's stats
            profile = httpx2.get(f"{base}/v1/contacts/{contact_id}", headers=headers).json()
            if profile["orders_count"] == 1:
                break
            time.sleep(0.1)
        assert profile["orders_count"] == 1 and profile["total_spent"] == 24900
        events = httpx2.get(f"{base}/v1/contacts/{contact_id}/events", headers=headers).json()
        # newest first; the receipt's channel_delivery_status may already follow the order
        assert "order_completed" in [e["name"] for e in events["data"]]
    assert demo["admin_key"] not in (tmp_path / "serve.log").read_text()


def _exports(text: str) -> dict[str, str]:
    values = {}
    for line in text.splitlines():
        name, _, value = line.removeprefix("export ").partition("=")
        values[name] = shlex.split(value)[0] if value else ""
    return values


def test_demo_env_follows_the_running_server_and_its_pins_sign_in(tmp_path: Path) -> None:
    """The README tour: `make run PORT=…`, then `eval "$(activereach demo --env)"` elsewhere."""
    port = _free_port()
    subprocess.run([*CLI, "demo", "--port", str(port)], cwd=tmp_path, env=_env(), check=True,
                   capture_output=True, text=True)
    with _serving(tmp_path, port) as base:
        env = _exports(subprocess.run([*CLI, "demo", "--env"], cwd=tmp_path, env=_env(),
                                      check=True, capture_output=True, text=True).stdout)
        assert env["BASE"] == f"http://localhost:{port}"
        assert env["BILL"].startswith(f"http://brewbloom.localhost:{port}/b/")
        host, path = env["BILL"].removeprefix("http://").split("/", 1)
        assert httpx2.get(f"{base}/{path}", headers={"Host": host}).status_code == 200
        paired = httpx2.post(f"{base}/v1/pos/pair", json={"pairing_code": env["PAIR_T2"]})
        assert paired.status_code == 200, paired.text
        device = {"Authorization": f"Bearer {paired.json()['device_token']}"}
        staff = {s["name"]: s for s in httpx2.get(f"{base}/v1/pos/staff", headers=device).json()["data"]}
        for name, pin in (("Kiran", env["CASHIER_PIN"]), ("Meera", env["MANAGER_PIN"])):
            verified = httpx2.post(f"{base}/v1/pos/staff/{staff[name]['id']}/verify",
                                   json={"pin": pin}, headers=device)
            assert verified.status_code == 200 and verified.json()["name"] == name, verified.text
