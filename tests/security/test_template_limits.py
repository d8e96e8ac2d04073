"""Issue 18, finding 3: a tenant's email template cannot stall the server or fill its memory.

The pure tests drive the limited sandbox directly; the API tests send the attack the review
used, ``{% for i in range(100000000) %}`` through ``POST /v1/messaging/preview``, and see a fast
422 naming the template part instead of a 500 after a long render.
"""

from __future__ import annotations

import sys
import time

import pytest
from jinja2 import TemplateError

from activereach.messaging import sandbox, templates
from activereach.messaging.sandbox import LimitedEnvironment, Limits, RenderLimit
from tests.messaging.conftest import configure, providers, provider_server, sale  # noqa: F401

ENV = LimitedEnvironment(autoescape=False)
SMALL = Limits(seconds=0.3, max_bytes=4096)

ATTACKS = {
    "huge range": "{% for i in range(100000000) %}x{% endfor %}",
    "silent nested loops": "{% for i in range(10000) %}{% for j in range(10000) %}"
                           "{% endfor %}{% endfor %}",
    "output flood": "{% for i in range(10000) %}{% for j in range(10000) %}xxxx"
                    "{% endfor %}{% endfor %}",
    "string multiply": "{{ 'x' * 1000000000 }}",
    "power": "{{ 9 ** 999999999 }}",
    "percent width": "{{ '%0999999999d' % 1 }}",
    "format width": "{{ '{:>999999999}'.format(1) }}",
    "method width": "{{ 'x'.ljust(999999999) }}",
    "filter width": "{{ 'x'|center(999999999) }}",
    "doubling sets": "{% set a = 'x' * 4000 %}{% set b = a ~ a %}{% set c = b ~ b %}{{ c }}",
    "replace blow-up": "{% set a = 'x' * 4000 %}{{ a|replace('x', a) }}",
    "captured block": "{% set b %}{% for i in range(9999) %}xxxx{% endfor %}{% endset %}",
    "macro": "{% macro m() %}x{% endmacro %}{{ m() }}",
}


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_every_attack_is_refused_quickly(name: str) -> None:
    started = time.monotonic()
    with pytest.raises(RenderLimit):
        sandbox.render(ENV, ATTACKS[name], {}, SMALL)
    assert time.monotonic() - started < SMALL.seconds + 0.5


def test_ordinary_templates_render_and_the_tracer_is_restored() -> None:
    before = sys.gettrace()
    out = sandbox.render(ENV, "Hi {{ name|upper }} {{ '%05d'|format(42) }} {{ 'a-%s' % name }}"
                         "{% for i in range(3) %}{{ loop.index }}{% endfor %}"
                         "{% set s = name ~ '!' %}{{ s }}", {"name": "asha"}, SMALL)
    assert out == "Hi ASHA 00042 a-asha123asha!"
    assert sys.gettrace() is before


def test_the_limit_is_a_template_error() -> None:
    # The messaging service maps TemplateError to TemplateProblem (422); a bare OverflowError
    # was the 500.
    assert issubclass(RenderLimit, TemplateError)


def test_the_default_email_template_renders_within_the_limits() -> None:
    snapshot = {"totals": {"total": 49800}, "brand": {"name": "Brew & Bloom"}, "code": "Xy12",
                "url": "http://b.test/b/Xy12", "invoice_number": "BLR/2627/1",
                "lines": [{"qty": "2", "name": "Latte", "variant": None, "total": 49800}] * 50}
    _, _, out = templates.render("email", templates.effective("email", None), snapshot, "Asha")
    assert "Brew &amp; Bloom" in out["html"] and out["subject"].endswith("Brew & Bloom")


async def _preview(client, tenant, order_id: str, html: str):  # type: ignore[no-untyped-def]
    return await client.post("/v1/messaging/preview", headers=tenant.admin, json={
        "order_id": order_id, "channel": "email",
        "template": {"subject": "Bill", "text": "Hi", "html": html}})


@pytest.mark.parametrize("name", ["huge range", "silent nested loops", "output flood",
                                  "string multiply"])
async def test_preview_of_an_attack_is_a_fast_422(client, tenant, providers, name) -> None:  # noqa: F811
    await configure(client, tenant, providers)
    order = await sale(client, tenant)
    started = time.monotonic()
    response = await _preview(client, tenant, order["order_id"], ATTACKS[name])
    elapsed = time.monotonic() - started
    assert response.status_code == 422, response.text
    assert response.json()["error"]["details"][0]["field"] == "html"
    # The default limit is 1 s of rendering; well under the review's 100 s.
    assert elapsed < 5, elapsed


async def test_saving_a_captured_block_template_is_refused(client, tenant, providers) -> None:  # noqa: F811
    await configure(client, tenant, providers)
    response = await client.put("/v1/messaging/templates/email", headers=tenant.admin, json={
        "subject": "Bill", "text": "Hi", "html": ATTACKS["captured block"]})
    assert response.status_code == 422, response.text
    assert response.json()["error"]["details"][0]["field"] == "html"
    fine = await client.put("/v1/messaging/templates/email", headers=tenant.admin, json={
        "subject": "Bill {{ invoice_number }}", "text": "Hi {{ customer_name }}",
        "html": "<p>{% for line in bill.lines %}{{ line.name }}{% endfor %}</p>"})
    assert fine.status_code == 200, fine.text
