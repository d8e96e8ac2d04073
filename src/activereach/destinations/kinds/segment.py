"""A Segment-format forwarder: our stream as ``identify``/``track`` calls to a brand's own
Segment or RudderStack source (``POST {endpoint}/v1/batch``, the write key as Basic auth)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import orjson

from activereach.destinations import rules
from activereach.destinations.kinds.base import OutboundRequest, Setting
from activereach.kit import outbound

# Segment's HTTP API hosts (US and EU) and RudderStack's hosted data planes.
HOSTS = ("api.segment.io", "events.eu1.segmentapis.com", "*.dataplane.rudderstack.com",
         "hosted.rudderlabs.com")
DEFAULT_ENDPOINT = "https://api.segment.io"


class SegmentKind:
    name = "segment"
    label = "Segment / RudderStack"
    description = ("Sends each event as a Segment track or identify call to your Segment or "
                   "RudderStack source, with its write key")
    settings: tuple[Setting, ...] = (
        Setting("write_key", "Write key", "the source's write key (sent as Basic auth)",
                "wk_live_…", secret=True),
        Setting("endpoint", "Endpoint", "Segment: https://api.segment.io (EU: "
                "https://events.eu1.segmentapis.com); RudderStack: your data plane URL",
                DEFAULT_ENDPOINT, required=False, default=DEFAULT_ENDPOINT),
    )
    hosts: tuple[str, ...] | None = HOSTS
    makes_secret = False

    def check(self, settings: dict[str, str]) -> dict[str, str]:
        problems: dict[str, str] = {}
        endpoint = self._endpoint(settings)
        problem = outbound.url_problem(endpoint, HOSTS)
        if problem:
            problems["endpoint"] = problem
        key = settings.get("write_key")
        if key is not None and not key.strip():
            problems["write_key"] = "is required"
        return problems

    def secret_of(self, settings: dict[str, str]) -> str | None:
        key = (settings.get("write_key") or "").strip()
        return key or None

    def public(self, settings: dict[str, str]) -> dict[str, str]:
        return {"endpoint": self._endpoint(settings)}

    def request(self, settings: dict[str, Any], secret: str, event: dict[str, Any],
                msg_id: str, now: int) -> OutboundRequest:
        sent_at = dt.datetime.fromtimestamp(now, dt.timezone.utc).isoformat()
        body = orjson.dumps({"batch": [rules.segment_message(event)], "sentAt": sent_at})
        headers = {"content-type": "application/json", "user-agent": "ActiveReach-Forwarder/1",
                   "authorization": rules.basic_auth(secret)}
        return OutboundRequest(settings["endpoint"].rstrip("/") + "/v1/batch", headers, body)

    @staticmethod
    def _endpoint(settings: dict[str, str]) -> str:
        return (settings.get("endpoint") or "").strip() or DEFAULT_ENDPOINT
