"""Console Settings → Receipt templates (owner edits, preview from the latest bill, validation
naming the field) and a contact's receipt consent (opt-in/out by owner or manager), with roles,
isolation and CSRF."""

from __future__ import annotations

from tests.console.conftest import sign_in, whatsapp_sale


async def _sale(client, tenant, drain) -> dict:  # type: ignore[no-untyped-def]
    return (await whatsapp_sale(client, tenant, drain))[1]


async def test_owner_edits_a_template_and_sees_it_rendered(client, tenant, console_user,
                                                           drain) -> None:
    await _sale(client, tenant, drain)
    token = await sign_in(client, await console_user(tenant.slug, "owner"))
    url = f"/dashboard/{tenant.slug}/settings/receipt-templates"
    page = await client.get(url)
    assert page.status_code == 200 and page.text.count(">default<") == 3
    assert 'value="active_bill_receipt"' in page.text and 'data-testid="preview-email"' in page.text
    saved = await client.post(f"{url}/email", data={
        "csrf_token": token, "subject": "Bill {{ invoice_number }} · thanks from {{ brand }}",
        "text": "Total {{ amount }}: {{ url }}", "html": "<p>Total {{ amount }}</p>"})
    assert saved.status_code == 303, saved.text
    api = (await client.get("/v1/messaging/templates", headers=tenant.admin)).json()
    assert api["email"]["default"] is False
    assert api["email"]["content"]["text"] == "Total {{ amount }}: {{ url }}"
    shown = await client.get(url)
    assert ">customised<" in shown.text and "thanks from" in shown.text
    wa = await client.post(f"{url}/whatsapp", data={
        "csrf_token": token, "template_name": "bill_v2", "language": "en_US",
        "body_params": "customer_name\namount\n\n", "button_index": "0"})
    assert wa.status_code == 303, wa.text
    api = (await client.get("/v1/messaging/templates", headers=tenant.admin)).json()
    assert api["whatsapp"]["content"]["body_params"] == ["customer_name", "amount"]


async def test_template_validation_names_the_field_and_keeps_the_input(client, tenant,
                                                                       console_user) -> None:
    token = await sign_in(client, await console_user(tenant.slug, "owner"))
    url = f"/dashboard/{tenant.slug}/settings/receipt-templates"
    bad = await client.post(f"{url}/whatsapp", data={
        "csrf_token": token, "template_name": "Not Allowed", "language": "en"})
    assert bad.status_code == 422
    assert "Approved template name: Use lower-case letters, digits and _ only" in bad.text
    assert 'value="Not Allowed"' in bad.text
    broken = await client.post(f"{url}/email", data={
        "csrf_token": token, "subject": "Hi {{ amount", "text": "x", "html": "<p>x</p>"})
    assert broken.status_code == 422 and "Subject: does not compile" in broken.text
    unknown = await client.post(f"{url}/sms", data={
        "csrf_token": token, "variables": "brand\nshoe_size"})
    assert unknown.status_code == 422
    assert "Variables, one per line: unknown variable &#39;shoe_size&#39;" in unknown.text
    page = await client.get(url)
    assert "Make a sale to see this template" in page.text   # no order yet: no preview
    missing = await client.post(f"{url}/fax", data={"csrf_token": token})
    assert missing.status_code == 404
    api = (await client.get("/v1/messaging/templates", headers=tenant.admin)).json()
    assert all(t["default"] for t in api.values())


async def test_templates_are_owner_only_and_csrf_and_brand_bound(client, make_tenant,
                                                                  console_user) -> None:
    tenant, other = await make_tenant(), await make_tenant()
    url = f"/dashboard/{tenant.slug}/settings/receipt-templates"
    token = await sign_in(client, await console_user(tenant.slug, "manager"))
    page = await client.get(url)
    assert page.status_code == 200 and "Only the owner can change the brand" in page.text
    assert "Save Email template" not in page.text
    body = {"csrf_token": token, "subject": "s", "text": "t", "html": "<p>h</p>"}
    assert (await client.post(f"{url}/email", data=body)).status_code == 403
    assert (await client.get(f"/dashboard/{other.slug}/settings/receipt-templates")
            ).status_code == 404
    await sign_in(client, await console_user(tenant.slug, "owner"))
    no_csrf = await client.post(f"{url}/email", data={k: v for k, v in body.items()
                                                      if k != "csrf_token"})
    assert no_csrf.status_code == 403


async def test_manager_records_an_opt_out_and_back_in(client, tenant, console_user,
                                                      drain) -> None:
    order = await _sale(client, tenant, drain)
    contact = order["contact_id"]
    token = await sign_in(client, await console_user(tenant.slug, "manager"))
    url = f"/dashboard/{tenant.slug}/contacts/{contact}"
    page = await client.get(url)
    assert page.status_code == 200 and page.text.count(">unknown<") == 3
    out = await client.post(f"{url}/consent/whatsapp",
                            data={"csrf_token": token, "status": "opted_out"})
    assert out.status_code == 303
    api = (await client.get(f"/v1/messaging/consent/{contact}", headers=tenant.admin)).json()
    whatsapp = api["channels"]["whatsapp"]
    assert whatsapp["status"] == "opted_out" and whatsapp["source"] == "console"
    assert "set in the console by manager-" in whatsapp["evidence"]
    shown = await client.get(url)
    assert ">opted out<" in shown.text and 'value="opted_in"' in shown.text
    back = await client.post(f"{url}/consent/whatsapp",
                             data={"csrf_token": token, "status": "opted_in"})
    assert back.status_code == 303
    api = (await client.get(f"/v1/messaging/consent/{contact}", headers=tenant.admin)).json()
    assert api["channels"]["whatsapp"]["status"] == "opted_in"
    bad = await client.post(f"{url}/consent/whatsapp", data={"csrf_token": token, "status": "x"})
    assert bad.status_code == 422 and "status" in bad.text


async def test_consent_refused_for_analyst_csrf_and_other_brand(client, make_tenant,
                                                               console_user, drain) -> None:
    tenant, other = await make_tenant(), await make_tenant()
    contact = (await _sale(client, tenant, drain))["contact_id"]
    token = await sign_in(client, await console_user(tenant.slug, "analyst"))
    url = f"/dashboard/{tenant.slug}/contacts/{contact}"
    page = await client.get(url)
    assert page.status_code == 200 and "Opt out</button>" not in page.text
    denied = await client.post(f"{url}/consent/sms", data={"csrf_token": token,
                                                           "status": "opted_out"})
    assert denied.status_code == 403
    other_token = await sign_in(client, await console_user(other.slug, "owner"))
    foreign = await client.post(f"/dashboard/{other.slug}/contacts/{contact}/consent/sms",
                                data={"csrf_token": other_token, "status": "opted_out"})
    assert foreign.status_code == 404
    no_csrf = await client.post(f"/dashboard/{other.slug}/contacts/{contact}/consent/sms",
                                data={"status": "opted_out"})
    assert no_csrf.status_code == 403
    api = (await client.get(f"/v1/messaging/consent/{contact}", headers=tenant.admin)).json()
    assert all(c["status"] == "unknown" for c in api["channels"].values())
