"""MSG91 SMS Flow API (India, DLT): ``POST {base}/api/v5/flow/`` with header ``authkey``.

The MSG91 template stores the DLT template id and the exact DLT-approved text; we send its
``template_id``, the DLT ``sender`` header and the variables as ``VAR1``…  The rendered text is
checked against the registered DLT text before sending (see ``rules.dlt_matches``).
"""

from __future__ import annotations

from typing import Any

import httpx2

from activereach.messaging.providers.base import (TIMEOUT, Outbound, ProviderError, SendResult,
                                                  http_error, transport_error)


class Msg91Provider:
    name = "msg91"
    hosts: tuple[str, ...] = ("api.msg91.com", "control.msg91.com")
    required: tuple[str, ...] = ("template_id", "sender", "dlt_entity_id", "dlt_template_id")
    optional: dict[str, Any] = {"base_url": "https://api.msg91.com", "route": "4"}
    secret_keys: tuple[str, ...] = ("authkey",)
    outlet_keys: tuple[str, ...] = ("sender",)

    async def send(self, message: Outbound, config: dict[str, Any], secrets: dict[str, str],
                   client: httpx2.AsyncClient) -> SendResult:
        url = f"{config['base_url'].rstrip('/')}/api/v5/flow/"
        recipient: dict[str, str] = {"mobiles": message.to.lstrip("+")}
        for index, value in enumerate(message.content.get("variables") or [], start=1):
            recipient[f"VAR{index}"] = str(value)
        body = {"template_id": config["template_id"], "sender": config["sender"],
                "route": str(config.get("route") or "4"), "recipients": [recipient]}
        try:
            response = await client.post(url, json=body, timeout=TIMEOUT,
                                         headers={"authkey": secrets.get("authkey", ""),
                                                  "accept": "application/json"})
        except httpx2.TransportError as exc:
            raise transport_error(exc) from exc
        try:
            reply = response.json()
        except ValueError:
            reply = {}
        if response.status_code >= 400 or reply.get("type") == "error":
            code = str(reply.get("code") or f"http_{response.status_code}")
            raise http_error(response, code, str(reply.get("message") or response.reason_phrase))
        request_id = str(reply.get("message") or reply.get("request_id") or "")
        if not request_id:
            raise ProviderError("bad_response", "no request id in the reply", transient=False,
                                response=reply)
        return SendResult(request_id, reply)
