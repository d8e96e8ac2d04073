"""The console provider: records the message in the outbox (and the log) without sending it.

The demo default, so ``make run`` works without any provider credentials.
"""

from __future__ import annotations

from typing import Any

import httpx2
import structlog

from activereach.messaging.providers.base import Outbound, SendResult

log = structlog.get_logger(__name__)


class ConsoleProvider:
    name = "console"
    required: tuple[str, ...] = ()
    optional: dict[str, Any] = {}
    secret_keys: tuple[str, ...] = ()
    outlet_keys: tuple[str, ...] = ()

    async def send(self, message: Outbound, config: dict[str, Any], secrets: dict[str, str],
                   client: httpx2.AsyncClient) -> SendResult:
        log.info("console outbox", channel=message.channel, message_id=message.message_id,
                 preview=_preview(message))
        return SendResult(f"console_{message.message_id}", {"recorded": True})


def _preview(message: Outbound) -> str:
    content = message.content
    if message.channel == "email":
        return str(content.get("subject", ""))
    if message.channel == "sms":
        return str(content.get("text", ""))
    return f"{content.get('template')} {content.get('body_params')} → {content.get('button_suffix')}"
