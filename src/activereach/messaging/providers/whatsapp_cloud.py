"""WhatsApp Cloud API: template sends (``POST {base}/{version}/{phone_number_id}/messages``).

Webhook verification (``X-Hub-Signature-256`` over the raw body, the GET hub.challenge) lives
here too so that everything Meta-specific is in one file.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any
from urllib.parse import quote

import httpx2

from activereach.messaging.providers.base import (TIMEOUT, Outbound, ProviderError, SendResult,
                                                  Setting, http_error, transport_error)

# Graph error codes that are worth retrying (throughput / spam rate limits, temporary errors).
TRANSIENT_CODES = frozenset({"4", "80007", "130429", "131048", "131000", "133004", "2"})


class WhatsAppCloudProvider:
    name = "whatsapp_cloud"
    description = ("Meta's WhatsApp Cloud API: receipts go out as your approved template from "
                   "your WhatsApp Business number.")
    settings = {
        "phone_number_id": Setting("Phone number ID", "WhatsApp Manager → API setup → Phone "
                                   "number ID (not the phone number itself)."),
        "business_account_id": Setting("WhatsApp Business Account ID", "WhatsApp Manager → "
                                       "API setup; kept for reference and support."),
        "base_url": Setting("API address", "Leave blank for Meta's Graph API."),
        "api_version": Setting("Graph API version", "e.g. v21.0; leave blank for the default."),
        "access_token": Setting("Access token", "A permanent system-user token with "
                                "whatsapp_business_messaging."),
        "app_secret": Setting("App secret", "Meta app → Settings → Basic; checks that status "
                              "reports really come from Meta."),
        "verify_token": Setting("Webhook verify token", "Any phrase; type the same one in the "
                                "Meta app's webhook settings."),
    }
    hosts: tuple[str, ...] = ("graph.facebook.com",)
    required: tuple[str, ...] = ("phone_number_id",)
    optional: dict[str, Any] = {"base_url": "https://graph.facebook.com", "api_version": "v21.0",
                                "business_account_id": None}
    secret_keys: tuple[str, ...] = ("access_token", "app_secret", "verify_token")
    outlet_keys: tuple[str, ...] = ("phone_number_id", "access_token")

    async def send(self, message: Outbound, config: dict[str, Any], secrets: dict[str, str],
                   client: httpx2.AsyncClient) -> SendResult:
        url = (f"{config['base_url'].rstrip('/')}/{quote(str(config['api_version']), safe='')}/"
               f"{quote(str(config['phone_number_id']), safe='')}/messages")
        headers = {"Authorization": f"Bearer {secrets.get('access_token', '')}"}
        try:
            response = await client.post(url, json=request_body(message), headers=headers,
                                         timeout=TIMEOUT)
        except httpx2.TransportError as exc:
            raise transport_error(exc) from exc
        if response.status_code >= 400:
            raise _error(response)
        body = response.json()
        try:
            wamid = body["messages"][0]["id"]
        except (KeyError, IndexError, TypeError) as exc:
            raise ProviderError("bad_response", "no messages[0].id in the reply", transient=False,
                                response=body) from exc
        return SendResult(wamid, body)


def request_body(message: Outbound) -> dict[str, Any]:
    """The documented template-send body; the bill code is the URL button's dynamic suffix."""
    content = message.content
    components: list[dict[str, Any]] = []
    if content.get("body_params"):
        components.append({"type": "body", "parameters": [
            {"type": "text", "text": str(value)} for value in content["body_params"]]})
    if content.get("button_suffix"):
        components.append({"type": "button", "sub_type": "url",
                           "index": str(content.get("button_index", 0)),
                           "parameters": [{"type": "text", "text": content["button_suffix"]}]})
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": message.to.lstrip("+"),
        "type": "template",
        "biz_opaque_callback_data": message.callback_data,
        "template": {"name": content["template"], "language": {"code": content["language"]},
                     "components": components},
    }


def _error(response: httpx2.Response) -> ProviderError:
    try:
        error = response.json().get("error") or {}
    except ValueError:
        error = {}
    code = str(error.get("code") or f"http_{response.status_code}")
    err = http_error(response, code, str(error.get("message") or response.reason_phrase))
    if code in TRANSIENT_CODES:
        err.transient = True
    return err


def verify_signature(app_secret: str, raw_body: bytes, header: str | None) -> bool:
    """``X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app_secret, raw body)>``, constant time."""
    if not header or not header.startswith("sha256=") or not app_secret:
        return False
    expected = hmac.new(app_secret.encode(), raw_body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header.removeprefix("sha256="))


def sign(app_secret: str, raw_body: bytes) -> str:
    return "sha256=" + hmac.new(app_secret.encode(), raw_body, hashlib.sha256).hexdigest()


def parse_webhook(payload: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(statuses, inbound messages) from a ``whatsapp_business_account`` notification."""
    statuses: list[dict[str, Any]] = []
    inbound: list[dict[str, Any]] = []
    for entry in payload.get("entry") or []:
        for change in entry.get("changes") or []:
            value = change.get("value") or {}
            statuses.extend(s for s in value.get("statuses") or [] if isinstance(s, dict))
            inbound.extend(m for m in value.get("messages") or [] if isinstance(m, dict))
    return statuses, inbound


def inbound_text(message: dict[str, Any]) -> str:
    """Text of an inbound reply: a typed text or the title/payload of a tapped button."""
    if message.get("type") == "text":
        return str((message.get("text") or {}).get("body") or "")
    if message.get("type") == "button":
        button = message.get("button") or {}
        return str(button.get("payload") or button.get("text") or "")
    if message.get("type") == "interactive":
        reply = (message.get("interactive") or {}).get("button_reply") or {}
        return str(reply.get("title") or reply.get("id") or "")
    return ""
