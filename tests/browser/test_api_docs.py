"""The API docs page renders offline, from assets built at set-up (no CDN)."""


async def test_swagger_ui_lists_the_order_routes(live_server, browser, artifacts) -> None:
    page = await browser.new_page(viewport={"width": 1280, "height": 900})
    failed: list[str] = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    await page.goto(f"{live_server.url}/docs")
    await page.wait_for_selector(".opblock-summary-path", timeout=15_000)
    assert await page.locator(".opblock-summary-path").count() > 10
    assert failed == []
    await page.screenshot(path=str(artifacts / "api-docs.png"))
    await page.close()
