"""CSV imports: checking a file up front, running it in resumable chunks, keeping the report.

A chunk reads whole products (never stops inside one) up to a row budget, applies them, and
records where the next chunk starts (byte offset and line).  The API's job runs one chunk per
job and enqueues the next in the same transaction, so progress is visible and a crash resumes
at the last committed product; the CLI runs the same chunks in a loop.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, BinaryIO

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.catalog.csv_apply import BatchResult, apply_batch
from activereach.catalog.csv_parse import ProductSpec, TaxClasses, parse_group
from activereach.catalog.csv_read import CsvFileError, Header, RecordReader, groups, read_header
from activereach.catalog.models import CatalogImport, TaxClass
from activereach.jobs.service import enqueue
from activereach.kit.db import utcnow
from activereach.kit.errors import NotFound, Unprocessable
from activereach.kit.ids import new_id
from activereach.tenancy.models import Location, Workspace

MAX_STORED_ERRORS = 1000
APPLY_BATCH = 500


@dataclass
class Chunk:
    offset: int
    line: int
    done: bool
    result: BatchResult = field(default_factory=BatchResult)
    file_error: CsvFileError | None = None


async def tax_classes(session: AsyncSession, ws: str) -> TaxClasses:
    rows = (await session.scalars(select(TaxClass).where(
        TaxClass.workspace_id == ws, TaxClass.deleted_at.is_(None)))).all()
    by_rate: dict[Decimal, list[str]] = {}
    for row in rows:
        by_rate.setdefault(Decimal(row.rate).normalize(), []).append(row.id)
    return TaxClasses(by_name={row.name.lower(): row.id for row in rows}, by_rate=by_rate)


async def outlet_codes(session: AsyncSession, ws: str, header: Header) -> dict[str, str]:
    """Outlet key -> id for the file's stock columns; an unknown outlet fails the file.

    Another system's export names its stores (Square, Loyverse): a column matches an outlet
    by code, else by a name only one outlet has; one that matches none is dropped from the
    header and listed as ignored, since a store we do not run is no error in that file."""
    rows = (await session.execute(select(Location.code, Location.name, Location.id).where(
        Location.workspace_id == ws))).all()
    known = {code: id_ for code, _, id_ in rows}
    if not header.stock_by_name:
        for code in header.stock:
            if code not in known:
                raise CsvFileError(f"stock:{code}",
                                   f"unknown location (no outlet with code {code!r})")
        return {code: known[code] for code in header.stock}
    named: dict[str, list[str]] = {}
    for _, name, id_ in rows:
        named.setdefault(name.strip().lower(), []).append(id_)
    found: dict[str, str] = {}
    for key in list(header.stock):
        by_name = named.get(key.lower(), [])
        outlet = known.get(key) or (by_name[0] if len(by_name) == 1 else None)
        if outlet is None:
            header.ignored.append(header.column_label(f"stock:{key}"))  # once: pruned here
            del header.stock[key]
        else:
            found[key] = outlet
    return found


def file_error(exc: CsvFileError) -> Unprocessable:
    return Unprocessable(f"CSV line {exc.line}, column {exc.column}: {exc.reason}",
                         code="invalid_csv",
                         details=[{"line": exc.line, "column": exc.column, "reason": exc.reason}])


async def check_file(session: AsyncSession, ws: str, stream: BinaryIO) -> tuple[Header, int, int]:
    """Header, delimiter, encoding of the header and outlet columns: a 422 before any work."""
    try:
        header, offset, line = read_header(stream)
        await outlet_codes(session, ws, header)
    except CsvFileError as exc:
        raise file_error(exc) from exc
    return header, offset, line


async def run_chunk(session: AsyncSession, workspace: Workspace, stream: BinaryIO,
                    header: Header, *, offset: int, line: int, max_rows: int) -> Chunk:
    ws = workspace.id
    taxes = await tax_classes(session, ws)
    locations = await outlet_codes(session, ws, header)
    reader = RecordReader(stream, offset=offset, line=line)
    chunk = Chunk(offset=offset, line=line, done=True)
    specs: list[ProductSpec] = []
    rows = 0
    try:
        for group, next_offset, next_line in groups(reader, header):
            spec, problems = parse_group(group, header, taxes, workspace.currency)
            chunk.result.add("rows", len(group.rows))
            if problems:
                chunk.result.problems.extend(problems)
                chunk.result.problems.append({
                    "line": group.start_line, "column": "handle",
                    "reason": f"product {group.handle!r} skipped: its rows have errors; "
                              "nothing of it was applied"})
                chunk.result.add("products_failed")
            elif spec is not None:
                specs.append(spec)
            chunk.offset, chunk.line = next_offset, next_line
            rows += len(group.rows)
            if len(specs) >= APPLY_BATCH:
                await apply_batch(session, ws, specs, locations, chunk.result)
                specs = []
            if rows >= max_rows:
                chunk.done = False
                break
    except CsvFileError as exc:
        chunk.file_error, chunk.done = exc, True
    await apply_batch(session, ws, specs, locations, chunk.result)
    chunk.result.problems = [header.label(p) for p in chunk.result.problems]
    return chunk


# --- the import row (API uploads and CLI runs) ---------------------------------------------

async def create_import(session: AsyncSession, workspace: Workspace, *, filename: str,
                        content: bytes | None, size: int, source: str) -> CatalogImport:
    stream = io.BytesIO(content) if content is not None else None
    offset, line = 0, 1
    if stream is not None:
        _, offset, line = await check_file(session, workspace.id, stream)
    row = CatalogImport(workspace_id=workspace.id, id=new_id("imp"), filename=filename[:300],
                        source=source, status="queued", content=content, size=size,
                        offset=offset, line=line, counts={}, errors=[], created_at=utcnow())
    session.add(row)
    await session.flush()
    if content is not None:
        await enqueue(session, kind="catalog.import", workspace_id=workspace.id,
                      payload={"import_id": row.id, "offset": offset},
                      dedupe_key=f"catalog.import:{row.id}:{offset}")
    return row


def record_chunk(row: CatalogImport, chunk: Chunk) -> None:
    counts = dict(row.counts or {})
    for key, value in chunk.result.counts.items():
        counts[key] = counts.get(key, 0) + value
    counts["errors"] = counts.get("errors", 0) + len(chunk.result.problems)
    row.counts = counts
    room = MAX_STORED_ERRORS - len(row.errors or [])
    if room > 0 and chunk.result.problems:
        row.errors = list(row.errors or []) + chunk.result.problems[:room]
    row.offset, row.line = chunk.offset, chunk.line
    if chunk.file_error is not None:
        exc = chunk.file_error
        row.error = f"line {exc.line}, column {exc.column}: {exc.reason}"[:1000]
        row.status, row.finished_at = "failed", utcnow()
    elif chunk.done:
        row.status, row.finished_at = "done", utcnow()
    else:
        row.status = "running"


async def recent_imports(session: AsyncSession, ws: str, limit: int = 5) -> list[CatalogImport]:
    """The newest imports of a workspace (ids are time-ordered), for the console's list."""
    return list((await session.scalars(select(CatalogImport).where(
        CatalogImport.workspace_id == ws).order_by(CatalogImport.id.desc()).limit(limit))).all())


async def get_import(session: AsyncSession, ws: str, import_id: str) -> CatalogImport:
    row = await session.get(CatalogImport, (ws, import_id))
    if row is None:
        raise NotFound(f"no catalog import {import_id!r}")
    return row


def import_doc(row: CatalogImport) -> dict[str, Any]:
    progress = round(min(row.offset / row.size, 1.0), 4) if row.size else 1.0
    return {"id": row.id, "filename": row.filename, "source": row.source, "status": row.status,
            "size": row.size, "bytes_read": row.offset,
            "progress": 1.0 if row.status == "done" else progress, "line": row.line,
            "counts": row.counts, "errors": row.errors, "error": row.error,
            "created_at": row.created_at.isoformat(),
            "finished_at": row.finished_at.isoformat() if row.finished_at else None}
