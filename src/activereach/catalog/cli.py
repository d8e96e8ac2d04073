"""``activereach catalog import|export``: CSV in and out of a workspace's catalog.

The import streams the file in chunks of whole products, one transaction per chunk, with a
progress bar over the bytes read; the report (line, column, reason) is printed at the end.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from activereach.config import get_settings
from activereach.kit import csv_safe
from activereach.kit.db import Database, unit_of_work

if TYPE_CHECKING:  # imported where used, to keep the CLI's start-up light
    from sqlalchemy.ext.asyncio import AsyncSession

    from activereach.tenancy.models import Workspace

catalog_app = typer.Typer(help="Catalog CSV import and export", no_args_is_help=True)
err = Console(stderr=True)
ROWS_PER_TRANSACTION = 5000


async def run_import(db: Database, slug: str, path: Path, *, progress: Any = None,
                     rows_per_transaction: int = ROWS_PER_TRANSACTION) -> dict[str, Any]:
    """Import ``path`` into workspace ``slug``; returns the import document (also used by bench)."""
    from activereach.catalog.csv_read import read_header
    from activereach.catalog.imports import create_import, import_doc, record_chunk, run_chunk
    from activereach.tenancy.service import workspace_by_slug

    size = path.stat().st_size
    with path.open("rb") as stream:
        async def start(session: AsyncSession) -> tuple[Workspace, str]:
            workspace = await workspace_by_slug(session, slug)
            if workspace is None:
                raise typer.BadParameter(f"no workspace {slug!r}", param_hint="--workspace")
            from activereach.catalog.imports import check_file
            _, offset, line = await check_file(session, workspace.id, stream)
            row = await create_import(session, workspace, filename=path.name, content=None,
                                      size=size, source="cli")
            row.offset, row.line, row.status = offset, line, "running"
            return workspace, row.id

        workspace, import_id = await unit_of_work(db, start)
        header, _, _ = read_header(stream)
        while True:
            async def step(session: AsyncSession) -> dict[str, Any]:
                from activereach.catalog.imports import get_import
                row = await get_import(session, workspace.id, import_id)
                chunk = await run_chunk(session, workspace, stream, header, offset=row.offset,
                                        line=row.line, max_rows=rows_per_transaction)
                record_chunk(row, chunk)
                return import_doc(row)
            doc = await unit_of_work(db, step, attempts=1)
            if progress is not None:
                progress(doc["bytes_read"], size)
            if doc["status"] in {"done", "failed"}:
                return doc


@catalog_app.command("import")
def import_command(file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True),
                   workspace: str = typer.Option(..., "--workspace", help="workspace slug")) -> None:
    """Import a catalog CSV (handle, title, options, SKU, barcode, price, tax, stock:<outlet>)."""
    from activereach.kit.errors import AppError
    from activereach.ops.migrate import upgrade
    url = get_settings().resolved_database_url()
    upgrade(url)
    columns = (TextColumn("[bold]importing"), BarColumn(), DownloadColumn(), TimeRemainingColumn())

    async def main() -> dict[str, Any]:
        db = Database(url)
        try:
            with Progress(*columns, console=err) as bar:
                task = bar.add_task("import", total=file.stat().st_size)
                return await run_import(db, workspace, file, progress=lambda done, total:
                                        bar.update(task, completed=done))
        finally:
            await db.dispose()
    try:
        doc = asyncio.run(main())
    except AppError as exc:
        err.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(2) from exc
    _print_report(doc)
    if doc["status"] == "failed":
        raise typer.Exit(2)
    if doc["errors"]:
        raise typer.Exit(1)


def _print_report(doc: dict[str, Any]) -> None:
    table = Table(title=f"import {doc['id']}: {doc['status']}")
    table.add_column("figure")
    table.add_column("count", justify="right")
    for key, value in sorted(doc["counts"].items()):
        table.add_row(key, str(value))
    err.print(table)
    if doc["error"]:
        err.print(f"[red]file error: {doc['error']}[/red]")
    for problem in doc["errors"][:50]:
        err.print(f"  line {problem['line']}, {problem['column']}: {problem['reason']}")
    if len(doc["errors"]) > 50:
        err.print(f"  … {len(doc['errors']) - 50} more")


@catalog_app.command("export")
def export_command(file: Path = typer.Argument(..., dir_okay=False, help="output file, - for stdout"),
                   workspace: str = typer.Option(..., "--workspace", help="workspace slug")) -> None:
    """Export the catalog in the same CSV format the import reads."""
    from activereach.catalog.csv_export import export_rows
    from activereach.ops.migrate import upgrade
    from activereach.tenancy.service import workspace_by_slug
    url = get_settings().resolved_database_url()
    upgrade(url)

    async def main() -> int:
        db = Database(url)
        out = sys.stdout if str(file) == "-" else file.open("w", newline="", encoding="utf-8")
        try:
            async with db.read_session() as session:
                ws = await workspace_by_slug(session, workspace)
                if ws is None:
                    raise typer.BadParameter(f"no workspace {workspace!r}", param_hint="--workspace")
                writer = csv_safe.writer(out, lineterminator="\n")
                count = -1
                async for row in export_rows(session, ws):
                    writer.writerow(row)
                    count += 1
                return count
        finally:
            if out is not sys.stdout:
                out.close()
            await db.dispose()
    rows = asyncio.run(main())
    err.print(f"[green]{rows} variant row(s) written[/green]")
