"""Request and reply shapes for workspaces, outlets, terminals and keys."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from activereach.tenancy.rules import CODE_RE, validate_gstin


class LocationIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=200)
    address: str = Field(default="", max_length=500)
    phone: str = Field(default="", max_length=32)
    gstin: str | None = Field(default=None, max_length=15)
    state_code: str | None = Field(default=None, pattern=r"^[0-9]{2}$")
    timezone: str | None = Field(default=None, max_length=64)

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        if not CODE_RE.match(value):
            raise ValueError("lower-case letters, digits and dashes, starting with a letter or digit")
        return value

    @field_validator("gstin")
    @classmethod
    def _gstin(cls, value: str | None) -> str | None:
        if value:
            value = value.upper()
            problem = validate_gstin(value)
            if problem:
                raise ValueError(problem)
        return value or None


class LocationPatch(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str | None = Field(default=None, min_length=1, max_length=200)
    address: str | None = Field(default=None, max_length=500)
    phone: str | None = Field(default=None, max_length=32)
    timezone: str | None = Field(default=None, max_length=64)
    status: str | None = Field(default=None, pattern="^(active|inactive)$")

    @field_validator("name", "address", "phone", "status")
    @classmethod
    def _not_null(cls, value: str | None) -> str | None:
        # Omit a field to keep it; an explicit null would hit a NOT NULL column (found by fuzzing).
        if value is None:
            raise ValueError("may not be null (omit the field to keep its value)")
        return value


class LocationOut(BaseModel):
    id: str
    code: str
    name: str
    address: str
    phone: str
    gstin: str | None
    state_code: str | None
    timezone: str | None
    status: str


class TerminalIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    terminal_id: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_-]+$")
    name: str = Field(default="", max_length=200)


class TerminalOut(BaseModel):
    id: str
    location_id: str
    terminal_id: str
    name: str
    status: str


class ApiKeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str = Field(pattern="^(admin|write)$")
    name: str = Field(default="", max_length=200)


class ApiKeyOut(BaseModel):
    id: str
    kind: str
    name: str
    prefix: str
    created_at: str
    revoked_at: str | None
    secret: str | None = Field(default=None, description="Shown once, at creation")


class WorkspaceOut(BaseModel):
    id: str
    slug: str
    name: str
    country: str
    currency: str
    timezone: str
    locale: str


class PairingCodeOut(BaseModel):
    pairing_code: str
    expires_at: str


class PairIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    pairing_code: str = Field(min_length=4, max_length=20)


class PairedDeviceOut(BaseModel):
    device_token: str | None = Field(default=None, description="Shown once, at pairing")
    terminal: TerminalOut
    location: LocationOut
    workspace: WorkspaceOut
