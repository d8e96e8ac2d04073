"""Catalog page helpers: the product edit form (brand tier or one outlet's price overrides),
counting an uploaded CSV's rows for the progress bar.  Writes go through catalog services."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from activereach.catalog import inventory
from activereach.catalog import service as catalog
from activereach.catalog.models import Product, Variant
from activereach.catalog.schemas import PriceOverrideIn, ProductPatch, VariantPatch
from activereach.kit.errors import AppError
from activereach.kit.money import MoneyError, currency_exponent, major_to_minor


class FieldError(Exception):
    """A form field the service refused; the transaction rolls back and the form re-renders."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name, self.message = name, message


@dataclass
class ProductForm:
    """What the edit form posted, parsed: minor-unit prices and barcodes (archiving a variant
    has its own confirmation page, so the edit form never switches one off)."""

    title: str = ""
    category: str = ""
    prices: dict[str, int | None] = field(default_factory=dict)
    barcodes: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def major(amount: int | None, currency: str) -> str:
    """Minor units as the major-unit text an input shows (blank for None)."""
    if amount is None:
        return ""
    try:
        places = currency_exponent(currency)
    except MoneyError:
        places = 2
    return f"{Decimal(amount).scaleb(-places):.{places}f}"


def _price(raw: str, currency: str, name: str, errors: dict[str, str],
           optional: bool) -> int | None:
    if not raw:
        if not optional:
            errors[name] = "required (a price such as 249.00)"
        return None
    try:
        amount = major_to_minor(raw, currency, "price")
    except MoneyError as exc:
        errors[name] = str(exc)
        return None
    if amount < 0:
        errors[name] = "must not be negative"
        return None
    return amount


def parse_form(form: dict[str, str], variants: list[Variant], currency: str,
               outlet: bool) -> ProductForm:
    """Brand tier: title, category, price/barcode per variant. Outlet tier: only the
    outlet's price per variant, blank meaning "use the brand price"."""
    parsed = ProductForm(title=form.get("title", "").strip(),
                         category=form.get("category", "").strip())
    if not outlet and not 1 <= len(parsed.title) <= 300:
        parsed.errors["title"] = "1 to 300 characters"
    if len(parsed.category) > 200:
        parsed.errors["category"] = "at most 200 characters"
    for variant in variants:
        name = f"price-{variant.id}"
        parsed.prices[variant.id] = _price(form.get(name, "").strip(), currency, name,
                                           parsed.errors, optional=outlet)
        parsed.barcodes[variant.id] = form.get(f"barcode-{variant.id}", "").strip()
    return parsed


def form_values(product: Product, variants: list[Variant], currency: str,
                overrides: dict[str, dict[str, Any]] | None) -> dict[str, str]:
    """The inputs' current values: brand prices, or the outlet's overrides when given."""
    values = {"title": product.title, "category": product.category or ""}
    for variant in variants:
        price = overrides[variant.id]["price"] if overrides is not None else variant.price
        values[f"price-{variant.id}"] = major(price, currency)
        values[f"barcode-{variant.id}"] = variant.barcode or ""
    return values


def _field_of(exc: AppError) -> str | None:
    details = exc.details
    if isinstance(details, list) and details and isinstance(details[0], dict):
        return details[0].get("field")
    if isinstance(details, dict):
        return details.get("field")
    return None


async def save_brand(session: AsyncSession, ws: str, product_id: str,
                     parsed: ProductForm) -> None:
    """Product title/category and every variant's price and barcode, in one transaction; a refused field raises FieldError naming that variant's input."""
    await catalog.update_product(session, ws, product_id, ProductPatch(
        title=parsed.title, category=parsed.category or None))
    for variant_id, price in parsed.prices.items():
        patch = VariantPatch(price=price, barcode=parsed.barcodes[variant_id])
        try:
            await catalog.update_variant(session, ws, variant_id, patch)
        except AppError as exc:
            name = _field_of(exc) or "barcode"
            raise FieldError(f"{name.rsplit('.', 1)[-1]}-{variant_id}",
                             exc.message.split(": ", 1)[-1]) from exc


async def save_outlet(session: AsyncSession, ws: str, location_id: str,
                      parsed: ProductForm) -> None:
    """The outlet tier: set or clear each variant's price override at this outlet."""
    for variant_id, price in parsed.prices.items():
        if price is None:
            await inventory.delete_price_override(session, ws, variant_id, location_id)
        else:
            await inventory.set_price_override(session, ws, variant_id, location_id,
                                               PriceOverrideIn(price=price))


def quantity(value: Decimal | None) -> str | None:
    """A stock level without trailing zeros: 20.000 → "20", 2.500 → "2.5"."""
    if value is None:
        return None
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def count_rows(content: bytes) -> int | None:
    """Data rows in an uploaded CSV (quoted newlines handled) for "rows done / total"; the
    import itself streams, this only feeds the progress bar (one pass, rows not kept)."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    try:
        records = sum(1 for row in csv.reader(io.StringIO(text)) if any(c.strip() for c in row))
    except csv.Error:
        return None
    return max(records - 1, 0)


def snapshot(product: Product, variants: list[Variant], currency: str) -> dict[str, Any]:
    """The edited fields as the audit log shows them (prices in major units)."""
    values: dict[str, Any] = {"title": product.title, "category": product.category}
    for variant in variants:
        label = variant.sku or variant.name or variant.id
        values[f"price {label}"] = major(variant.price, currency)
        values[f"barcode {label}"] = variant.barcode
    return values
