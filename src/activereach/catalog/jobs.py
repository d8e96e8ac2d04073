"""Catalog jobs: one chunk of an uploaded CSV import per job, and pruning the change log."""

from __future__ import annotations

import io

from sqlalchemy.ext.asyncio import AsyncSession

from activereach.catalog import changes
from activereach.catalog.csv_read import CsvFileError, read_header
from activereach.catalog.imports import Chunk, record_chunk, run_chunk
from activereach.catalog.models import CatalogImport
from activereach.jobs.models import Job
from activereach.jobs.registry import job
from activereach.jobs.service import enqueue
from activereach.tenancy.models import Workspace

ROWS_PER_JOB = 5000


@job("catalog.import")
async def import_chunk(session: AsyncSession, job_row: Job) -> None:
    ws = job_row.workspace_id or ""
    row = await session.get(CatalogImport, (ws, job_row.payload["import_id"]))
    # A stale or repeated job (the chunk already committed) finds the offset moved on.
    if row is None or row.status in {"done", "failed"} or row.content is None \
            or row.offset != job_row.payload["offset"]:
        return
    workspace = await session.get(Workspace, ws)
    assert workspace is not None  # the workspace the import was made in; a miss fails as before
    stream = io.BytesIO(row.content)
    try:
        header, _, _ = read_header(stream)
    except CsvFileError as exc:
        record_chunk(row, Chunk(offset=row.offset, line=row.line, done=True, file_error=exc))
        return
    chunk = await run_chunk(session, workspace, stream, header, offset=row.offset,
                            line=row.line, max_rows=ROWS_PER_JOB)
    record_chunk(row, chunk)
    if row.status == "done" or row.status == "failed":
        row.content = None  # the report stays; the bytes are no longer needed
        return
    await enqueue(session, kind="catalog.import", workspace_id=ws,
                  payload={"import_id": row.id, "offset": row.offset},
                  dedupe_key=f"catalog.import:{row.id}:{row.offset}")


@job("catalog.prune_changes")
async def prune_changes(session: AsyncSession, job_row: Job) -> None:
    if job_row.workspace_id:
        await changes.prune(session, job_row.workspace_id)
