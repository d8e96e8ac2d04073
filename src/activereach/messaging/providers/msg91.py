"""MSG91 SMS Flow API (India, DLT): ``POST {base}/api/v5/flow/`` with header ``authkey``.

The MSG91 template stores the DLT template id and the exact DLT-approved text; we send its
``template_id``, the DLT ``sender`` header and the variables as ``VAR1``…  The rendered text is
checked against the registered DLT text before sending (see ``rules.dlt_matches``).
"""

from __future__ import annotations

from typing import Any

import httpx2

from activereach.messaging.providers.base import (TIMEOUT, Outbound, ProviderError, SendResult,
                                                  Setting, http_error, transport_error)


class Msg91Provider:
    name = "msg91"
    description = ("MSG91's Flow API for Indian SMS: each message goes out on a DLT-registered "
                   "template under your registered sender ID.")
    settings = {
        "template_id": Setting("MSG91 flow template ID", "The template (flow) ID shown in "
                               "MSG91 → SMS → Templates; it holds the DLT-approved text."),
        "sender": Setting("Sender ID", "The six-letter header registered on DLT, e.g. BRWBLM."),
        "dlt_entity_id": Setting("DLT entity ID", "Your business's Principal Entity ID from "
                                 "the DLT portal (19 digits)."),
        "dlt_template_id": Setting("DLT template ID", "The ID the DLT portal gave the approved "
                                   "receipt text (19 digits)."),
        "base_url": Setting("API address", "Leave blank for MSG91's own API."),
        "route": Setting("Route", "4 is the transactional route; leave blank unless MSG91 "
                         "told you otherwise."),
        "authkey": Setting("Auth key", "MSG91 → API → Auth key."),
    }
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
