"""Serving the built cashier app: the shell is never cached, hashed assets are, the worker is versioned."""

from __future__ import annotations

import re

from activereach.cashier import pages


async def test_shell_is_served_without_caching(client) -> None:  # type: ignore[no-untyped-def]
    redirect = await client.get("/cashier")
    assert redirect.status_code == 308 and redirect.headers["location"] == "/cashier/"
    shell = await client.get("/cashier/")
    assert shell.status_code == 200
    assert shell.headers["cache-control"] == "no-cache"
    assert '<div id="app">' in shell.text
    assert '/cashier/manifest.webmanifest' in shell.text


async def test_assets_are_immutable_and_listed_in_the_worker(client) -> None:  # type: ignore[no-untyped-def]
    shell = (await client.get("/cashier/")).text
    script = re.search(r'src="(/cashier/assets/[^"]+\.js)"', shell)
    assert script is not None
    asset = await client.get(script.group(1))
    assert asset.status_code == 200
    assert "immutable" in asset.headers["cache-control"]
    assert asset.headers["content-type"].startswith("text/javascript")
    worker = await client.get("/cashier/sw.js")
    assert worker.status_code == 200 and worker.headers["cache-control"] == "no-cache"
    assert worker.text.startswith("const PRECACHE = [")
    assert script.group(1) in worker.text and '"/cashier/"' in worker.text
    assert worker.headers["x-cashier-build"] in worker.text


async def test_manifest_and_unknown_files(client) -> None:  # type: ignore[no-untyped-def]
    manifest = await client.get("/cashier/manifest.webmanifest")
    assert manifest.status_code == 200
    assert manifest.json()["scope"] == "/cashier/"
    assert (await client.get("/cashier/secrets.txt")).status_code == 404
    assert (await client.get("/cashier/assets/nope.js")).status_code == 404
    assert (await client.get("/cashier/assets/..%2F..%2Fpages.py")).status_code == 404


async def test_missing_build_says_how_to_build(client, monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(pages, "BUILD", tmp_path)
    response = await client.get("/cashier/")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "cashier_not_built"
    assert "make install" in response.json()["error"]["message"]
