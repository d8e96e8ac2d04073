"""Any POS: hex HMAC-SHA256 of the body in ``X-Signature``, or Standard Webhooks signatures.

Standard Webhooks: ``webhook-id``, ``webhook-timestamp`` (within the operator's
``webhook_freshness_seconds``, 5 minutes by default) and
``webhook-signature`` (space-separated ``v1,<base64>``) over ``{id}.{timestamp}.{body}``, keyed
by the base64-decoded ``whsec_…`` secret.  Mapping is entirely by JMESPath expressions.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import time
from collections.abc import Mapping
from typing import Any

from activereach.pipes import rules
from activereach.pipes.providers.base import (
    Canonical, Context, Event, JsonProvider, Verdict, freshness_window, header, shape_checked)
from activereach.pipes.providers.spec import PIPE_SETTINGS, SampleOrder, Setting, api_settings

TOLERANCE_SECONDS = 300


def standard_webhooks_valid(secret: str, msg_id: str, timestamp: str, body: bytes,
                            signatures: str, now: float,
                            window: float = TOLERANCE_SECONDS) -> tuple[bool, str]:
    try:
        sent = int(timestamp)
    except ValueError:
        return False, "webhook-timestamp is not an integer"
    if abs(now - sent) > window:
        signed = dt.datetime.fromtimestamp(sent, dt.UTC).isoformat() if abs(sent) < 2**40 \
            else timestamp[:20]
        return False, f"stale: signed {signed} is outside the {int(window)} s window"
    try:
        key = base64.b64decode(secret.removeprefix("whsec_")) if secret.startswith("whsec_") \
            else secret.encode()
    except binascii.Error:
        return False, "secret is not a valid whsec_ value"
    expected = rules.b64(rules.hmac_digest(key, f"{msg_id}.{timestamp}.".encode() + body))
    for item in signatures.split():
        version, _, value = item.partition(",")
        if version == "v1" and rules.same(expected, value):
            return True, "webhook-signature matches"
    return False, "webhook-signature does not match"


class Custom(JsonProvider):
    name = "custom"
    label = "Custom POS"
    settings = (
        Setting("secret", "text", "Secret", required=True, secret=True,
                blank_default="new_secret",
                help="blank = generate one (hex X-Signature or Standard Webhooks whsec_)",
                example="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
        *api_settings("https://pos.example.com/api"),
        Setting("amounts", "choice", "Amounts", choices=("minor", "major"),
                help="minor (paise/cents) or major units in the payload (default minor)",
                example="minor"),
        *PIPE_SETTINGS,
    )
    signing_secret = "secret"
    hosts: tuple[str, ...] = ()   # any POS: its API host must be in outbound_allow_hosts
    # Our own schema's order, dated a few minutes ago each time.
    sample = SampleOrder("custom_order.json", dating="now")

    def verify(self, raw: bytes, headers: Mapping[str, str], secrets: list[str],
               settings: Mapping[str, Any]) -> Verdict:
        signatures = header(headers, "webhook-signature")
        if signatures:
            msg_id = header(headers, "webhook-id") or ""
            stamp = header(headers, "webhook-timestamp") or ""
            reason = "webhook-signature does not match"
            for secret in secrets:
                ok, reason = standard_webhooks_valid(secret, msg_id, stamp, raw, signatures,
                                                     time.time(), freshness_window())
                if ok:
                    return Verdict(True, reason)
            return Verdict(False, reason)
        given = header(headers, "x-signature")
        if not given:
            return Verdict(False, "missing X-Signature (or webhook-signature) header")
        for secret in secrets:
            if rules.same(rules.hmac_digest(secret.encode(), raw).hex(), given.lower()):
                return Verdict(True, "X-Signature matches")
        return Verdict(False, "X-Signature does not match")

    def events(self, payload: Any, headers: Mapping[str, str]) -> list[Event]:
        # The dedupe key needs the mapping when there is no webhook-id; ingest fills it in.
        stamp = header(headers, "webhook-timestamp") or ""
        return [Event(dedupe_key=header(headers, "webhook-id") or "", kind="order",
                      event_time=rules.parse_time(int(stamp) * 1000) if stamp.isdigit() else None,
                      document=payload)]

    @shape_checked
    def to_canonical(self, document: dict[str, Any], ctx: Context) -> Canonical:
        from activereach.pipes.mapping import custom_canonical

        return custom_canonical(document, dict(ctx.settings.get("_mapping") or {}), ctx.currency,
                                str(ctx.settings.get("amounts", "minor")))
