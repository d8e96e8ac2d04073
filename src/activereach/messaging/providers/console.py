"""The console provider: records the message in the outbox without sending it.

The demo default, so ``make run`` works without any provider credentials.  The log line says
which message was recorded, never its content: a bill code or bill URL in a log is a bill
anyone with the log can open (issue 18 #15).
"""

from __future__ import annotations

from typing import Any

import httpx2
import structlog

from activereach.messaging.providers.base import Outbound, SendResult, Setting

log = structlog.get_logger(__name__)


class ConsoleProvider:
    name = "console"
    description = ("Records each message in Messages without sending it to anyone — for "
                   "trying receipts out before a real provider is set up. Nothing to configure.")
    settings: dict[str, Setting] = {}
    hosts: tuple[str, ...] = ()
    required: tuple[str, ...] = ()
    optional: dict[str, Any] = {}
    secret_keys: tuple[str, ...] = ()
    outlet_keys: tuple[str, ...] = ()

    async def send(self, message: Outbound, config: dict[str, Any], secrets: dict[str, str],
                   client: httpx2.AsyncClient) -> SendResult:
        log.info("console outbox", channel=message.channel, message_id=message.message_id)
        return SendResult(f"console_{message.message_id}", {"recorded": True})
