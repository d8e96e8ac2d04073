"""Pure catalog rules: barcode check digits, option dimensions, effective price and tax.

No I/O: the API, the CSV importer and the ingest participant all apply these same rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

MAX_OPTIONS = 3
GST_RATES = frozenset(Decimal(r) for r in ("0", "0.25", "3", "5", "12", "18", "28", "40"))
# Numeric barcodes of these lengths are GTINs (EAN-8, UPC-A, EAN-13, GTIN-14) with a check digit.
GTIN_LENGTHS = {8: "EAN-8", 12: "UPC-A", 13: "EAN-13", 14: "GTIN-14"}
_INTERNAL_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-_.]{0,63}$")
_HSN = re.compile(r"^[0-9]{2,8}$")


class RuleError(ValueError):
    """A broken catalog rule; ``field`` names what is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def gtin_check_digit(body: str) -> int:
    """The GS1 check digit for the digits before it (weights 3,1,3,… from the right)."""
    digits = [ord(c) - 48 for c in body]
    total = 3 * sum(digits[-1::-2]) + sum(digits[-2::-2])
    return (10 - total % 10) % 10


def validate_barcode(code: str, field: str = "barcode") -> str:
    """Numeric codes must be a GTIN with a right check digit; shop-made labels (Code 128 style,
    letters and digits with ``-_.``) are accepted as they are."""
    code = code.strip()
    if code.isdigit():
        kind = GTIN_LENGTHS.get(len(code))
        if kind is None:
            raise RuleError(field, f"{len(code)} digits: a numeric barcode must be EAN-8, UPC-A, "
                                   "EAN-13 or GTIN-14 (8, 12, 13 or 14 digits)")
        expected = gtin_check_digit(code[:-1])
        if int(code[-1]) != expected:
            raise RuleError(field, f"bad {kind} check digit in {code!r} (expected {expected})")
        return code
    if not _INTERNAL_CODE.match(code):
        raise RuleError(field, "use digits (EAN/UPC) or letters, digits and -_. (at most 64)")
    return code


def validate_hsn(hsn: str | None, field: str = "hsn") -> str | None:
    if hsn is None or hsn == "":
        return None
    if not _HSN.match(hsn):
        raise RuleError(field, "an HSN/SAC code is 2 to 8 digits")
    return hsn


def validate_price(price: int | None, field: str = "price") -> int | None:
    if price is not None and price < 0:
        raise RuleError(field, "must not be negative")
    return price


def validate_options(names: list[str], variants: list[list[str]]) -> None:
    """At most three dimensions, each variant has one value per dimension, combinations unique."""
    if len(names) > MAX_OPTIONS:
        raise RuleError("option_names", f"at most {MAX_OPTIONS} option dimensions "
                                        f"(got {len(names)})")
    if len({n.lower() for n in names}) != len(names):
        raise RuleError("option_names", "option names must differ")
    seen: set[tuple[str, ...]] = set()
    for index, values in enumerate(variants):
        if len(values) != len(names):
            raise RuleError(f"variants[{index}].options",
                            f"needs {len(names)} value(s), one per option {names}")
        key = tuple(v.lower() for v in values)
        if names and key in seen:
            raise RuleError(f"variants[{index}].options", f"combination {values} repeats")
        seen.add(key)


def variant_name(option_values: list[str]) -> str:
    return " / ".join(option_values)


def effective_price(brand_price: int, brand_compare_at: int | None,
                    override: tuple[int, int | None] | None) -> tuple[int, int | None]:
    """(price, compare_at) at an outlet: the outlet override, when set, beats the brand price."""
    if override is not None:
        return override
    return brand_price, brand_compare_at


@dataclass(frozen=True, slots=True)
class TaxView:
    tax_class_id: str | None
    rate: Decimal
    inclusive: bool
    hsn: str | None


def effective_tax(variant_class: str | None, product_class: str | None, product_hsn: str | None,
                  classes: dict[str, tuple[Decimal, bool, str | None]]) -> TaxView:
    """The variant's own class beats the product's; the product's HSN beats the class default."""
    class_id = variant_class or product_class
    if class_id is None or class_id not in classes:
        return TaxView(None, Decimal(0), True, product_hsn)
    rate, inclusive, hsn = classes[class_id]
    return TaxView(class_id, rate, inclusive, product_hsn or hsn)


def is_live(product_active: bool, product_deleted: bool, variant_active: bool,
            variant_deleted: bool) -> bool:
    """A till sells a variant only while it and its product are active and not deleted."""
    return product_active and not product_deleted and variant_active and not variant_deleted


def decimal_text(value: Decimal | int | float | str) -> str:
    """``10.000`` → ``"10"``, ``2.50`` → ``"2.5"`` (never exponent notation)."""
    # str() first: SQLite hands back floats (12.5), and Decimal(0.1) is not 0.1.
    return format(Decimal(str(value)).normalize(), "f")


# --- building a product in the console: the variant grid and suggested codes -------------

_SLUG_JUNK = re.compile(r"[^a-z0-9]+")
_SKU_JUNK = re.compile(r"[^A-Z0-9]+")


def handle_for(title: str) -> str:
    """A handle from a product name: "Flat White (Oat)" → "flat-white-oat"."""
    return _SLUG_JUNK.sub("-", title.lower()).strip("-")[:200]


def option_grid(values: list[list[str]]) -> list[list[str]]:
    """Every combination of the option values, first option slowest: [[S, L], [Dairy, Oat]] →
    [[S, Dairy], [S, Oat], [L, Dairy], [L, Oat]]; no options → one variant without values."""
    grid: list[list[str]] = [[]]
    for dimension in values:
        grid = [row + [value] for row in grid for value in dimension]
    return grid


def suggest_sku(handle: str, option_values: list[str]) -> str:
    """handle plus values in capitals: ("latte", ["Small", "Oat"]) → "LATTE-SMALL-OAT"."""
    parts = [handle, *option_values]
    return "-".join(p for p in (_SKU_JUNK.sub("-", part.upper()).strip("-") for part in parts)
                    if p)[:100]
