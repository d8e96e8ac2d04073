"""Send a test message: the channel's receipt template, rendered from a sample bill, to an
address the person typed, through the configured provider right now.

Three steps so that no transaction is open while the provider is called (the same rule as
``dispatch``): ``prepare`` reads (channel, template), ``send`` calls the provider, and the caller
records the outcome (the console writes an audit entry).  Nothing goes into the outbox: a test
is not a receipt, and it must not count in the receipt-delivery figures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from activereach.bills.service import bill_url
from activereach.contacts.rules import IdentityError, normalize_email, normalize_phone
from activereach.kit.errors import Unprocessable
from activereach.kit.ids import new_id
from activereach.messaging import channels as tiers
from activereach.messaging import dispatch, templates
from activereach.messaging.providers import Outbound, ProviderError, get_provider
from activereach.messaging.providers.base import shared_client
from activereach.messaging.service import stored_template
from activereach.tenancy.models import Workspace


@dataclass(frozen=True)
class Prepared:
    """A test ready to go: where to, through what, with which rendered content."""

    channel: str
    provider: str
    recipient: str
    content: dict[str, Any]
    config: dict[str, Any] = field(repr=False)
    secrets: dict[str, str] = field(repr=False)


@dataclass(frozen=True)
class Outcome:
    """The provider's answer: accepted with its id, or the error in words."""

    ok: bool
    provider: str
    message_id: str = ""
    error_code: str = ""
    error: str = ""
    response: dict[str, Any] = field(default_factory=dict)


def sample_snapshot(workspace: Workspace) -> dict[str, Any]:
    """A bill that is clearly a test: invoice TEST-0001 for 1.00 of the brand's currency,
    from the brand, with a bill link that opens no real bill."""
    return {"code": "TEST0001", "url": bill_url(workspace.slug, "TEST0001"),
            "invoice_number": "TEST-0001", "channel": "offline", "issued_local": "today",
            "currency": workspace.currency or "INR", "exponent": 2,
            "locale": workspace.locale or "en_IN", "brand": {"name": workspace.name},
            "seller": {"name": workspace.name}, "lines": [], "totals": {"payable": 100},
            "loyalty": None}


def recipient_for(channel: str, raw: str, region: str) -> str:
    """The typed phone (E.164, the brand's country for a local number) or email; a 422 naming
    ``to`` when it is not one."""
    try:
        value = normalize_email(raw) if channel == "email" else normalize_phone(raw, region)
    except IdentityError as exc:
        value, problem = None, str(exc)
    else:
        problem = ""
    if not value or (channel == "email" and "@" not in value):
        kind = "an email address" if channel == "email" else "a mobile number"
        raise Unprocessable.field("to", problem or f"Enter {kind}")
    return value


async def prepare(session: AsyncSession, workspace: Workspace, channel: str, raw_to: str,
                  location_id: str | None) -> Prepared:
    """Resolve the channel (the outlet's sender over the brand's) and render the template."""
    recipient = recipient_for(channel, raw_to, workspace.country or "IN")
    resolved = (await tiers.resolved_channels(session, workspace.id, location_id)).get(channel)
    if resolved is None:
        raise Unprocessable.field("channel", f"set up and enable {channel} first")
    content = templates.effective(channel, await stored_template(session, workspace.id, channel,
                                                                 location_id))
    try:
        _, _, rendered = templates.render(channel, content,
                                          sample_snapshot(workspace), "Test")
    except templates.TemplateProblem as exc:
        raise Unprocessable.field("template", exc.message) from exc
    return Prepared(channel, resolved.provider, recipient, rendered, dict(resolved.config),
                    dict(resolved.secrets))


async def send(prepared: Prepared) -> Outcome:
    """Call the provider now (no transaction open); never raises for a provider's refusal."""
    provider = get_provider(prepared.provider)
    message = Outbound(message_id=new_id("tst"), channel=prepared.channel,
                       to=prepared.recipient, content=prepared.content)
    client = dispatch.client_override or shared_client()
    try:
        result = await provider.send(message, prepared.config, prepared.secrets, client)
    except ProviderError as exc:
        return Outcome(False, prepared.provider, error_code=exc.code, error=exc.message,
                       response=exc.response)
    return Outcome(True, prepared.provider, message_id=result.provider_message_id,
                   response=result.response)
