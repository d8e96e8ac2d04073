"""Request and reply shapes for data pipes, their deliveries, health and test runs."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from activereach.pipes.providers import PROVIDERS, registered
from activereach.pipes.providers.spec import (
    BlankDefault, SettingType, example_settings, settings_summary)

# why: the literal's values are the registered providers' names, known only at import time
Provider = Literal[PROVIDERS]  # type: ignore[valid-type]


def _create_examples() -> list[Any]:
    """One create body per provider, with its required settings' examples."""
    return [{"kind": "webhook", "provider": p.name, "name": f"{p.label} pipe",
             "settings": example_settings(p)} for p in registered().values()]


class PipeIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True,
                              json_schema_extra={"examples": _create_examples()})

    kind: Literal["activepos", "webhook"]
    provider: Provider | None = None
    name: str = Field(min_length=1, max_length=200)
    location: str | None = Field(default=None, max_length=40)
    terminal: str | None = Field(default=None, max_length=40)
    # activepos: also issue a pairing code for the terminal (shown once)
    pair: bool = False
    settings: dict[str, Any] = Field(default_factory=dict,
                                     description=settings_summary(list(registered().values())))
    mapping: dict[str, Any] = Field(default_factory=dict)


class PipePatch(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str | None = Field(default=None, min_length=1, max_length=200)
    settings: dict[str, Any] | None = Field(
        default=None, description="Merged key by key into the stored settings (the provider's, "
        "as on create); a secret sent here is a rotation.")
    mapping: dict[str, Any] | None = None


class TestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # A webhook body (object, or the raw string for form-encoded providers); None → the sample.
    payload: dict[str, Any] | list[Any] | str | None = None
    # "webhook": payload is a delivery body; "order": payload is the provider's order document.
    payload_kind: Literal["webhook", "order"] | None = None
    headers: dict[str, str] = Field(default_factory=dict)
    verify: bool = False
    mapping: dict[str, Any] | None = None


class ReplayAllIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["dead", "failed", "held", "waiting"] | None = None


class DeliveryOut(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str
    pipe_id: str
    received_at: str
    status: str
    verified: bool
    verification: str
    dedupe_key: str | None
    attempts: int
    error: str | None
    external_order_id: str | None
    order_id: str | None
    latency_ms: int | None


class SettingOut(BaseModel):
    """One setting a provider declares (``providers.spec.Setting``)."""

    name: str
    type: SettingType
    label: str
    help: str
    example: Any
    required: bool = Field(description="must be given when the pipe is created")
    secret: bool = Field(description="stored encrypted; never returned")
    choices: list[str] = Field(description="the allowed values of a `choice` setting")
    blank_default: BlankDefault | None = Field(
        description="what the console fills in when it is left blank")


class ProviderOut(BaseModel):
    """A provider as it describes itself."""

    provider: str
    label: str
    signing_secret: str = Field(description="the secret setting webhook signatures are "
                                "checked with; rotating it keeps the old one valid for "
                                "`rotation_overlap_minutes`")
    secrets: list[str] = Field(description="the secret settings, the signing secret first")
    settings: list[str] = Field(description="every setting name, sorted")
    required: list[str] = Field(description="the settings required on create")
    settings_spec: list[SettingOut]
    example_settings: dict[str, Any] = Field(description="the smallest settings to create a "
                                             "pipe with")
    hosts: list[str] = Field(description="documented API hosts an `api_base_url` may name")
    needs_fetch: bool = Field(description="webhooks carry only ids; every order is fetched")
    content_type: str
    sample_kind: Literal["webhook", "order"] = Field(
        description="the built-in sample is a delivery body or the provider's order document")
