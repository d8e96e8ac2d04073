"""CSRF: one random token per session, sent back in every form and checked on every POST.

The session cookie is SameSite=Lax already; the token also covers same-site attackers and
browsers that ignore SameSite.  A POST without a matching token is refused with 403.
"""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request

from activereach.kit.errors import Forbidden

FIELD = "csrf_token"


def token(request: Request) -> str:
    """This session's token, minted on first use (the sign-in page mints it before sign-in)."""
    value = request.session.get("csrf")
    if not value:
        value = secrets.token_urlsafe(32)
        request.session["csrf"] = value
    return value


async def form_with_csrf(request: Request) -> dict[str, str]:
    """The posted form as a dict, after checking its token (403 when missing or wrong)."""
    form = await request.form()
    sent = form.get(FIELD)
    expected = request.session.get("csrf")
    if not expected or not isinstance(sent, str) or not hmac.compare_digest(sent, expected):
        raise Forbidden("csrf_token: missing or does not match this session; reload the page")
    return {key: value for key, value in form.items() if isinstance(value, str)}
