"""Console → Orders: the list (filters, chip strip, pages, errors in people's words) and one
order's page (lines, payments, bill, receipt messages, points, refunds), money and times
formatted, no raw JSON, other workspaces' orders not found."""

from __future__ import annotations

import re

from activereach.console.pages import orders as orders_page
from tests.conftest import add_location, order_body
from tests.console.conftest import sign_in, whatsapp_sale
from tests.loyalty.conftest import setup_program


def url(tenant, rest: str = "") -> str:  # type: ignore[no-untyped-def]
    return f"/dashboard/{tenant.slug}/orders{rest}"


def assert_clean(html: str) -> None:
    """Money formatted, no raw JSON, no UTC-only times."""
    assert "INR" not in html and "&#34;:" not in html and '{"' not in html
    assert "UTC" not in html


async def test_list_and_order_page(client, tenant, console_user, drain) -> None:
    await setup_program(client, tenant)
    outlet, order = await whatsapp_sale(client, tenant, drain)
    refund = await client.post(f"/v1/orders/{order['order_id']}/refunds", headers=tenant.admin,
                               json={"refund_id": "R-77", "lines": [{"line_no": 1,
                                                                     "quantity": "1"}],
                                     "reason": "cold coffee"})
    assert refund.status_code == 201, refund.text
    await drain(tenant.id)
    await sign_in(client, await console_user(tenant.slug, "analyst"))   # read-only is enough

    listing = await client.get(url(tenant))
    assert listing.status_code == 200, listing.text
    html = listing.text
    assert 'id="nav-orders"' in html and f'data-order="{order["order_id"]}"' in html
    assert "₹498.00" in html and outlet["name"] in html and "Asha" in html
    assert order["bill"]["invoice_number"] in html and "partly refunded" in html
    assert "IST" in html
    assert_clean(html)

    page = await client.get(url(tenant, f"/{order['order_id']}"))
    assert page.status_code == 200, page.text
    html = page.text
    assert "Latte (M)" in html and "₹249.00" in html and "₹498.00" in html
    assert "UPI" in html and "UPI-88123" in html
    assert order["bill"]["url"] in html and order["bill"]["invoice_number"] in html
    message = re.search(r'/messages/(msg_[A-Za-z0-9]+)', html)
    assert message, "no link to the receipt message"
    assert "Earned" in html and "Taken back (refund)" in html
    assert "R-77" in html and "1 × Latte (M)" in html and "cold coffee" in html
    assert "1 refunded" in html and f"/contacts/{order['contact_id']}" in html
    assert_clean(html)


async def test_filters_chip_strip_and_errors(client, tenant, console_user) -> None:
    blr = await add_location(client, tenant, "blr-1")
    mum = await add_location(client, tenant, "mum-1")
    a = (await client.post("/v1/orders", headers=tenant.admin,
                           json=order_body(location=blr["id"], terminal="T9"))).json()
    b = (await client.post("/v1/orders", headers=tenant.admin,
                           json=order_body(location=mum["id"]))).json()
    await sign_in(client, await console_user(tenant.slug))

    html = (await client.get(url(tenant), params={"location": blr["id"]})).text
    assert a["order_id"] in html and b["order_id"] not in html
    html = (await client.get(url(tenant), params={"terminal": "T9"})).text
    assert a["order_id"] in html and b["order_id"] not in html
    html = (await client.get(url(tenant), params={"status": "refunded"})).text
    assert "No orders match these filters" in html
    html = (await client.get(url(tenant), params={"contact": b["contact_id"]})).text
    assert "show everyone" in html

    bad = await client.get(url(tenant), params={"from": "yesterday", "status": "??"})
    assert bad.status_code == 422
    assert "Enter a date like 2026-11-25" in bad.text and "One of completed" in bad.text
    assert "String should" not in bad.text
    back = await client.get(url(tenant), params={"from": "2026-02-10", "to": "2026-02-01"})
    assert back.status_code == 422 and "Pick a To date on or after From" in back.text
    expired = await client.get(url(tenant), params={"cursor": "junk"})
    assert expired.status_code == 422 and "start again from the newest" in expired.text


async def test_pages_newest_first(client, tenant, console_user, monkeypatch) -> None:
    monkeypatch.setattr(orders_page, "PAGE_SIZE", 2)
    made = [(await client.post("/v1/orders", headers=tenant.admin, json=order_body())).json()
            for _ in range(3)]
    await sign_in(client, await console_user(tenant.slug))
    first = (await client.get(url(tenant))).text
    older = re.search(r'href="([^"]+)" id="orders-older"', first)
    assert older and first.count("data-order=") == 2
    second = (await client.get(older.group(1).replace("&amp;", "&"))).text
    shown = re.findall(r'data-order="([^"]+)"', first) + re.findall(r'data-order="([^"]+)"',
                                                                     second)
    assert sorted(shown) == sorted(o["order_id"] for o in made)
    assert "« Newest" in second and 'id="orders-older"' not in second


async def test_other_workspaces_orders_are_not_found(client, make_tenant, console_user) -> None:
    mine, theirs = await make_tenant(), await make_tenant()
    other = (await client.post("/v1/orders", headers=theirs.admin, json=order_body())).json()
    await sign_in(client, await console_user(mine.slug))
    missing = await client.get(url(mine, f"/{other['order_id']}"))
    assert missing.status_code == 404 and "text/html" in missing.headers["content-type"]
    assert other["order_id"] not in (await client.get(url(mine))).text
