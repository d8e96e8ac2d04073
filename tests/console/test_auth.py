"""Sign-in, sessions, CSRF, roles and workspace isolation for the console."""

from __future__ import annotations

from tests.conftest import add_location
from tests.console.conftest import PASSWORD, csrf_of, sign_in


async def test_pages_need_a_signed_in_user(client, tenant) -> None:
    response = await client.get(f"/dashboard/{tenant.slug}/analytics")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")


async def test_sign_in_sets_a_hardened_cookie_and_lands_on_analytics(client, tenant,
                                                                     console_user) -> None:
    email = await console_user(tenant.slug)
    token = csrf_of((await client.get("/login")).text)
    response = await client.post("/login", data={"csrf_token": token, "email": email,
                                                 "password": PASSWORD})
    assert response.status_code == 303
    assert response.headers["location"] == f"/dashboard/{tenant.slug}/analytics"
    cookie = response.headers["set-cookie"].lower()
    assert "ar_console=" in cookie and "httponly" in cookie and "samesite=lax" in cookie
    assert (await client.get(response.headers["location"])).status_code == 200


async def test_wrong_password_is_refused_without_saying_which_part(client, tenant,
                                                                   console_user) -> None:
    email = await console_user(tenant.slug)
    token = csrf_of((await client.get("/login")).text)
    bad = await client.post("/login", data={"csrf_token": token, "email": email,
                                            "password": "not the password"})
    unknown = await client.post("/login", data={"csrf_token": token, "email": "nobody@x.example",
                                                "password": PASSWORD})
    assert bad.status_code == unknown.status_code == 401
    assert "Email or password is not right" in bad.text


async def test_post_without_csrf_token_is_refused(client, tenant, console_user) -> None:
    email = await console_user(tenant.slug)
    await sign_in(client, email)
    response = await client.post(f"/dashboard/{tenant.slug}/settings/locations",
                                 data={"code": "x-1", "name": "X"})
    assert response.status_code == 403
    wrong = await client.post(f"/dashboard/{tenant.slug}/settings/locations",
                              data={"code": "x-1", "name": "X", "csrf_token": "forged"})
    assert wrong.status_code == 403
    login = await client.post("/login", data={"email": email, "password": PASSWORD})
    assert login.status_code == 403


async def test_analyst_reads_but_cannot_write(client, tenant, console_user) -> None:
    loc = await add_location(client, tenant, "blr-1")
    token = await sign_in(client, await console_user(tenant.slug, "analyst"))
    base = f"/dashboard/{tenant.slug}"
    for path in ("/analytics", "/contacts", "/settings/general", "/settings/locations"):
        assert (await client.get(base + path)).status_code == 200, path
    writes = [("/settings/general", {"name": "Renamed"}),
              ("/settings/locations", {"code": "new-1", "name": "New"}),
              (f"/settings/locations/{loc['id']}/terminals", {"terminal_id": "T9"})]
    for path, data in writes:
        response = await client.post(base + path, data={**data, "csrf_token": token})
        assert response.status_code == 403, path
        # A person's browser gets the console's HTML error page, in words, not the API's JSON.
        assert "text/html" in response.headers["content-type"]
        assert "read-only" in response.text and '"error"' not in response.text
    page = await client.get(base + "/settings/locations")
    assert "Create outlet" not in page.text


async def test_manager_edits_outlets_but_not_brand_identity(client, tenant, console_user) -> None:
    token = await sign_in(client, await console_user(tenant.slug, "manager"))
    base = f"/dashboard/{tenant.slug}"
    brand = await client.post(base + "/settings/general", data={"csrf_token": token, "name": "X"})
    assert brand.status_code == 403
    created = await client.post(base + "/settings/locations", data={
        "csrf_token": token, "code": "mgr-1", "name": "Manager outlet"})
    assert created.status_code == 303


async def test_other_workspace_pages_are_404(client, make_tenant, console_user) -> None:
    mine, theirs = await make_tenant(), await make_tenant()
    token = await sign_in(client, await console_user(mine.slug))
    for path in ("analytics", "contacts", "settings/general", "settings/locations"):
        assert (await client.get(f"/dashboard/{theirs.slug}/{path}")).status_code == 404
    post = await client.post(f"/dashboard/{theirs.slug}/settings/locations",
                             data={"csrf_token": token, "code": "evil", "name": "Evil"})
    assert post.status_code == 404


async def test_sign_out_ends_the_session(client, tenant, console_user) -> None:
    token = await sign_in(client, await console_user(tenant.slug))
    response = await client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 303
    assert (await client.get(f"/dashboard/{tenant.slug}/analytics")).status_code == 303


async def test_next_parameter_cannot_redirect_off_site(client, tenant, console_user) -> None:
    email = await console_user(tenant.slug)
    token = csrf_of((await client.get("/login?next=//evil.example/")).text)
    response = await client.post("/login", data={"csrf_token": token, "email": email,
                                                 "password": PASSWORD, "next": "//evil.example/"})
    assert response.headers["location"] == f"/dashboard/{tenant.slug}/analytics"
