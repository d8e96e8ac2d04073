"""Browser fixtures: a real server process on a free loopback port and headless Chromium.

Chromium is Debian's (``/usr/bin/chromium``), driven by Playwright's async API so tests share
the suite's event loop.  Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
import pytest

from tests.support import TEST_SERVER_ENV, free_port

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM = os.environ.get("ACTIVEREACH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]


@dataclass
class LiveServer:
    url: str
    port: int
    bill_domain: str


@pytest.fixture(scope="session")
def live_server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    port = free_port()
    bill_domain = f"localhost:{port}"
    env = {**os.environ, "ACTIVEREACH_DATABASE_URL": database_url,
           "ACTIVEREACH_SECRET_KEY": "test-secret", "ACTIVEREACH_BILL_DOMAIN": bill_domain,
           **TEST_SERVER_ENV,
           "ACTIVEREACH_VAR_DIR": str(tmp_path_factory.mktemp("live-var"))}
    log = open(tmp_path_factory.mktemp("live-log") / "server.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "activereach.asgi:app", "--host", "127.0.0.1",
         "--port", str(port), "--no-access-log"], env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx2.get(f"{url}/healthz", timeout=1).status_code == 200:
                break
        except httpx2.HTTPError:
            time.sleep(0.1)
    else:
        proc.kill()
        raise RuntimeError("live server did not start")
    yield LiveServer(url=url, port=port, bill_domain=bill_domain)
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


def _without_faketime() -> dict[str, str]:
    """Take libfaketime's variables out of this process's environment; return them.

    Under ``make test-clock`` neither the Playwright driver (Node spins at full CPU when faked)
    nor Chromium runs faked: Chromium refuses work on a clock earlier than its own build date
    (pages never fire "load" at -40 days).  Pages get the moved time from Playwright's clock
    instead (``_MovedClockBrowser``), so they and the server still agree on today.
    """
    names = [k for k in os.environ if k == "LD_PRELOAD" or k.startswith("FAKETIME")]
    return {name: os.environ.pop(name) for name in names}


class _MovedClockBrowser:
    """A Browser whose pages read this (faked) process's clock: Date, timers, performance.

    ``clock.install`` keeps time flowing from the given instant, so timers and the till's
    background sync behave as on a real clock, only on the moved day.
    """

    def __init__(self, browser: Any) -> None:
        self._browser = browser

    def __getattr__(self, name: str) -> Any:
        return getattr(self._browser, name)

    async def new_context(self, **options: Any) -> Any:
        return await _moved(await self._browser.new_context(**options))

    async def new_page(self, **options: Any) -> Any:
        return await _moved(await self._browser.new_page(**options))


async def _moved(target: Any) -> Any:
    """A context or page whose clock starts at this process's (moved) now."""
    await target.clock.install(time=time.time())
    return target


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[object]:
    from playwright.async_api import async_playwright
    faketime = _without_faketime()
    try:
        pw = await async_playwright().start()
        instance = await pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                            args=CHROMIUM_ARGS, env=dict(os.environ))
    finally:
        os.environ.update(faketime)
    try:
        yield _MovedClockBrowser(instance) if faketime else instance
        await instance.close()
    finally:
        await pw.stop()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
