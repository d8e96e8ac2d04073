"""Messaging providers, one module each, behind the ``Provider`` protocol in ``base``."""

from __future__ import annotations

from activereach.messaging.providers.base import Provider, ProviderError, SendResult, Outbound
from activereach.messaging.providers.console import ConsoleProvider
from activereach.messaging.providers.msg91 import Msg91Provider
from activereach.messaging.providers.smtp import SmtpProvider
from activereach.messaging.providers.twilio import TwilioProvider
from activereach.messaging.providers.whatsapp_cloud import WhatsAppCloudProvider

PROVIDERS: dict[str, Provider] = {
    p.name: p for p in (WhatsAppCloudProvider(), TwilioProvider(), Msg91Provider(), SmtpProvider(),
                        ConsoleProvider())
}
# Which providers can carry which channel.
CHANNEL_PROVIDERS = {
    "whatsapp": ("whatsapp_cloud", "console"),
    "sms": ("twilio", "msg91", "console"),
    "email": ("smtp", "console"),
}


def get_provider(name: str) -> Provider:
    return PROVIDERS[name]


__all__ = ["CHANNEL_PROVIDERS", "PROVIDERS", "Outbound", "Provider", "ProviderError", "SendResult",
           "get_provider"]
