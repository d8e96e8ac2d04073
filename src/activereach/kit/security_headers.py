"""Security headers for every HTML page: one list, one helper, one middleware (issue 18, #8).

``page_headers`` builds the headers; the bill page calls it with its own stricter policy
(nothing but nonce'd styles, framable by itself), ``/docs`` with a nonce for Swagger's one
inline script, and ``SecurityHeaders`` adds the default set to any other ``text/html`` reply
(console, cashier shell, error pages) without touching headers a route set itself.

The default policy, and why:

- scripts only from this origin (``script-src 'self'``): no page uses inline script or eval;
  the one inline script, Swagger UI's, carries a per-request nonce;
- ``style-src 'self' 'unsafe-inline'``: console templates use ``style=""`` attributes and one
  ``<style>`` block, and the bill preview shown in a ``srcdoc`` frame inherits this policy. Inline
  style cannot run script; we accept it rather than rewrite every template;
- images also from ``https:`` and ``data:`` (brand logos on bill previews, QR codes, Swagger's
  icons); fetches, forms and frames only to this origin; no plugins, no ``<base>``;
- never framed (``frame-ancestors 'none'`` plus ``X-Frame-Options: DENY`` for old browsers):
  clickjacking a console "delete" or a till's "pay" is then impossible;
- ``Referrer-Policy: same-origin``: console URLs carry contact and order ids, which must not
  leak to other sites.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

DEFAULT_STYLES = "'self' 'unsafe-inline'"


def content_security_policy(*, nonce: str | None = None, default: str = "'self'",
                            scripts: str | None = None, styles: str = DEFAULT_STYLES,
                            frame_ancestors: str = "'none'") -> str:
    """The policy; ``scripts`` defaults to this origin plus ``nonce`` when one is given, and
    ``scripts=""`` leaves the directive out (``default-src`` then decides)."""
    if scripts is None:
        scripts = "'self'" + (f" 'nonce-{nonce}'" if nonce else "")
    directives = (("default-src", default), ("script-src", scripts), ("style-src", styles),
                  ("img-src", "'self' https: data:"), ("object-src", "'none'"),
                  ("base-uri", "'none'"), ("form-action", "'self'"),
                  ("frame-ancestors", frame_ancestors))
    return "; ".join(f"{name} {value}" for name, value in directives if value)


def page_headers(*, nonce: str | None = None, default: str = "'self'",
                 scripts: str | None = None, styles: str = DEFAULT_STYLES,
                 frame_ancestors: str = "'none'", referrer: str = "same-origin") -> dict[str, str]:
    """The security headers of an HTML page (the only place their names and values live)."""
    return {
        "Content-Security-Policy": content_security_policy(
            nonce=nonce, default=default, scripts=scripts, styles=styles,
            frame_ancestors=frame_ancestors),
        "X-Frame-Options": "SAMEORIGIN" if frame_ancestors == "'self'" else "DENY",
        "Referrer-Policy": referrer,
        "X-Content-Type-Options": "nosniff",
    }


_DEFAULT = [(name.lower().encode(), value.encode()) for name, value in page_headers().items()]


class SecurityHeaders:
    """Adds the default ``page_headers`` to every ``text/html`` response that lacks them."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def add_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                content_type = next((v for n, v in headers if n.lower() == b"content-type"), b"")
                if content_type.startswith(b"text/html"):
                    headers.extend(h for h in _DEFAULT if h[0] not in names)
                    message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, add_headers)
