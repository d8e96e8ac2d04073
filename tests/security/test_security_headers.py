"""Issue 18, finding 8: every HTML page carries a CSP with ``frame-ancestors``, X-Frame-Options,
Referrer-Policy and nosniff; the console and the cashier had none (the bill page had its own).

The pages still working under these policies in Chromium, with no CSP violation reported, is
checked in ``tests/browser/test_csp.py`` (browser tests run last: their live server runs a job
worker on the shared test database).
"""

from __future__ import annotations

import re

from activereach.kit.security_headers import page_headers
from tests.conftest import add_location, order_body
from tests.console.conftest import make_user, sign_in

HEADERS = ("content-security-policy", "x-frame-options", "referrer-policy",
           "x-content-type-options")


def _policy(response) -> dict[str, str]:  # type: ignore[no-untyped-def]
    csp = response.headers["content-security-policy"]
    return {part.split(" ", 1)[0]: part.split(" ", 1)[1] for part in csp.split("; ")}


def _assert_default(response) -> None:  # type: ignore[no-untyped-def]
    for name in HEADERS:
        assert name in response.headers, (response.url, name)
    policy = _policy(response)
    assert policy["frame-ancestors"] == "'none'" and response.headers["x-frame-options"] == "DENY"
    assert policy["script-src"] == "'self'"  # no inline script, no eval
    assert "unsafe-eval" not in str(policy)
    assert policy["object-src"] == "'none'" and policy["base-uri"] == "'none'"
    assert response.headers["referrer-policy"] == "same-origin"
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_console_pages_carry_the_headers(client, tenant, db) -> None:
    login = await client.get("/login")
    assert login.status_code == 200
    _assert_default(login)
    await sign_in(client, await make_user(db, tenant.slug))
    for path in ("analytics", "contacts", "settings/locations", "connected-products/active-bill"):
        page = await client.get(f"/dashboard/{tenant.slug}/{path}")
        assert page.status_code == 200, (path, page.text[:200])
        _assert_default(page)


async def test_the_cashier_shell_carries_the_headers(client) -> None:
    shell = await client.get("/cashier/")
    if shell.status_code == 503:  # not built here: the refusal is JSON, no HTML to guard
        assert shell.json()["error"]["code"] == "cashier_not_built"
        return
    assert shell.status_code == 200
    _assert_default(shell)


async def test_api_docs_allow_only_their_own_nonce_script(client) -> None:
    docs = await client.get("/docs")
    policy = _policy(docs)
    nonce = re.search(r"'nonce-([^']+)'", policy["script-src"]).group(1)
    assert f'<script nonce="{nonce}">' in docs.text and "<script>" not in docs.text
    assert docs.headers["x-frame-options"] == "DENY"
    assert _policy(await client.get("/docs"))["script-src"] != policy["script-src"]  # per request


async def test_the_bill_page_keeps_its_stricter_policy(client, tenant) -> None:
    location = await add_location(client, tenant, "sh-1")
    order = (await client.post("/v1/orders", headers=tenant.admin,
                               json=order_body(location=location["id"]))).json()
    code = order["bill"]["code"]
    page = await client.get(f"/b/{code}", headers={"host": f"{tenant.slug}.localhost:8000"})
    assert page.status_code == 200, page.text[:200]
    policy = _policy(page)
    assert policy["default-src"] == "'none'" and "script-src" not in policy
    assert policy["style-src"].startswith("'nonce-") and policy["frame-ancestors"] == "'self'"
    assert page.headers["x-frame-options"] == "SAMEORIGIN"
    assert page.headers["referrer-policy"] == "no-referrer"


async def test_json_replies_are_left_alone(client, tenant) -> None:
    reply = await client.get("/v1/locations", headers=tenant.admin)
    assert reply.status_code == 200 and "content-security-policy" not in reply.headers


def test_one_list_of_header_names() -> None:
    # The bill page, the docs and the middleware all build on page_headers.
    assert {h.lower() for h in page_headers()} == set(HEADERS)
