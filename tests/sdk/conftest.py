"""A real server process for the SDK tests: uvicorn on a free loopback port, on the suite's
database, with no job worker (it would take jobs that other tests assert on themselves)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx2
import pytest

from tests.support import TEST_SERVER_ENV, free_port


@pytest.fixture(scope="session")
def sdk_server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, **TEST_SERVER_ENV, "ACTIVEREACH_DATABASE_URL": database_url,
           "ACTIVEREACH_SECRET_KEY": "test-secret", "ACTIVEREACH_WORKER_MODE": "off",
           "ACTIVEREACH_VAR_DIR": str(tmp_path_factory.mktemp("sdk-var"))}
    log_path = tmp_path_factory.mktemp("sdk-log") / "server.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "activereach.asgi:app", "--host", "127.0.0.1",
             "--port", str(port), "--no-access-log"], env=env, stdout=log,
            stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx2.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx2.HTTPError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise RuntimeError(f"SDK test server did not start: {log_path.read_text()[-2000:]}")
            time.sleep(0.1)
        try:
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
