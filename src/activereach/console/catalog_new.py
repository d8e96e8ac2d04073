"""The "New product" form in two steps, without JavaScript: (1) name, category, tax class and
up to three options with comma-separated values; (2) the variant grid those options make, each
row a SKU (suggested from handle + values), a price in major units and an optional barcode.
Parsing here builds the API's ``ProductIn``; the catalog service does the writing."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from activereach.catalog import rules
from activereach.catalog.schemas import ProductIn, VariantIn
from activereach.console.catalog import _price
from activereach.kit.errors import AppError

MAX_GRID = 100
_HANDLE = re.compile(r"^[a-z0-9][a-z0-9\-_.]*$")
_SKU = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-_./]*$")
OPTION_SLOTS = range(1, rules.MAX_OPTIONS + 1)


@dataclass
class Draft:
    """Step 1, parsed: what the grid is built from."""

    title: str = ""
    handle: str = ""
    category: str = ""
    tax_class_id: str = ""
    option_names: list[str] = field(default_factory=list)
    option_values: list[list[str]] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)

    def grid(self) -> list[list[str]]:
        return rules.option_grid(self.option_values)


def _values(raw: str) -> list[str]:
    return [part.strip() for part in raw.split(",") if part.strip()]


def _options(form: dict[str, str], draft: Draft) -> None:
    for slot in OPTION_SLOTS:
        name = form.get(f"opt{slot}_name", "").strip()
        values = _values(form.get(f"opt{slot}_values", ""))
        if not name and not values:
            continue
        if not name:
            draft.errors[f"opt{slot}_name"] = "Name this option (for example Size)"
        elif not values:
            draft.errors[f"opt{slot}_values"] = f"Enter the values of {name}, separated by commas"
        elif name.lower() in {n.lower() for n in draft.option_names}:
            draft.errors[f"opt{slot}_name"] = f"Another option is already called {name}"
        lowered = [v.lower() for v in values]
        twice = next((v for i, v in enumerate(values) if v.lower() in lowered[:i]), None)
        if twice:
            draft.errors[f"opt{slot}_values"] = f"{twice} appears twice"
        if any(len(v) > 100 for v in values):
            draft.errors[f"opt{slot}_values"] = "Each value at most 100 characters"
        draft.option_names.append(name)
        draft.option_values.append(values)


def parse_draft(form: dict[str, str], tax_ids: set[str]) -> Draft:
    """Step 1 in people's words: a missing name, a bad handle, an option without values."""
    draft = Draft(title=form.get("title", "").strip(), category=form.get("category", "").strip(),
                  tax_class_id=form.get("tax_class_id", "").strip())
    if not draft.title:
        draft.errors["title"] = "Enter a name"
    elif len(draft.title) > 300:
        draft.errors["title"] = "At most 300 characters"
    draft.handle = form.get("handle", "").strip() or rules.handle_for(draft.title)
    if draft.title and not _HANDLE.match(draft.handle):
        draft.errors["handle"] = ("Use lower-case letters, digits and - _ . "
                                  "(starting with a letter or digit)")
    if len(draft.category) > 200:
        draft.errors["category"] = "At most 200 characters"
    if draft.tax_class_id and draft.tax_class_id not in tax_ids:
        draft.errors["tax_class_id"] = "Choose a tax class from the list"
    _options(form, draft)
    if not draft.errors and len(draft.grid()) > MAX_GRID:
        draft.errors["opt1_values"] = (f"These options make {len(draft.grid())} variants; the "
                                       f"console creates at most {MAX_GRID} at once")
    return draft


def grid_values(draft: Draft) -> dict[str, str]:
    """Suggested SKUs for a fresh grid (prices and barcodes are left for the person)."""
    return {f"sku-{i}": rules.suggest_sku(draft.handle, row)
            for i, row in enumerate(draft.grid())}


def parse_variant(form: dict[str, str], key: str, options: list[str], currency: str,
                  errors: dict[str, str]) -> VariantIn | None:
    """One grid row (or the add-variant form, ``key`` ""), as the API's ``VariantIn``."""
    suffix = f"-{key}" if key else ""
    before = len(errors)
    sku = form.get(f"sku{suffix}", "").strip()
    if sku and (len(sku) > 100 or not _SKU.match(sku)):
        errors[f"sku{suffix}"] = "Use letters, digits and - _ . / (at most 100)"
    price = _price(form.get(f"price{suffix}", "").strip(), currency, f"price{suffix}", errors,
                   optional=False)
    if f"price{suffix}" in errors and not form.get(f"price{suffix}", "").strip():
        errors[f"price{suffix}"] = "Enter a price such as 249.00"
    barcode = form.get(f"barcode{suffix}", "").strip()
    if barcode:
        try:
            barcode = rules.validate_barcode(barcode)
        except rules.RuleError as exc:
            errors[f"barcode{suffix}"] = exc.message
    if price is None or len(errors) > before:
        return None
    return VariantIn(sku=sku or None, barcode=barcode or None, options=options, price=price)


def parse_grid(form: dict[str, str], draft: Draft, currency: str) -> ProductIn | None:
    """Step 2: every row valid and SKUs/barcodes distinct, else errors beside the rows."""
    variants = []
    seen: dict[str, str] = {}
    for index, options in enumerate(draft.grid()):
        variant = parse_variant(form, str(index), options, currency, draft.errors)
        for kind in ("sku", "barcode"):
            value = form.get(f"{kind}-{index}", "").strip()
            if value and value.upper() in seen:
                draft.errors[f"{kind}-{index}"] = f"{value} is also on the row {seen[value.upper()]}"
            elif value:
                seen[value.upper()] = rules.variant_name(options) or "above"
        if variant is not None:
            variants.append(variant)
    if draft.errors:
        return None
    return ProductIn(handle=draft.handle, title=draft.title, category=draft.category or None,
                     tax_class_id=draft.tax_class_id or None, option_names=draft.option_names,
                     variants=variants)


def service_field(exc: AppError) -> str:
    """The form input a refused create names: ``variants[2].sku`` → ``sku-2``."""
    details = exc.details
    raw = ""
    if isinstance(details, dict):
        raw = str(details.get("field", ""))
    elif isinstance(details, list) and details and isinstance(details[0], dict):
        raw = str(details[0].get("field", ""))
    match = re.match(r"variants\[(\d+)\]\.(\w+)", raw)
    if match:
        return f"{match.group(2)}-{match.group(1)}"
    return raw if raw in ("handle", "title", "category", "tax_class_id") else "form"


def service_message(exc: AppError) -> str:
    """A service refusal without the internal ids it may carry."""
    text = exc.message
    if exc.code == "duplicate_sku":
        return "This SKU is already used by another product"
    if exc.code == "duplicate_barcode":
        return "This barcode is already used by another product"
    if "handle" in text and "already exists" in text:
        return "A product with this handle already exists; choose another handle"
    return text.split(": ", 1)[-1]
