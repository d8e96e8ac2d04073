"""Request shapes of the catalog admin API (replies are plain dicts built in ``views.py``)."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Minor = int


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _not_null(value: object) -> object:
    # Omit a field to keep it; an explicit null would hit a NOT NULL column (found by fuzzing).
    if value is None:
        raise ValueError("may not be null (omit the field to keep its value)")
    return value


class TaxClassIn(Strict):
    name: str = Field(min_length=1, max_length=100)
    rate: Decimal = Field(ge=0, le=100, decimal_places=3)
    inclusive: bool = True
    hsn: str | None = Field(default=None, max_length=16)


class TaxClassPatch(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    rate: Decimal | None = Field(default=None, ge=0, le=100, decimal_places=3)
    inclusive: bool | None = None
    hsn: str | None = Field(default=None, max_length=16)


class VariantIn(Strict):
    sku: str | None = Field(default=None, min_length=1, max_length=100)
    barcode: str | None = Field(default=None, min_length=1, max_length=64)
    options: list[str] = Field(default_factory=list, max_length=3)
    name: str | None = Field(default=None, max_length=200)
    price: Minor = Field(ge=0, le=10**12)
    compare_at: Minor | None = Field(default=None, ge=0, le=10**12)
    tax_class_id: str | None = Field(default=None, max_length=40)
    image_url: str | None = Field(default=None, max_length=1000)
    active: bool = True


class VariantPatch(Strict):
    sku: str | None = Field(default=None, max_length=100)
    barcode: str | None = Field(default=None, max_length=64)
    options: list[str] | None = Field(default=None, max_length=3)
    name: str | None = Field(default=None, max_length=200)
    price: Minor | None = Field(default=None, ge=0, le=10**12)
    compare_at: Minor | None = Field(default=None, ge=0, le=10**12)
    tax_class_id: str | None = Field(default=None, max_length=40)
    image_url: str | None = Field(default=None, max_length=1000)
    active: bool | None = None

    _required = field_validator("options", "name", "price", "active")(_not_null)


class ProductIn(Strict):
    handle: str = Field(min_length=1, max_length=200, pattern=r"^[a-z0-9][a-z0-9\-_.]*$")
    title: str = Field(min_length=1, max_length=300)
    category: str | None = Field(default=None, max_length=200)
    image_url: str | None = Field(default=None, max_length=1000)
    hsn: str | None = Field(default=None, max_length=16)
    tax_class_id: str | None = Field(default=None, max_length=40)
    # Validated by the rules (more than 3 → a clear 422 naming option_names).
    option_names: list[str] = Field(default_factory=list, max_length=10)
    active: bool = True
    variants: list[VariantIn] = Field(default_factory=list, max_length=2048)


class ProductPatch(Strict):
    title: str | None = Field(default=None, min_length=1, max_length=300)
    category: str | None = Field(default=None, max_length=200)
    image_url: str | None = Field(default=None, max_length=1000)
    hsn: str | None = Field(default=None, max_length=16)
    tax_class_id: str | None = Field(default=None, max_length=40)
    active: bool | None = None

    _required = field_validator("title", "active")(_not_null)


class PriceOverrideIn(Strict):
    price: Minor = Field(ge=0, le=10**12)
    compare_at: Minor | None = Field(default=None, ge=0, le=10**12)


class StockAdjustmentIn(Strict):
    adjustment_id: str = Field(min_length=1, max_length=100,
                               description="client id; a replay changes nothing")
    variant_id: str | None = Field(default=None, max_length=40)
    sku: str | None = Field(default=None, max_length=100)
    location: str = Field(min_length=1, max_length=40)
    delta: Decimal | None = Field(default=None, decimal_places=3, ge=-10**9, le=10**9)
    set_to: Decimal | None = Field(default=None, decimal_places=3, ge=-10**9, le=10**9)
    reason: str | None = Field(default=None, max_length=500)
