"""The browser harness itself: a real server process answers a real Chromium."""


async def test_chromium_reaches_the_live_server(live_server, browser, artifacts) -> None:
    page = await browser.new_page(viewport={"width": 390, "height": 844})
    response = await page.goto(f"{live_server.url}/healthz")
    assert response is not None and response.status == 200
    assert '"status":"ok"' in (await page.content()).replace(" ", "")
    await page.screenshot(path=str(artifacts / "smoke-healthz.png"))
    await page.close()
