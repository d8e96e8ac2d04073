"""Outbound webhooks signed per Standard Webhooks (webhook-id, webhook-timestamp,
webhook-signature ``v1,<base64 HMAC-SHA256>`` over ``id.timestamp.body``, a ``whsec_`` secret)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import orjson

from activereach.destinations import rules
from activereach.destinations.kinds.base import OutboundRequest, Setting
from activereach.kit import outbound


class WebhookKind:
    name = "webhook"
    label = "Webhook"
    description = ("POSTs each event as JSON to your URL, signed per Standard Webhooks; "
                   "retried on Svix's schedule for about 28 hours")
    settings: tuple[Setting, ...] = (
        Setting("url", "Endpoint URL", "https; your server answers 2xx within 15 s",
                "https://hooks.example.com/activereach"),)
    hosts: tuple[str, ...] | None = None
    makes_secret = True

    def check(self, settings: dict[str, str]) -> dict[str, str]:
        url = (settings.get("url") or "").strip()
        if not url:
            return {"url": "is required"}
        # The brand names its own host, so only the address rules apply (https, no userinfo,
        # no private address unless the operator allows it): the host is the URL's own.
        host = urlsplit(url).hostname or ""
        problem = outbound.url_problem(url, (host,) if host else ())
        return {"url": problem} if problem else {}

    def secret_of(self, settings: dict[str, str]) -> str | None:
        return None   # made by the service (rules.new_secret) and shown once

    def public(self, settings: dict[str, str]) -> dict[str, str]:
        return {"url": (settings.get("url") or "").strip()}

    def request(self, settings: dict[str, Any], secret: str, event: dict[str, Any],
                msg_id: str, now: int) -> OutboundRequest:
        body = orjson.dumps(rules.webhook_body(event))
        headers = {"content-type": "application/json", "user-agent": "ActiveReach-Webhooks/1",
                   "webhook-id": msg_id, "webhook-timestamp": str(now),
                   "webhook-signature": rules.sign(secret, msg_id, now, body)}
        return OutboundRequest(settings["url"], headers, body)
