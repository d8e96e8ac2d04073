"""Turning one product's CSV rows into a validated spec, or a list of (line, column, reason).

Pure: the tax classes and outlet codes it needs are passed in.  Product-level columns (title,
category, HSN, image, option names, tax) are read from the product's first row; later rows may
repeat them.  A row's tax that differs from the first row's becomes that variant's own class.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from activereach.catalog import rules
from activereach.catalog.csv_read import Group, Header
from activereach.kit.money import MoneyError, major_to_minor

TRUE = {"", "true", "yes", "y", "1", "active"}
FALSE = {"false", "no", "n", "0", "inactive", "draft", "archived"}


@dataclass
class TaxClasses:
    by_name: dict[str, str]                 # lower-case name -> id
    by_rate: dict[Decimal, list[str]]       # rate -> ids


@dataclass
class VariantSpec:
    line: int
    sku: str | None
    barcode: str | None
    options: list[str]
    price: int
    compare_at: int | None
    tax_class_id: str | None
    active: bool
    stock: dict[str, Decimal | None]        # outlet code -> quantity; None = leave as is


@dataclass
class ProductSpec:
    handle: str
    line: int
    title: str
    category: str | None
    hsn: str | None
    image_url: str | None
    tax_class_id: str | None
    option_names: list[str]
    variants: list[VariantSpec] = field(default_factory=list)


Problem = dict[str, object]


def _problem(line: int, column: str, reason: str) -> Problem:
    return {"line": line, "column": column, "reason": reason}


def _money(value: str, currency: str, column: str, line: int,
           problems: list[Problem]) -> int | None:
    if value == "":
        return None
    try:
        amount = major_to_minor(value.replace(",", ""), currency, column)
    except MoneyError as exc:
        problems.append(_problem(line, column, str(exc)))
        return None
    if amount < 0:
        problems.append(_problem(line, column, "must not be negative"))
        return None
    return amount


def _tax(header: Header, row: list[str], taxes: TaxClasses, line: int,
         problems: list[Problem]) -> str | None:
    name = header.get(row, "tax class")
    if name:
        found = taxes.by_name.get(name.lower())
        if found is None:
            problems.append(_problem(line, "tax class", f"unknown tax class {name!r}"))
        return found
    rate_text = header.get(row, "tax rate").removesuffix("%").strip()
    if not rate_text:
        return None
    try:
        rate = Decimal(rate_text)
    except InvalidOperation:
        problems.append(_problem(line, "tax rate", f"{rate_text!r} is not a number"))
        return None
    ids = taxes.by_rate.get(rate.normalize(), [])
    if len(ids) != 1:
        reason = (f"unknown tax class: no tax class has rate {rate_text}%" if not ids else
                  f"{len(ids)} tax classes have rate {rate_text}%; give a 'tax class' column")
        problems.append(_problem(line, "tax rate", reason))
        return None
    return ids[0]


def parse_group(group: Group, header: Header, taxes: TaxClasses,
                currency: str) -> tuple[ProductSpec | None, list[Problem]]:
    problems: list[Problem] = []
    first_line, first = group.rows[0]
    if not group.handle:
        return None, [_problem(line, "handle", "required") for line, _ in group.rows]
    names = [header.get(first, f"option{i} name") for i in range(1, rules.MAX_OPTIONS + 1)]
    while names and not names[-1]:
        names.pop()
    if "" in names:
        problems.append(_problem(first_line, "option names", "option names must be consecutive"))
    title = header.get(first, "title")
    try:
        hsn = rules.validate_hsn(header.get(first, "hsn"))
    except rules.RuleError as exc:
        problems.append(_problem(first_line, "hsn", exc.message))
        hsn = None
    spec = ProductSpec(handle=group.handle, line=first_line, title=title,
                       category=header.get(first, "category") or None, hsn=hsn,
                       image_url=header.get(first, "image url") or None,
                       tax_class_id=_tax(header, first, taxes, first_line, problems),
                       option_names=names)
    for line, row in group.rows:
        variant = _variant(header, row, line, spec, taxes, currency, problems)
        if variant is not None:
            spec.variants.append(variant)
    try:
        rules.validate_options(names, [v.options for v in spec.variants])
    except rules.RuleError as exc:
        problems.append(_problem(first_line, "option values", exc.message))
    return (None if problems else spec), problems


def _variant(header: Header, row: list[str], line: int, spec: ProductSpec, taxes: TaxClasses,
             currency: str, problems: list[Problem]) -> VariantSpec | None:
    before = len(problems)
    if len(row) != header.width:
        problems.append(_problem(line, "row", f"has {len(row)} fields, the header has "
                                              f"{header.width}"))
    options = [header.get(row, f"option{i} value") for i in range(1, len(spec.option_names) + 1)]
    barcode = header.get(row, "barcode") or None
    if barcode:
        try:
            barcode = rules.validate_barcode(barcode)
        except rules.RuleError as exc:
            problems.append(_problem(line, "barcode", exc.message))
    price_text = header.get(row, "price")
    price = _money(price_text, currency, "price", line, problems)
    if price is None and price_text == "":
        problems.append(_problem(line, "price", "required"))
    compare_at = _money(header.get(row, "compare at price"), currency, "compare at price", line,
                        problems)
    active_text = header.get(row, "active").lower()
    if active_text not in TRUE | FALSE:
        problems.append(_problem(line, "active", f"{active_text!r}: use true or false"))
    tax = _tax(header, row, taxes, line, problems) if line != spec.line else spec.tax_class_id
    stock: dict[str, Decimal | None] = {}
    for code, index in header.stock.items():
        text = row[index].strip() if index < len(row) else ""
        try:
            stock[code] = Decimal(text) if text else None
        except InvalidOperation:
            problems.append(_problem(line, f"stock:{code}", f"{text!r} is not a number"))
    if len(problems) > before or price is None:
        return None
    return VariantSpec(line=line, sku=header.get(row, "sku") or None, barcode=barcode,
                       options=options, price=price, compare_at=compare_at,
                       tax_class_id=tax if tax != spec.tax_class_id else None,
                       active=active_text not in FALSE, stock=stock)
