"""Reading other systems' product exports as they are: Shopify (products_export.csv), Square
(Item Library export) and Loyverse (Items export).  Pure.

``translate`` recognises the format from the header and gives the importer what it already
understands: our column names for the columns we use ("" for the ones we ignore), columns made
from others (Square has no product handle: it is made from the item's name; Square's
``Archived`` Y/N becomes ``active``; a ``Tax - GST (5%)`` Y/N column becomes a tax rate), a
per-row step (Shopify's image-only rows and Loyverse's composite-component rows are skipped,
Shopify's "Title / Default Title" option is no option) and a per-product step (Square's
variations without options become a "Variation" option; Shopify's product status, written on
the product's first row only, applies to every variant).  ``labels`` maps our column names back
to the file's own, so every problem is reported at the file's line under the file's column name.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

Row = list[str]
Rows = list[tuple[int, Row]]
_TAX = re.compile(r"^tax - .*?\(?(\d+(?:\.\d+)?) ?%\)?$")
_SLUG = re.compile(r"[^a-z0-9]+")
_YES = {"y", "yes", "true", "1"}


def _same(rows: Rows) -> Rows:
    return rows


@dataclass
class Translation:
    name: str                                  # shopify | square | loyverse
    fields: list[str]                          # our column names, then the made ones
    row: Callable[[Row], Row | None]           # raw row → row in ``fields`` order, or skip
    group: Callable[[Rows], Rows] = _same      # one product's rows, adjusted in place
    # Stock columns name an outlet by its name (Square, Loyverse), not only by its code; one
    # that matches no outlet is ignored rather than failing the file.
    stock_by_name: bool = False
    ignored: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)   # our column -> the file's column


def _slug(text: str) -> str:
    return _SLUG.sub("-", text.lower()).strip("-")[:200]


def _lower(fields: list[str]) -> list[str]:
    return [f.strip().lower() for f in fields]


def detect(fields: list[str]) -> str | None:
    names = set(_lower(fields))
    if {"handle", "title", "variant price"} <= names or {"url handle", "title"} <= names:
        return "shopify"
    if {"item name", "variation name"} <= names:
        return "square"
    if {"handle", "name"} <= names and ("sold by weight" in names or any(
            n.startswith(("available for sale [", "in stock [", "price [")) for n in names)):
        return "loyverse"
    return None


def _bracket(name: str, prefix: str) -> str | None:
    """``"In stock [Indiranagar]"`` with prefix "in stock" → "Indiranagar"."""
    low = name.strip().lower()
    if low.startswith(prefix + " [") and name.strip().endswith("]"):
        return name.strip()[len(prefix) + 2:-1].strip() or None
    return None


def _mapped(fields: list[str], mapping: dict[str, str],
            stock: Callable[[str], str | None] | None = None,
            ) -> tuple[list[str], list[str], dict[str, str]]:
    """Our names for the raw columns (the first of several for one name wins), the raw names
    nothing uses, and our name -> raw name."""
    out, ignored, labels = [], [], {}
    for raw in fields:
        ours = mapping.get(raw.strip().lower(), "")
        outlet = stock(raw) if stock is not None else None
        if outlet:
            ours = f"stock:{outlet}"
        if not ours or ours in labels:
            ignored.append(raw)
            out.append("")
            continue
        labels[ours] = raw.strip()
        out.append(ours)
    return out, ignored, labels


def _cell(raw: Row, index: int | None) -> str:
    return raw[index].strip() if index is not None and index < len(raw) else ""


def _taxes(fields: list[str]) -> list[tuple[int, str]]:
    """``Tax - GST (5%)`` columns (Square, Loyverse) with the rate their name carries."""
    return [(i, m.group(1)) for i, name in enumerate(_lower(fields)) if (m := _TAX.match(name))]


def _tax_rate(raw: Row, taxes: list[tuple[int, str]]) -> str:
    """The rate of the first tax marked Y on the row; "" for none (the tax class stays unset)."""
    return next((rate for i, rate in taxes if _cell(raw, i).lower() in _YES), "")


# --- Shopify -----------------------------------------------------------------------------

# The classic header ("Variant SKU", "Image Src") and the newer one ("URL handle", "SKU",
# "Product image URL"); "Product Category" is Shopify's taxonomy, used when "Type" is blank.
SHOPIFY = {"handle": "handle", "url handle": "handle", "title": "title",
           "variant sku": "sku", "sku": "sku", "variant barcode": "barcode",
           "barcode": "barcode", "variant price": "price", "price": "price",
           "variant compare at price": "compare at price", "compare-at price": "compare at price",
           "type": "category", "image src": "image url", "product image url": "image url",
           "status": "active",
           **{f"option{i} {part}": f"option{i} {part}" for i in (1, 2, 3)
              for part in ("name", "value")}}


def _shopify(fields: list[str]) -> Translation:
    names, ignored, labels = _mapped(fields, SHOPIFY)
    at = {ours: i for i, ours in enumerate(names) if ours}
    low = _lower(fields)
    taxonomy = low.index("product category") if "product category" in low else None
    width = len(fields)

    def row(raw: Row) -> Row | None:
        cell = (lambda key: _cell(raw, at.get(key)))
        if not (cell("price") or cell("sku") or cell("option1 value")):
            return None  # an extra image of the product above: nothing to sell
        out = list(raw)
        if len(out) != width:
            return out  # the importer reports the row's width at its line
        if cell("option1 value") == "Default Title":
            out[at["option1 value"]] = ""
            if cell("option1 name") == "Title":
                out[at["option1 name"]] = ""
        if "category" in at and not cell("category") and _cell(raw, taxonomy):
            # No own type: the last step of Shopify's taxonomy ("… > Coffee") is the category.
            out[at["category"]] = _cell(raw, taxonomy).rsplit(">", 1)[-1].strip()
        return out

    def group(rows: Rows) -> Rows:
        # Status is written on the product's first row only; it applies to every variant.
        index = at.get("active")
        if index is None or index >= len(rows[0][1]):
            return rows
        status = rows[0][1][index]
        for _, cells in rows[1:]:
            if index < len(cells) and not cells[index].strip():
                cells[index] = status
        return rows
    return Translation("shopify", names, row, group, ignored=ignored, labels=labels)


# --- Square ------------------------------------------------------------------------------

SQUARE = {"item name": "title", "sku": "sku", "gtin": "barcode", "price": "price",
          "reporting category": "category", "category": "category", "categories": "category",
          **{f"option name {i}": f"option{i} name" for i in (1, 2, 3)},
          **{f"option value {i}": f"option{i} value" for i in (1, 2, 3)}}


def _square_outlet(raw: str) -> str | None:
    """``Current Quantity Indiranagar`` (or ``… [Indiranagar]``) → "Indiranagar"."""
    name = raw.strip()
    if not name.lower().startswith("current quantity "):
        return None
    outlet = name[len("current quantity "):].strip()
    if outlet.startswith("[") and outlet.endswith("]"):
        outlet = outlet[1:-1].strip()
    return outlet or None


def _square(fields: list[str]) -> Translation:
    names, ignored, labels = _mapped(fields, SQUARE, _square_outlet)
    low = _lower(fields)
    title_at, variation_at = low.index("item name"), low.index("variation name")
    archived_at = low.index("archived") if "archived" in low else None
    taxes = _taxes(fields)
    made = ["handle", "active", "tax rate"]
    if "option1 name" not in names:
        made += ["option1 name", "option1 value"]
    out_names = names + made
    option_name, option_value = out_names.index("option1 name"), out_names.index("option1 value")
    labels |= {"handle": fields[title_at].strip(),
               "tax rate": fields[taxes[0][0]].strip() if taxes else "Tax"}
    labels.setdefault("option1 value", fields[variation_at].strip())
    if archived_at is not None:
        labels["active"] = fields[archived_at].strip()

    def row(raw: Row) -> Row:
        # Square writes no product handle: the item's rows share its name.
        archived = _cell(raw, archived_at).lower() in _YES
        cells = [_slug(_cell(raw, title_at)), "false" if archived else "true",
                 _tax_rate(raw, taxes)]
        return list(raw) + cells + ([""] * (len(made) - len(cells)))

    def group(rows: Rows) -> Rows:
        # One variation ("Regular") is a product without options; several without Square
        # options are told apart by their variation names, as a "Variation" option.
        if len(rows) < 2 or any(_cell(cells, option_name) for _, cells in rows):
            return rows
        for _, cells in rows:
            if len(cells) == len(out_names):
                cells[option_name] = "Variation"
                cells[option_value] = _cell(cells, variation_at)
        return rows
    return Translation("square", out_names, row, group, stock_by_name=True,
                       ignored=ignored, labels=labels)


# --- Loyverse ----------------------------------------------------------------------------

LOYVERSE = {"handle": "handle", "name": "title", "sku": "sku", "barcode": "barcode",
            "category": "category", "default price": "price",
            **{f"option {i} {part}": f"option{i} {part}" for i in (1, 2, 3)
               for part in ("name", "value")}}


def _loyverse(fields: list[str]) -> Translation:
    names, ignored, labels = _mapped(fields, LOYVERSE, lambda raw: _bracket(raw, "in stock"))
    if "price" not in names:
        # Older exports have no "Default price": the first store's price is the brand price.
        first = next((i for i, raw in enumerate(fields) if _bracket(raw, "price")), None)
        if first is not None:
            names[first] = "price"
            labels["price"] = fields[first].strip()
            ignored.remove(fields[first])
    taxes = _taxes(fields)
    if taxes:
        labels["tax rate"] = fields[taxes[0][0]].strip()
    at = {ours: i for i, ours in enumerate(names) if ours}

    def row(raw: Row) -> Row | None:
        if not any(_cell(raw, at.get(key)) for key in ("sku", "price", "option1 value", "title")):
            return None  # a composite item's further component ("SKU of included item")
        return list(raw) + ([_tax_rate(raw, taxes)] if taxes else [])
    return Translation("loyverse", names + (["tax rate"] if taxes else []), row,
                       stock_by_name=True, ignored=ignored, labels=labels)


def translate(fields: list[str]) -> Translation | None:
    """The format's translation, or None for our own (or an unknown) header."""
    kind = detect(fields)
    if kind == "shopify":
        return _shopify(fields)
    if kind == "square":
        return _square(fields)
    if kind == "loyverse":
        return _loyverse(fields)
    return None
