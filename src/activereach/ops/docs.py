"""API docs served from our own assets (built from npm at set-up), so /docs works offline.

Swagger UI starts from one inline script; it carries a per-request nonce, which the page's
Content-Security-Policy names (``kit/security_headers.py``), so no ``'unsafe-inline'`` script.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from activereach.kit.security_headers import page_headers

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
router = APIRouter(include_in_schema=False)


@router.get("/docs")
async def swagger_ui() -> HTMLResponse:
    page = get_swagger_ui_html(
        openapi_url="/openapi.json", title="Active Reach POS integration — API",
        swagger_js_url="/static/build/swagger/swagger-ui-bundle.js",
        swagger_css_url="/static/build/swagger/swagger-ui.css",
        swagger_favicon_url="/static/build/swagger/favicon-32x32.png",
    )
    nonce = secrets.token_urlsafe(16)
    html = bytes(page.body).decode().replace("<script>", f'<script nonce="{nonce}">')
    return HTMLResponse(html, headers=page_headers(nonce=nonce))


def mount_static(app: FastAPI) -> None:
    STATIC_DIR.mkdir(exist_ok=True)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
