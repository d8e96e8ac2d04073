"""The routes outside the OpenAPI (console pages and forms, the public bill pages, the cashier
PWA shell, docs): schemathesis cannot see them, so this walks every one of them with hostile
path values and generated form bodies, signed in to the console, and asserts no 5xx.

Their bodies are HTML/JS/CSS, so only the status is checked (schema conformance does not apply).
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx2
import pytest
from fastapi.routing import APIRoute
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from activereach.console.service import create_user
from activereach.kit.db import unit_of_work
from tests.console.conftest import PASSWORD, csrf_of
from tests.fuzz.test_openapi import _APP, SPEC
from tests.support import client_address

# Path values a browser or a scanner could send: empty-ish, traversal, quotes, non-ASCII, long.
HOSTILE = ["x", "0", "..%2F..%2Fetc%2Fpasswd", "%00", "'\"<script>", "ü€😀", "a" * 300,
           "%FF%FE", "-1", "SAMPLE0000"]
# GET pages whose real value this suite does not have (their 404 is still checked for 5xx):
NOT_SEEDED = {
    "/b/{code}", "/b/{code}/print",            # the bill row is written by a job not run here
    "/b/{code}/member",
    "/cashier/assets/{name}", "/cashier/{name}",  # file names of the PWA build
    "/dashboard/{workspace}/messages/{message_id}",  # a message exists once a receipt is sent
    # a pairing code's page: its id is only in the redirect after issuing it
    "/dashboard/{workspace}/settings/locations/{location_id}/terminals/{terminal_pk}"
    "/pairing/{code_id}",
    "/login/set-password/{token}",              # the token is only in the link sent
    "/media/{name}",                            # an uploaded logo's content hash
}
FORM_FIELDS = ["csrf_token", "name", "email", "code", "amount", "points", "status", "provider",
               "settings", "location", "timezone", "rate", "price", "pin", "role", "q", "page"]


def _outside_schema() -> list[tuple[str, str]]:
    """(METHOD, path template) of every route that is not in the OpenAPI document."""
    def walk(routes, prefix=""):  # type: ignore[no-untyped-def]
        for route in routes:
            if hasattr(route, "original_router"):  # FastAPI ≥ 0.137 keeps routers as a tree
                yield from walk(route.original_router.routes,
                                prefix + route.include_context.prefix)
            elif hasattr(route, "methods") and route.methods:
                yield prefix + route.path, route.methods

    found = {(method, path) for path, methods in walk(_APP.routes) for method in methods
             if path not in SPEC["paths"] and method != "HEAD"}
    return sorted(found)


ROUTES = _outside_schema()


def _forms(count: int) -> list[dict[str, str]]:
    """Generated form bodies, drawn up front and deterministically (the requests are async)."""
    bodies: list[dict[str, str]] = []

    @given(st.dictionaries(st.one_of(st.sampled_from(FORM_FIELDS), st.text(max_size=8)),
                           st.text(max_size=40), max_size=6))
    @settings(max_examples=count, derandomize=True, database=None, deadline=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    def collect(body: dict[str, str]) -> None:
        bodies.append(body)

    collect()
    return bodies


FORMS = _forms(4)


@pytest.fixture(scope="module")
async def console(app, db, seeded):  # type: ignore[no-untyped-def]
    """A client signed in to the console as the seeded workspace's owner, and its CSRF token."""
    email = f"fuzz-{uuid.uuid4().hex[:8]}@example.com"
    user = await unit_of_work(db, lambda s: create_user(s, workspace_slug=seeded.tenant.slug,
                                                 email=email, role="owner", password=PASSWORD))
    transport = httpx2.ASGITransport(app=app, client=client_address())
    async with httpx2.AsyncClient(transport=transport, base_url="http://testserver") as client:
        token = csrf_of((await client.get("/login")).text)
        signed = await client.post("/login", data={"csrf_token": token, "email": email,
                                                   "password": PASSWORD})
        assert signed.status_code == 303, signed.text
        page = await client.get(signed.headers["location"])
        yield client, csrf_of(page.text), user.id


def _urls(path: str, seeded: Any, user_id: str) -> list[str]:
    """The template filled with this workspace's real values, then with each hostile value."""
    params = re.findall(r"{(\w+)}", path)
    real = {**seeded.ids, "workspace": seeded.tenant.slug, "name": "index.html",
            "action": "revoke", "user_id": user_id, "verb": "edit", "kind": "rewards",
            "item_id": seeded.ids["reward_id"]}
    urls = [re.sub(r"{(\w+)}", lambda m: real.get(m.group(1), "x"), path)] if params else [path]
    for value in HOSTILE if params else []:
        urls.append(re.sub(r"{(\w+)}", lambda m: real.get(m.group(1), value)
                           if m.group(1) == "workspace" else value, path))
    return urls


@pytest.mark.parametrize(("method", "path"), ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
async def test_page_never_answers_5xx(method: str, path: str, console: Any,
                                      seeded: Any) -> None:
    client, csrf, user_id = console
    if path == "/logout":
        return await _check(client, method, path, {"csrf_token": csrf})  # once, at the end
    answered = []
    for url in _urls(path, seeded, user_id):
        if method == "GET":
            answered.append(await _check(client, method, url, None))
        else:
            for form in FORMS:
                answered.append(await _check(client, method, url, {**form, "csrf_token": csrf}))
    assert answered and all(status < 500 for status in answered)
    if method == "GET" and path not in NOT_SEEDED:
        # The real values (first URL) reach the page itself, so the walk is signed in.
        assert answered[0] < 400, f"GET {path} with this workspace's values: {answered[0]}"


async def _check(client: httpx2.AsyncClient, method: str, url: str,
                 form: dict[str, str] | None) -> int:
    response = await client.request(method, url, data=form, follow_redirects=False)
    assert response.status_code < 500, f"{method} {url} {form}: {response.status_code} " \
                                        f"{response.text[:300]}"
    return response.status_code
