"""Catalog: product list (search by name/SKU/barcode, pages), product edit (brand tier, or an
outlet's price overrides with an outlet chip), CSV import running as the ``catalog.import`` job
with a progress page and the row report."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import UploadFile

from activereach.catalog import imports, views
from activereach.catalog import service as catalog
from activereach.catalog.models import CatalogImport, Product, Variant
from activereach.console import catalog as forms
from activereach.console.auth import Console, console
from activereach.console.csrf import form_with_csrf
from activereach.console.web import flash, page, redirect
from activereach.kit.errors import Unprocessable
from activereach.kit.http import read, write

router = APIRouter(include_in_schema=False)
Con = Annotated[Console, Depends(console)]
BASE = "/dashboard/{workspace}/catalog"
PAGE_SIZE = 50


async def _listing(con: Con, q: str, cursor: str | None, status_code: int = 200,
                   **extra: Any) -> HTMLResponse:
    ws = con.workspace.id

    async def load(session: AsyncSession) -> tuple[
            dict[str, Any], dict[str, dict[str, Any]], list[CatalogImport]]:
        found = await views.list_products(session, ws, category=None, active=None,
                                          updated_since=None, q=q or None, cursor=cursor,
                                          limit=PAGE_SIZE)
        ids = [v["id"] for p in found["data"] for v in p["variants"]]
        outlet = (await views.outlet_figures(session, ws, con.location.id, ids)
                  if con.location else {})
        for figures in outlet.values():
            figures["stock"] = forms.quantity(figures["stock"])
        return found, outlet, await imports.recent_imports(session, ws)
    found, outlet, recent = await read(con.request, load)
    return page(con, "console/catalog.html", "catalog", status_code=status_code, q=q,
                products=found["data"], next_cursor=found["next_cursor"],
                first_page=cursor is None, outlet=outlet, imports=recent,
                import_error=extra.pop("import_error", None), **extra)


@router.get(BASE, response_class=HTMLResponse)
async def catalog_list(con: Con, q: str = Query(default="", max_length=200),
                       cursor: str | None = Query(default=None, max_length=60)) -> HTMLResponse:
    return await _listing(con, q.strip(), cursor)


async def _product(con: Console, product_id: str) -> tuple[Any, list[Any], dict[str, Any] | None]:
    ws = con.workspace.id

    async def load(session: AsyncSession) -> tuple[
            Product, list[Variant], dict[str, dict[str, Any]] | None]:
        product = await catalog.get_product(session, ws, product_id)
        variants = await catalog.live_variants(session, ws, product.id)
        outlet = (await views.outlet_figures(session, ws, con.location.id,
                                             [v.id for v in variants])
                  if con.location else None)
        return product, variants, outlet
    return await read(con.request, load)


def _edit_page(con: Console, product: Any, variants: list[Any], outlet: dict[str, Any] | None,
               values: dict[str, str], errors: dict[str, str],
               status_code: int = 200) -> HTMLResponse:
    return page(con, "console/catalog_product.html", "catalog", status_code=status_code,
                product=product, variants=variants, outlet=outlet, values=values, errors=errors,
                currency=con.workspace.currency)


@router.get(BASE + "/products/{product_id}", response_class=HTMLResponse)
async def product_edit(product_id: str, con: Con) -> HTMLResponse:
    product, variants, outlet = await _product(con, product_id)
    values = forms.form_values(product, variants, con.workspace.currency, outlet)
    return _edit_page(con, product, variants, outlet, values, {})


@router.post(BASE + "/products/{product_id}", response_model=None)
async def product_save(product_id: str, con: Con) -> HTMLResponse | RedirectResponse:
    form = await form_with_csrf(con.request)
    con.require_write()
    product, variants, outlet = await _product(con, product_id)
    parsed = forms.parse_form(form, variants, con.workspace.currency, con.location is not None)
    if not parsed.errors:
        ws = con.workspace.id
        try:
            if con.location is not None:
                location_id = con.location.id
                await write(con.request, lambda s: forms.save_outlet(s, ws, location_id, parsed))
            else:
                await write(con.request, lambda s: forms.save_brand(s, ws, product_id, parsed))
        except forms.FieldError as exc:
            parsed.errors[exc.name] = exc.message
    if parsed.errors:
        values = {k: v for k, v in form.items() if k != "csrf_token"}
        return _edit_page(con, product, variants, outlet, values, parsed.errors, 422)
    where = f" at {con.location.name}" if con.location else ""
    flash(con.request, f"Product {parsed.title or product.title} saved{where}.")
    return redirect(con.url(f"catalog/products/{product_id}"))


@router.post(BASE + "/imports", response_model=None)
async def upload(con: Con) -> HTMLResponse | RedirectResponse:
    """The CSV is checked up front (encoding, delimiter, columns, outlets: a 422 naming the
    column), stored, and run by the ``catalog.import`` job in chunks."""
    await form_with_csrf(con.request)
    con.require_write()
    upload_file = (await con.request.form()).get("file")
    content = await upload_file.read() if isinstance(upload_file, UploadFile) else b""
    if not content:
        return await _listing(con, "", None, 422, import_error="file: choose a CSV file to import")
    filename = (upload_file.filename if isinstance(upload_file, UploadFile) else "") or "upload.csv"
    total = forms.count_rows(content)
    workspace = con.workspace

    async def run(session: AsyncSession) -> str:
        row = await imports.create_import(session, workspace, filename=filename,
                                          content=content, size=len(content), source="console")
        if total is not None:
            row.counts = {"rows_total": total}
        return row.id
    try:
        import_id = await write(con.request, run)
    except Unprocessable as exc:
        return await _listing(con, "", None, 422, import_error=f"file: {exc.message}")
    flash(con.request, f"Import of {filename} started.")
    return redirect(con.url(f"catalog/imports/{import_id}"))


@router.get(BASE + "/imports/{import_id}", response_class=HTMLResponse)
async def import_status(import_id: str, con: Con) -> HTMLResponse:
    """Progress while it runs (the page refreshes itself, no script needed), then the report."""
    row = await read(con.request, lambda s: imports.get_import(s, con.workspace.id, import_id))
    counts = dict(row.counts or {})
    total = counts.get("rows_total")
    done = counts.get("rows", 0)
    if row.status == "done":
        total = done if total is None else total
    running = row.status in {"queued", "running"}
    return page(con, "console/catalog_import.html", "catalog", imp=row, counts=counts,
                rows_done=done, rows_total=total, running=running,
                doc=imports.import_doc(row))
