"""The bill page: host routing, same 404 for a wrong brand, headers, rating, print, rate limit."""

from __future__ import annotations

import re

import httpx2
from limits import parse
from sqlalchemy import select

from activereach.bills import pages
from activereach.bills.models import BillRating
from tests.bills.conftest import bill_host, get_page, post_rating
from tests.conftest import add_location, order_body


async def _order(client, tenant, **overrides: object) -> dict:  # type: ignore[no-untyped-def]
    response = await client.post("/v1/orders", headers=tenant.admin, json=order_body(**overrides))
    assert response.status_code == 201, response.text
    return response.json()


def _normalise(html: str) -> str:
    return re.sub(r'nonce="[A-Za-z0-9_-]+"', 'nonce=""', html)


class TestPage:
    async def test_page_shows_the_bill_with_strict_headers(self, client, tenant) -> None:
        await add_location(client, tenant, "blr-1", address="12 CMH Road, Bengaluru",
                           phone="+91 80 1234 5678")
        order = await _order(client, tenant, location="blr-1")
        page = await get_page(client, tenant.slug, order["bill"]["code"])
        assert page.status_code == 200
        html = page.text
        for text in ("Outlet blr-1", "12 CMH Road", "GSTIN 29AABCB1234C1ZA", "Latte (M)",
                     "HSN 2101", "CGST", "SGST", "₹498.00", "UPI-88123", order["bill"]["invoice_number"],
                     "<svg"):
            assert text in html, text
        assert "98765 43210" not in html and "9876543210" not in html
        assert "asha@example.com" not in html
        csp = page.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "script-src" not in csp and "unsafe-inline" not in csp
        nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
        assert f'<style nonce="{nonce}">' in html
        assert page.headers["referrer-policy"] == "no-referrer"
        assert page.headers["x-robots-tag"].startswith("noindex")
        assert page.headers["cache-control"] == "no-store"
        assert len(page.content) <= 30 * 1024

    async def test_wrong_brand_unknown_code_and_wrong_host_are_the_same_404(
            self, client, tenant, make_tenant) -> None:
        other = await make_tenant()
        code = (await _order(client, tenant))["bill"]["code"]
        wrong_brand = await get_page(client, other.slug, code)
        unknown = await get_page(client, tenant.slug, "ZZZZZZZZZZ")
        malformed = await get_page(client, tenant.slug, "nope")
        bare_host = await client.get(f"/b/{code}")
        for response in (wrong_brand, unknown, malformed, bare_host):
            assert response.status_code == 404
            assert _normalise(response.text) == _normalise(unknown.text)
            assert response.headers["x-robots-tag"].startswith("noindex")
        assert code not in wrong_brand.text

    async def test_print_layouts(self, client, tenant) -> None:
        code = (await _order(client, tenant))["bill"]["code"]
        for width in (58, 80):
            page = await get_page(client, tenant.slug, code, "/print", params={"width": width})
            assert page.status_code == 200
            assert f"size:{width}mm" in page.text and "<svg" in page.text
        bad = await get_page(client, tenant.slug, code, "/print", params={"width": 100})
        assert bad.status_code == 404

    async def test_config_drives_footer_and_affordances(self, client, tenant) -> None:
        await add_location(client, tenant, "cfg-1")
        await client.put("/v1/bill-config", headers=tenant.admin, json={
            "brand_name": "Chai Co", "footer_text": "Thank you!", "terms_url": "https://x.in/t",
            "refund_policy": "Refunds within 7 days.", "review_url": "https://g.page/chai",
            "social_links": {"instagram": "https://instagram.com/chai"}})
        await client.put("/v1/bill-config/outlets/cfg-1", headers=tenant.admin,
                         json={"footer_text": "See you at CMH Road", "show_review": False})
        code = (await _order(client, tenant, location="cfg-1"))["bill"]["code"]
        html = (await get_page(client, tenant.slug, code)).text
        assert "Chai Co" in html and "See you at CMH Road" in html and "Thank you!" not in html
        assert "Refunds within 7 days." in html and "https://x.in/t" in html
        assert "Instagram" in html and "g.page/chai" not in html


class TestRating:
    async def test_rating_is_one_row_per_order_and_updates(self, client, tenant, db) -> None:
        order = await _order(client, tenant)
        code = order["bill"]["code"]
        first = await post_rating(client, tenant.slug, code, 4)
        assert first.status_code == 303 and first.headers["location"] == f"/b/{code}?rated=1#feedback"
        again = await post_rating(client, tenant.slug, code, 4)
        assert again.status_code == 303
        form = await get_page(client, tenant.slug, code, params={"rated": "1"})
        assert "Thanks for rating us 4/5" in form.text and 'name="comment"' in form.text
        await post_rating(client, tenant.slug, code, 2, comment="Latte was cold")
        async with db.read_session() as session:
            rows = list((await session.execute(select(BillRating).where(
                BillRating.workspace_id == tenant.id))).scalars())
        assert len(rows) == 1
        assert (rows[0].rating, rows[0].comment, rows[0].order_id) == (
            2, "Latte was cold", order["order_id"])
        assert rows[0].contact_id == order["contact_id"]
        bill = (await client.get(f"/v1/bills/{code}", headers=tenant.admin)).json()
        assert bill["rating"] == 2 and bill["comment"] == "Latte was cold"

    async def test_rating_needs_the_bill_page_as_origin(self, client, tenant) -> None:
        code = (await _order(client, tenant))["bill"]["code"]
        host = bill_host(tenant.slug)
        for headers in ({"Host": host}, {"Host": host, "Origin": "http://evil.example"},
                        {"Host": host, "Referer": "http://evil.example/b/x"}):
            response = await client.post(f"/b/{code}/rating", data={"rating": "5"}, headers=headers)
            assert response.status_code == 403
        cross = await client.post(f"/b/{code}/rating", data={"rating": "5"}, headers={
            "Host": host, "Origin": "null", "Sec-Fetch-Site": "cross-site"})
        assert cross.status_code == 403
        ok = await client.post(f"/b/{code}/rating", data={"rating": "5"},
                               headers={"Host": host, "Referer": f"http://{host}/b/{code}"})
        assert ok.status_code == 303
        # What a browser sends under Referrer-Policy: no-referrer.
        browser = await client.post(f"/b/{code}/rating", data={"rating": "4"}, headers={
            "Host": host, "Origin": "null", "Sec-Fetch-Site": "same-origin"})
        assert browser.status_code == 303

    async def test_rating_out_of_range_is_refused(self, client, tenant) -> None:
        code = (await _order(client, tenant))["bill"]["code"]
        response = await post_rating(client, tenant.slug, code, 6)
        assert response.status_code == 422
        assert response.json()["error"]["details"][0]["field"] == "rating"

    async def test_rating_another_brands_bill_is_404(self, client, tenant, make_tenant) -> None:
        other = await make_tenant()
        code = (await _order(client, tenant))["bill"]["code"]
        response = await post_rating(client, other.slug, code, 5)
        assert response.status_code == 404


async def test_lookups_are_rate_limited_per_client(app, tenant, client, monkeypatch) -> None:
    code = (await _order(client, tenant))["bill"]["code"]
    monkeypatch.setattr(pages, "LOOKUP_LIMIT", parse("3/minute"))
    transport = httpx2.ASGITransport(app=app, client=("203.0.113.7", 40000))
    async with httpx2.AsyncClient(transport=transport, base_url="http://testserver") as limited:
        statuses = [(await get_page(limited, tenant.slug, code)).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        blocked = await get_page(limited, tenant.slug, code)
        assert int(blocked.headers["retry-after"]) >= 1
    # Another address is not affected.
    assert (await get_page(client, tenant.slug, code)).status_code == 200


async def test_admin_bill_json_is_scoped_to_the_workspace(client, tenant, make_tenant) -> None:
    other = await make_tenant()
    order = await _order(client, tenant)
    code = order["bill"]["code"]
    mine = await client.get(f"/v1/bills/{code}", headers=tenant.admin)
    assert mine.status_code == 200 and mine.json()["order_id"] == order["order_id"]
    assert mine.json()["snapshot"]["invoice_number"] == order["bill"]["invoice_number"]
    theirs = await client.get(f"/v1/bills/{code}", headers=other.admin)
    assert theirs.status_code == 404
