"""Twilio Programmable Messaging: ``POST {base}/2010-04-01/Accounts/{sid}/Messages.json``.

Form-encoded, HTTP basic auth (Account SID / Auth Token).  Status callbacks and inbound replies
are verified with ``X-Twilio-Signature`` (base64 HMAC-SHA1 over URL + sorted params).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import httpx2

from activereach.messaging.providers.base import (TIMEOUT, Outbound, ProviderError, SendResult,
                                                  Setting, http_error, transport_error)

# Twilio's "too many requests" code, retried like a 429.
TRANSIENT_CODES = frozenset({"20429", "20500", "20503"})


class TwilioProvider:
    name = "twilio"
    description = ("Twilio Programmable Messaging: SMS worldwide from a number or a "
                   "messaging service.")
    settings = {
        "account_sid": Setting("Account SID", "Starts with AC; Twilio Console → Account info."),
        "from": Setting("From number", "A Twilio number in international format, e.g. "
                        "+15005550006. Give this or a messaging service."),
        "messaging_service_sid": Setting("Messaging service SID", "Starts with MG; used "
                                         "instead of the from number when given."),
        "status_callback_url": Setting("Delivery report address", "Where Twilio reports "
                                       "delivery; leave blank for none."),
        "base_url": Setting("API address", "Leave blank for Twilio's own API."),
        "auth_token": Setting("Auth token", "Twilio Console → Account info → Auth token."),
    }
    hosts: tuple[str, ...] = ("api.twilio.com",)
    required: tuple[str, ...] = ("account_sid",)
    optional: dict[str, Any] = {"base_url": "https://api.twilio.com", "from": None,
                                "messaging_service_sid": None, "status_callback_url": None}
    secret_keys: tuple[str, ...] = ("auth_token",)
    outlet_keys: tuple[str, ...] = ("from", "messaging_service_sid")

    async def send(self, message: Outbound, config: dict[str, Any], secrets: dict[str, str],
                   client: httpx2.AsyncClient) -> SendResult:
        sid = config["account_sid"]
        url = (f"{config['base_url'].rstrip('/')}/2010-04-01/Accounts/{quote(str(sid), safe='')}"
               "/Messages.json")
        form = {"To": message.to, "Body": message.content["text"]}
        if config.get("messaging_service_sid"):
            form["MessagingServiceSid"] = config["messaging_service_sid"]
        else:
            form["From"] = config.get("from") or ""
        if message.status_callback_url:
            form["StatusCallback"] = message.status_callback_url
        try:
            response = await client.post(url, data=form, timeout=TIMEOUT,
                                         auth=httpx2.BasicAuth(sid, secrets.get("auth_token", "")))
        except httpx2.TransportError as exc:
            raise transport_error(exc) from exc
        if response.status_code >= 400:
            raise _error(response)
        body = response.json()
        if not body.get("sid"):
            raise ProviderError("bad_response", "no sid in the reply", transient=False, response=body)
        return SendResult(body["sid"], body)


def _error(response: httpx2.Response) -> ProviderError:
    try:
        body = response.json()
    except ValueError:
        body = {}
    code = str(body.get("code") or f"http_{response.status_code}")
    err = http_error(response, code, str(body.get("message") or response.reason_phrase))
    if code in TRANSIENT_CODES:
        err.transient = True
    return err


def signature(auth_token: str, url: str, params: Mapping[str, str]) -> str:
    """base64(HMAC-SHA1(auth token, URL + each param name+value sorted by name))."""
    payload = url + "".join(f"{key}{params[key]}" for key in sorted(params))
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def verify_signature(auth_token: str, url: str, params: Mapping[str, str],
                     header: str | None) -> bool:
    if not header or not auth_token:
        return False
    return hmac.compare_digest(signature(auth_token, url, params), header)


# Twilio statuses → ours (accepted/scheduled/sending are still "queued" to us).
STATUS_MAP = {"queued": "queued", "accepted": "queued", "scheduled": "queued", "sending": "queued",
              "sent": "sent", "delivered": "delivered", "read": "read", "undelivered": "failed",
              "failed": "failed", "canceled": "failed", "partially_delivered": "delivered"}
