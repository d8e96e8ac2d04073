"""Issue 18, finding 3: no credential reaches the logs through a traceback, in either log mode.

In console mode an unhandled error was rendered with its frames' locals *after* the redactor
ran, so ``authorization: Bearer sk_…`` appeared in plaintext; JSON mode lost the traceback
entirely. Now the traceback is rendered to text (no locals) before redaction, and the finished
line is scrubbed once more.
"""

from __future__ import annotations

import json
import logging

import httpx2
import pytest
import structlog

from activereach.logs import redact_text
from tests.support import LogCapture

CLOVER_CODE = "clover-auth-7Q2MXK"


@pytest.mark.parametrize("json_logs", [False, True], ids=["console", "json"])
async def test_an_unhandled_error_logs_its_traceback_without_the_key(
        app, tenant, monkeypatch, json_logs: bool) -> None:  # type: ignore[no-untyped-def]
    import activereach.contacts.api as contacts_api

    key = tenant.admin_key

    async def broken(session, workspace_id, contact_id):  # type: ignore[no-untyped-def]
        authorization = f"Bearer {key}"  # a local, as the request's headers are in real frames
        headers = {"authorization": authorization, "x-clover-auth": CLOVER_CODE}
        raise RuntimeError(f"contact store unavailable for {authorization} with {headers}")

    monkeypatch.setattr(contacts_api, "get_contact", broken)
    transport = httpx2.ASGITransport(app=app, raise_app_exceptions=False)
    with LogCapture(json_logs) as captured:
        async with httpx2.AsyncClient(transport=transport, base_url="http://testserver") as http:
            response = await http.get("/v1/contacts/ct_missing", headers=tenant.admin)
    output = captured.getvalue()
    assert response.status_code == 500
    # The traceback is there (or the check below would prove nothing) ...
    assert "Traceback" in output and "RuntimeError: contact store unavailable" in output
    # ... and neither secret is.
    assert key not in output and key[3:] not in output
    assert CLOVER_CODE not in output
    if json_logs:
        line = next(json.loads(raw) for raw in output.splitlines() if "unhandled" in raw)
        assert line["exception"].startswith("Traceback")


@pytest.mark.parametrize("json_logs", [False, True], ids=["console", "json"])
def test_a_foreign_logger_traceback_is_redacted(json_logs: bool) -> None:
    # uvicorn logs "Exception in ASGI application" through the standard library.
    def handler(authorization: str) -> None:
        raise ValueError(f"bad header Authorization: {authorization}")

    with LogCapture(json_logs) as captured:
        try:
            handler("Basic dXNlcjpzdXBlci1zZWNyZXQ=")
        except ValueError:
            logging.getLogger("uvicorn.error").exception("Exception in ASGI application")
    output = captured.getvalue()
    assert "ValueError: bad header" in output
    assert "dXNlcjpzdXBlci1zZWNyZXQ=" not in output


def test_nested_fields_and_header_text_are_redacted() -> None:
    with LogCapture(False) as captured:
        structlog.get_logger("activereach.test").warning(
            "outbound", request={"headers": {"Authorization": "Bearer tok_abcdefgh",
                                             "X-Clover-Auth": CLOVER_CODE}, "path": "/v3/x"},
            note="sent x-clover-auth: " + CLOVER_CODE)
    output = captured.getvalue()
    assert "/v3/x" in output and "outbound" in output
    assert CLOVER_CODE not in output and "tok_abcdefgh" not in output


def test_redact_text_keeps_ordinary_words() -> None:
    assert redact_text("authorization failed for order ord_01abc") == \
        "authorization failed for order ord_01abc"
    assert redact_text("Authorization: Bearer abcdefgh123") == "Authorization: [redacted]"
    assert "sk_" + "x" * 20 not in redact_text("key sk_" + "x" * 20)


async def test_the_console_provider_logs_no_bill_code_or_text() -> None:
    """Finding 15: the console messaging provider logged each receipt (bill code and URL) at
    info level; a bill code is a bearer credential for that bill page."""
    from structlog.testing import capture_logs

    from activereach.messaging.providers.base import Outbound
    from activereach.messaging.providers.console import ConsoleProvider

    code = "Zq7Lm2Xw9P"
    message = Outbound(message_id="msg_1", channel="whatsapp", to="+919845012345",
                       content={"text": f"Your bill: http://brand.example/b/{code}",
                                "params": [f"http://brand.example/b/{code}"]})
    with capture_logs() as logs:
        await ConsoleProvider().send(message, {}, {}, None)  # type: ignore[arg-type]
    assert logs and code not in repr(logs) and "+919845012345" not in repr(logs)
