"""Request and reply shapes for data pipes, their deliveries, health and test runs."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Provider = Literal["square", "toast", "lightspeed_x", "clover", "shopify", "custom"]


class PipeIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: Literal["activepos", "webhook"]
    provider: Provider | None = None
    name: str = Field(min_length=1, max_length=200)
    location: str | None = Field(default=None, max_length=40)
    terminal: str | None = Field(default=None, max_length=40)
    # activepos: also issue a pairing code for the terminal (shown once)
    pair: bool = False
    settings: dict[str, Any] = Field(default_factory=dict)
    mapping: dict[str, Any] = Field(default_factory=dict)


class PipePatch(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str | None = Field(default=None, min_length=1, max_length=200)
    # Merged key by key into the stored settings; a secret sent here is a rotation.
    settings: dict[str, Any] | None = None
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
