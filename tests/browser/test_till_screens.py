"""Every till screen on a 1280×800 till and a 390×844 phone: a screenshot each (in
test-artifacts/) and a text check that no internal id or UUID is shown to a person (issue 20)."""

from __future__ import annotations

import re

import pytest

from tests.browser.test_cashier import PHONE, _shop
from tests.support import wait_until

# prefixed ids (ord_…, ct_…, lh_…) and UUIDs: never for people's eyes
INTERNAL = re.compile(r"\b(?:ord|ct|lh|la|msg|trm|loc|ws|ev|bill|rw|ps)_[0-9a-z]{6,}|"
                      r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")
SIZES = {"till": (1280, 800), "phone": (390, 844)}


async def _shot(page, artifacts, size: str, name: str, seen: list[str]) -> None:  # type: ignore[no-untyped-def]
    await page.screenshot(path=str(artifacts / f"till-{size}-{name}.png"), full_page=True)
    wide = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert wide <= 1, f"{size} {name} is {wide}px wider than the screen"
    text = await page.evaluate("document.body.innerText")
    found = INTERNAL.findall(text)
    assert not found, f"{size} {name} shows internal ids: {found}"
    seen.append(name)


@pytest.mark.parametrize("size", sorted(SIZES))
async def test_every_till_screen_shows_peoples_words(live_server, browser, artifacts, tenant,
                                                      size: str) -> None:
    shop = await _shop(live_server, tenant)
    width, height = SIZES[size]
    context = await browser.new_context(viewport={"width": width, "height": height})
    page = await context.new_page()
    seen: list[str] = []
    try:
        await page.goto(f"{live_server.url}/cashier/")
        await page.get_by_test_id("pairing-code").wait_for()
        await _shot(page, artifacts, size, "pairing", seen)
        await page.get_by_test_id("pairing-code").fill(shop["code"])
        await page.get_by_test_id("pair").click()
        await page.get_by_test_id("signin").wait_for()
        await _shot(page, artifacts, size, "sign-in", seen)
        await page.get_by_test_id("signin").get_by_role("button", name="Asha").click()
        await page.get_by_test_id("pin").fill("2468")
        await page.get_by_test_id("signin-submit").click()
        await page.get_by_test_id("search").wait_for()
        await wait_until(page, "document.querySelectorAll('[data-testid=item]').length > 0", timeout=30)
        await _shot(page, artifacts, size, "sale", seen)
        await page.get_by_test_id("search").fill("CRO")
        await page.get_by_test_id("search").press("Enter")
        await page.get_by_test_id("cart-line").first.wait_for()
        await page.get_by_test_id("member-input").fill(PHONE)
        await page.get_by_test_id("member-find").click()
        await page.get_by_test_id("member-points").wait_for()
        await _shot(page, artifacts, size, "cart-with-member", seen)
        await page.get_by_test_id("pay").click()
        await page.get_by_test_id("pay-add").wait_for()
        await _shot(page, artifacts, size, "payment", seen)
        await page.get_by_test_id("pay-add").click()
        await page.get_by_test_id("complete").click()
        await page.get_by_test_id("receipt").wait_for()
        await wait_until(page, "document.querySelector('[data-testid=sync-state]')"
                               "?.textContent === 'Synced'", timeout=30)
        await _shot(page, artifacts, size, "receipt", seen)
        await page.get_by_test_id("next-sale").click()
        await page.get_by_test_id("open-sync").click()
        await page.get_by_test_id("sync-view").wait_for()
        await _shot(page, artifacts, size, "sync", seen)
        await page.reload()
        await page.get_by_test_id("locked").wait_for(timeout=30_000)
        await _shot(page, artifacts, size, "locked", seen)
    finally:
        await context.close()
    assert seen == ["pairing", "sign-in", "sale", "cart-with-member", "payment", "receipt",
                    "sync", "locked"]
