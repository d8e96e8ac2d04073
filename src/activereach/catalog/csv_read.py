"""Reading catalog CSVs as a stream: header checks, records with byte offsets, product groups.

The file is read line by line from a binary stream (never whole), decoded as UTF-8, and fed to
the ``csv`` module; the reader knows the byte offset after every record, so an import can stop
at a product boundary and a later job can resume from there.  Rows are grouped by ``handle``
(the rows of one product are adjacent, as every commerce export writes them).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from activereach.catalog import csv_formats
from activereach.catalog.rules import MAX_OPTIONS
from activereach.kit import csv_safe

REQUIRED = ("handle", "price")
ALIASES = {
    "variant sku": "sku", "variant barcode": "barcode", "variant price": "price",
    "variant compare at price": "compare at price", "compare at": "compare at price",
    "compare_at": "compare at price", "image src": "image url", "image": "image url",
    "product category": "category", "type": "category", "name": "title", "gst rate": "tax rate",
    "tax": "tax rate", "hsn code": "hsn", "status": "active",
}
KNOWN = {"handle", "title", "sku", "barcode", "price", "compare at price", "tax class", "tax rate",
         "hsn", "category", "image url", "active"} | {
    f"option{i} {part}" for i in range(1, MAX_OPTIONS + 1) for part in ("name", "value")}
_OPTION = re.compile(r"^option(\d+) (name|value)$")
_SPACES = re.compile(r"[\s_\-]+")


class CsvFileError(ValueError):
    """The whole file is unusable (encoding, delimiter, header): one per-request error."""

    def __init__(self, column: str, reason: str, line: int = 1) -> None:
        super().__init__(f"line {line}, {column}: {reason}")
        self.column, self.reason, self.line = column, reason, line


@dataclass
class Header:
    columns: dict[str, int]
    stock: dict[str, int]           # outlet code -> column index
    ignored: list[str] = field(default_factory=list)
    width: int = 0
    # Another system's export (csv_formats): rows pass through its steps before parsing.
    translation: csv_formats.Translation | None = None

    def get(self, row: list[str], name: str) -> str:
        index = self.columns.get(name)
        return row[index].strip() if index is not None and index < len(row) else ""

    @property
    def stock_by_name(self) -> bool:
        return self.translation is not None and self.translation.stock_by_name

    def column_label(self, column: str) -> str:
        """The file's own name for one of our columns ("Variant Price", not "price")."""
        if self.translation is None:
            return column
        return self.translation.labels.get(column, column)

    def label(self, problem: dict[str, object]) -> dict[str, object]:
        """A problem under the file's own column name."""
        if self.translation is None:
            return problem
        return {**problem, "column": self.column_label(str(problem.get("column", "")))}


def normalise(name: str) -> str:
    raw = name.strip()
    if raw.lower().startswith("stock:"):
        return "stock:" + raw[6:].strip()  # outlet codes keep their dashes and case
    name = _SPACES.sub(" ", raw.lower())
    return ALIASES.get(name, name)


def parse_header(fields: list[str], original: list[str] | None = None) -> Header:
    """Our columns by index; ``original`` is the file's own header when ``fields`` translates
    it (named in the message when a required column is missing)."""
    if len(fields) == 1:
        for delimiter, label in ((";", "semicolon"), ("\t", "tab"), ("|", "pipe")):
            if delimiter in fields[0]:
                raise CsvFileError("header", f"the file is {label}-separated; use commas")
    columns: dict[str, int] = {}
    stock: dict[str, int] = {}
    ignored = []
    for index, raw in enumerate(fields):
        name = normalise(raw)
        option = _OPTION.match(name)
        if option and int(option.group(1)) > MAX_OPTIONS:
            raise CsvFileError(raw, f"at most {MAX_OPTIONS} option dimensions")
        if name.startswith("stock:"):
            if not name[6:]:
                raise CsvFileError(raw, "a stock column is named stock:<outlet code>")
            stock[name[6:]] = index
        elif name in KNOWN:
            if name in columns:
                raise CsvFileError(raw, "column appears twice")
            columns[name] = index
        elif name:
            ignored.append(raw)
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        found = ", ".join(original or fields)[:200]
        raise CsvFileError(missing[0], f"required column missing (found: {found})")
    return Header(columns=columns, stock=stock, ignored=ignored, width=len(fields))


class RecordReader:
    """CSV records from a binary stream, with the byte offset and line where each one starts."""

    def __init__(self, stream: BinaryIO, *, offset: int = 0, line: int = 1) -> None:
        self.stream = stream
        self.offset = offset
        self.line = line
        stream.seek(offset)

    def _lines(self) -> Iterator[str]:
        for raw in self.stream:
            start = self.line
            self.offset += len(raw)
            self.line += 1
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise CsvFileError("file", f"not UTF-8 text (byte {exc.start} of the line); "
                                           "save the CSV as UTF-8", line=start) from exc
            yield text.removeprefix("\ufeff") if self.offset == len(raw) else text

    def records(self) -> Iterator[tuple[int, int, list[str], int]]:
        """(start offset, start line, fields, end offset) per record; blank lines skipped."""
        lines = self._lines()
        reader = csv.reader(lines, strict=True)
        while True:
            start_offset, start_line = self.offset, self.line
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise CsvFileError("file", f"malformed CSV: {exc}", line=start_line) from exc
            if not any(f.strip() for f in fields):
                continue
            # Our export escapes formula-like cells with a leading "'" (kit/csv_safe.py).
            yield start_offset, start_line, [csv_safe.unescape(f) for f in fields], self.offset


def read_header(stream: BinaryIO) -> tuple[Header, int, int]:
    """(header, offset and line of the first data record)."""
    reader = RecordReader(stream)
    for _, _, fields, end in reader.records():
        translation = csv_formats.translate(fields)
        if translation is None:
            return parse_header(fields), end, reader.line
        header = parse_header(translation.fields, original=fields)
        header.translation, header.ignored = translation, list(translation.ignored)
        return header, end, reader.line
    raise CsvFileError("file", "the file is empty")


@dataclass
class Group:
    handle: str
    rows: list[tuple[int, list[str]]]   # (line, fields)
    start_offset: int
    start_line: int


def groups(reader: RecordReader, header: Header) -> Iterator[tuple[Group, int, int]]:
    """Adjacent rows with the same handle; yields (group, offset, line) after the group.

    A translated export's rows are translated first (some are skipped: they sell nothing),
    and each product's rows then get the format's per-product step."""
    translation = header.translation
    finish = translation.group if translation is not None else (lambda rows: rows)
    current: Group | None = None
    for start_offset, start_line, raw, _end in reader.records():
        fields = translation.row(raw) if translation is not None else raw
        if fields is None:
            continue
        handle = header.get(fields, "handle")
        if current is not None and handle != current.handle:
            current.rows = finish(current.rows)
            yield current, start_offset, start_line
            current = None
        if current is None:
            current = Group(handle, [], start_offset, start_line)
        current.rows.append((start_line, fields))
    if current is not None:
        current.rows = finish(current.rows)
        yield current, reader.offset, reader.line
