"""Request bodies of the messaging API (replies are plain documents built by the services)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Channel = Literal["whatsapp", "sms", "email"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ChannelIn(Strict):
    """Workspace tier: the provider, its non-secret settings and its secrets (write-only)."""

    provider: Literal["whatsapp_cloud", "twilio", "msg91", "smtp", "console"]
    enabled: bool = True
    config: dict[str, Any] = Field(default_factory=dict)
    secrets: dict[str, str] = Field(default_factory=dict)


class OutletPinIn(Strict):
    """Outlet tier: only the sender fields (WhatsApp number, SMS sender, email from)."""

    enabled: bool = True
    config: dict[str, Any] = Field(default_factory=dict)
    secrets: dict[str, str] = Field(default_factory=dict)


class WhatsAppTemplateIn(Strict):
    template_name: str = Field(min_length=1, max_length=512, pattern=r"^[a-z0-9_]+$")
    language: str = Field(min_length=2, max_length=15)
    body_params: list[str] = Field(default_factory=list, max_length=20)
    button_index: int = Field(default=0, ge=0, le=9)
    # The approved template's wording (header, body with {{1}}…, footer, URL button label and
    # link pattern): used only to preview what the shopper sees; the send names the template.
    header_text: str | None = Field(default=None, max_length=60)
    body_text: str | None = Field(default=None, max_length=1024)
    footer_text: str | None = Field(default=None, max_length=60)
    button_label: str | None = Field(default=None, max_length=25)
    button_url: str | None = Field(default=None, max_length=2000, pattern=r"^https?://")


class SmsTemplateIn(Strict):
    dlt_text: str | None = Field(default=None, min_length=1, max_length=1600)
    variables: list[str] = Field(default_factory=list, max_length=20)


class EmailTemplateIn(Strict):
    subject: str = Field(min_length=1, max_length=500)
    text: str = Field(min_length=1, max_length=50_000)
    html: str = Field(min_length=1, max_length=200_000)


class OutletWhatsAppTemplateIn(Strict):
    """An outlet's override: every field optional; a field left out inherits the brand's."""

    template_name: str | None = Field(default=None, min_length=1, max_length=512,
                                      pattern=r"^[a-z0-9_]+$")
    language: str | None = Field(default=None, min_length=2, max_length=15)
    body_params: list[str] | None = Field(default=None, max_length=20)
    button_index: int | None = Field(default=None, ge=0, le=9)
    header_text: str | None = Field(default=None, max_length=60)
    body_text: str | None = Field(default=None, max_length=1024)
    footer_text: str | None = Field(default=None, max_length=60)
    button_label: str | None = Field(default=None, max_length=25)
    button_url: str | None = Field(default=None, max_length=2000, pattern=r"^https?://")


class OutletSmsTemplateIn(Strict):
    dlt_text: str | None = Field(default=None, min_length=1, max_length=1600)
    variables: list[str] | None = Field(default=None, max_length=20)


class OutletEmailTemplateIn(Strict):
    subject: str | None = Field(default=None, min_length=1, max_length=500)
    text: str | None = Field(default=None, min_length=1, max_length=50_000)
    html: str | None = Field(default=None, min_length=1, max_length=200_000)


class PreviewIn(Strict):
    order_id: str = Field(min_length=1, max_length=40)
    channel: Channel | None = None
    # An unsaved template to try; absent: the saved (or default) one.
    template: dict[str, Any] | None = None


class ConsentIn(Strict):
    status: Literal["opted_in", "opted_out"]
    source: str = Field(default="api", min_length=1, max_length=64)
    evidence: str | None = Field(default=None, max_length=500)
