"""ActivePOS in headless Chromium: a sale in progress survives reloads, online and offline.

The cart (with a line note, two weighed-item labels and a member) is rung up online; a reload
brings it back with the cashier locked until her PIN; a reload with the network cut (the page
served by the service worker, the PIN checked offline) brings it back again. The sale is paid
offline, its note is on the receipt, the completed sale leaves no cart behind, and once the
till reconnects the order carries the weighed lines and the note, which the bill shows. A
camera scan (``BarcodeDetector`` stubbed, since Chromium on Linux has none) adds a line; the
camera button is hidden where the API is missing.
"""

from __future__ import annotations

from typing import Any

import httpx2
from sqlalchemy import select

from activereach.orders.models import OrderLine

from tests.browser.netswitch import NetSwitch
from tests.browser.test_cashier import PHONE, _orders, _pair, _shop, _sign_in, _wait_unsynced
from tests.support import wait_until

LINES = "document.querySelectorAll('[data-testid=cart-line]').length"
# how many lines the stored till session holds (-1: none stored), read from its IndexedDB
STORED = """new Promise((ok) => { const r = indexedDB.open('activepos');
  r.onsuccess = () => {
    const g = r.result.transaction('session').objectStore('session').get('current');
    g.onsuccess = () => ok(g.result ? g.result.cart.lines.length : -1);
  };
})"""
# a stand-in for the Shape Detection API and a camera: every frame "shows" the latte M barcode
CAMERA_STUB = """
window.BarcodeDetector = class {
  static async getSupportedFormats() { return ["ean_13", "qr_code"]; }
  async detect() { return [{ rawValue: "8901000000019" }]; }
};
navigator.mediaDevices.getUserMedia = async () => {
  const canvas = Object.assign(document.createElement("canvas"), { width: 64, height: 48 });
  canvas.getContext("2d").fillRect(0, 0, 64, 48);
  return canvas.captureStream(5);
};
"""


def ean13(first12: str) -> str:
    """A valid EAN-13: the GS1 check digit appended (weights 1, 3, 1, 3, ... from the left)."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(first12))
    return first12 + str((10 - total % 10) % 10)


async def _weighed_shop(live_server, tenant) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """The cashier shop plus two weighed items: labels 20-24 carry a price, 25-29 a weight.
    Tomatoes are listed under their zero-value label, onions (₹30.00/kg) under their PLU."""
    shop = await _shop(live_server, tenant)
    async with httpx2.AsyncClient(base_url=live_server.url, headers=tenant.admin) as http:
        made = await http.post("/v1/catalog/products", json={
            "handle": "tomatoes", "title": "Tomatoes", "category": "Produce",
            "variants": [{"sku": "TOM", "barcode": ean13("201234500000"), "price": 4000}]})
        assert made.status_code == 201, made.text
        made = await http.post("/v1/catalog/products", json={
            "handle": "onions", "title": "Onions", "category": "Produce",
            "variants": [{"sku": "54321", "price": 3000}]})
        assert made.status_code == 201, made.text
        settings = await http.put("/v1/cashier/settings", json={
            "offline_redeem_cap": 120, "weighed_prefixes": "20-24,25-29=weight"})
        assert settings.status_code == 200, settings.text
    return shop


async def _scan(page, code: str) -> None:  # type: ignore[no-untyped-def]
    lines = await page.evaluate(LINES)
    await page.get_by_test_id("search").fill(code)
    await page.get_by_test_id("search").press("Enter")
    try:
        await wait_until(page, f"{LINES} === {lines + 1}", timeout=10)
    except TimeoutError:
        alerts = await page.get_by_role("alert").all_inner_texts()
        raise AssertionError(f"{code} added no line: {alerts}") from None


async def _ring_up(page) -> None:  # type: ignore[no-untyped-def]
    """A croissant with a note, a ₹87.50 price label, a 1.250 kg weight label, the member."""
    await _scan(page, "CRO")
    await page.get_by_test_id("line-note-add").click()
    await page.get_by_test_id("line-note").fill("warm it up")
    await page.get_by_test_id("line-note").press("Enter")  # onChange: the cart takes it
    await _scan(page, ean13("201234508750"))  # item 12345, price ₹87.50
    await _scan(page, ean13("255432101250"))  # item 54321, 1.250 kg at ₹30.00
    quantity = page.get_by_test_id("cart-line").get_by_label("quantity")
    assert [await quantity.nth(i).input_value() for i in (1, 2)] == ["1", "1.25"]
    await page.get_by_test_id("member-input").fill(PHONE)
    await page.get_by_test_id("member-find").click()
    await page.get_by_test_id("member-points").wait_for()
    # ₹141.60 (₹120 + 18%) + ₹87.50 + ₹37.50
    assert await page.get_by_test_id("total").inner_text() == "₹266.60"


async def _reload_and_unlock(page) -> None:  # type: ignore[no-untyped-def]
    """Reload: the sale screen comes back under the lock, with the cart; the PIN opens it."""
    await page.reload()
    await page.get_by_test_id("locked").wait_for()
    assert "Asha · locked" in await page.get_by_test_id("cashier").inner_text()
    await _sign_in(page)


async def _cart_is_back(page) -> None:  # type: ignore[no-untyped-def]
    await wait_until(page, f"{LINES} === 3")
    assert await page.get_by_test_id("line-note").input_value() == "warm it up"
    assert await page.get_by_test_id("total").inner_text() == "₹266.60"
    assert await page.get_by_test_id("member-points").count() == 1


async def test_a_sale_survives_reloads_online_and_offline(
        live_server, browser, artifacts, tenant, db) -> None:
    shop = await _weighed_shop(live_server, tenant)
    network = NetSwitch(live_server.port)
    await network.start()
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    page = await context.new_page()
    await _pair(page, network, shop["code"])
    await wait_until(page, "navigator.serviceWorker.controller !== null")
    await _storage_notice_only_if_refused(page)
    await _ring_up(page)
    await wait_until(page, f"{STORED}.then((n) => n === 3)")  # written on each change

    await _reload_and_unlock(page)  # online
    await _cart_is_back(page)
    await page.screenshot(path=str(artifacts / "cashier-restored.png"))

    await network.cut()
    await context.set_offline(True)
    await _reload_and_unlock(page)  # offline: the service worker's shell, the PIN checked offline
    await _cart_is_back(page)
    await page.get_by_test_id("pay").click()
    await page.get_by_test_id("pay-amount").fill("300")
    await page.get_by_test_id("pay-add").click()
    await page.get_by_test_id("complete").click()
    assert await page.get_by_test_id("receipt-note").inner_text() == "Note: warm it up"
    bill_url = await page.get_by_test_id("bill-url").inner_text()
    await page.get_by_test_id("next-sale").click()
    await page.reload()  # a completed sale leaves no cart behind
    await page.get_by_test_id("locked").wait_for()
    await _sign_in(page)
    assert await page.evaluate(LINES) == 0

    network.restore()
    await context.set_offline(False)
    await _wait_unsynced(page, 0)
    [order] = await _orders(db, tenant)
    lines = await _lines(db, tenant, order.id)
    assert lines[("CRO", "1")].note == "warm it up"
    assert lines[("TOM", "1")].unit_price == 8750 and lines[("TOM", "1")].note is None
    assert (lines[("54321", "1.25")].unit_price, lines[("54321", "1.25")].total) == (3000, 3750)
    assert order.total == 26660 and order.contact_id is not None
    host, path = bill_url.removeprefix("http://").split("/", 1)
    async with httpx2.AsyncClient(base_url=live_server.url) as http:
        bill = await http.get(f"/{path}", headers={"Host": host})
    assert bill.status_code == 200 and "Note: warm it up" in bill.text

    await _void_and_camera(page, context)
    await context.close()
    await network.close()


async def _lines(  # type: ignore[no-untyped-def]
        db, tenant, order_id: str) -> dict[tuple[str | None, str], OrderLine]:
    """The order's lines by (SKU, quantity)."""
    async with db.read_session() as session:
        rows = (await session.execute(select(OrderLine).where(
            OrderLine.workspace_id == tenant.id, OrderLine.order_id == order_id))).scalars()
        return {(line.sku, str(line.quantity.normalize())): line for line in rows}


async def _storage_notice_only_if_refused(page) -> None:  # type: ignore[no-untyped-def]
    """The explanation shows exactly when the browser refused persistent storage; hidden, it
    leaves a header pill, also after a reload."""
    refused = not await page.evaluate("navigator.storage.persisted()")
    notice = page.get_by_test_id("storage-refused")
    if not refused:
        assert await notice.count() == 0
        return
    await notice.wait_for()
    assert "sales that have not synced" in await notice.inner_text()
    await page.get_by_test_id("storage-hide").click()
    await page.get_by_test_id("storage-pill").wait_for()
    await page.reload()
    await _sign_in(page)
    await page.get_by_test_id("storage-pill").wait_for()
    assert await notice.count() == 0


async def _void_and_camera(page, context) -> None:  # type: ignore[no-untyped-def]
    """A voided sale is gone after a reload; the camera button only where the API is."""
    if not await page.evaluate("'BarcodeDetector' in window"):
        assert await page.get_by_test_id("camera-scan").count() == 0
    await _scan(page, "CRO")
    await page.get_by_test_id("void-sale").click()
    await page.get_by_test_id("void-yes").click()
    assert await page.evaluate(LINES) == 0
    await wait_until(page, f"{STORED}.then((n) => n === 0)")
    await context.add_init_script(CAMERA_STUB)
    await _reload_and_unlock(page)
    assert await page.evaluate(LINES) == 0
    await page.get_by_test_id("camera-scan").click()
    await wait_until(page, f"{LINES} === 1")
    assert "Latte" in await page.get_by_test_id("cart-line").inner_text()
