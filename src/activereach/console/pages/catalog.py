"""Catalog: product list (search by name/SKU/barcode, pages), product edit (brand tier, or an
outlet's price overrides with an outlet chip), CSV import running as the ``catalog.import`` job
with a progress page and the row report."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import UploadFile

from activereach.catalog import imports, views
from activereach.catalog import service as catalog
from activereach.catalog.models import CatalogImport, Product, Variant
from activereach.console import catalog as forms
from activereach.console.audit import Target, audited
from activereach.console.auth import Console, console
from activereach.console.csrf import form_with_csrf
from activereach.console.web import flash, page, redirect
from activereach.kit.errors import Unprocessable
from activereach.kit.http import read, write

router = APIRouter(include_in_schema=False)
Con = Annotated[Console, Depends(console)]
BASE = "/dashboard/{workspace}/catalog"
# The one console path whose body may exceed ``max_body_bytes`` (``catalog_upload_max_bytes``).
UPLOAD_PATHS = re.compile(r"^/dashboard/[^/]+/catalog/imports$")
PAGE_SIZE = 50


STATUSES = {"active": True, "archived": False, "all": None}


async def _listing(con: Con, q: str, cursor: str | None, status_code: int = 200,
                   status: str = "active", **extra: Any) -> HTMLResponse:
    ws = con.workspace.id
    active = STATUSES.get(status, True)

    async def load(session: AsyncSession) -> tuple[
            dict[str, Any], dict[str, dict[str, Any]], list[CatalogImport]]:
        found = await views.list_products(session, ws, category=None, active=active,
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
                status=status if status in STATUSES else "active",
                upload_limit=con.request.app.state.settings.catalog_upload_max_bytes,
                import_error=extra.pop("import_error", None), **extra)


@router.get(BASE, response_class=HTMLResponse)
async def catalog_list(con: Con, q: str = Query(default="", max_length=200),
                       cursor: str | None = Query(default=None, max_length=60),
                       status: str = Query(default="active", max_length=10)) -> HTMLResponse:
    return await _listing(con, q.strip(), cursor, status=status)


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
        try:
            await write(con.request, lambda s: _save(s, con, product_id, parsed))
        except forms.FieldError as exc:
            parsed.errors[exc.name] = exc.message
    if parsed.errors:
        values = {k: v for k, v in form.items() if k != "csrf_token"}
        return _edit_page(con, product, variants, outlet, values, parsed.errors, 422)
    where = f" at {con.location.name}" if con.location else ""
    flash(con.request, f"Product {parsed.title or product.title} saved{where}.")
    return redirect(con.url(f"catalog/products/{product_id}"))


async def _save(session: AsyncSession, con: Console, product_id: str,
                parsed: forms.ProductForm) -> None:
    """The brand tier or the outlet's prices, audited with what each field was before."""
    ws, currency = con.workspace.id, con.workspace.currency
    product = await catalog.get_product(session, ws, product_id)
    variants = await catalog.live_variants(session, ws, product_id)
    labels = {v.id: v.sku or v.name or v.id for v in variants}
    if con.location is None:
        before = forms.snapshot(product, variants, currency)
        await forms.save_brand(session, ws, product_id, parsed)
        after = forms.snapshot(product, await catalog.live_variants(session, ws, product_id),
                               currency)
        await audited(session, con, "catalog.product.update",
                      Target("product", product.id, product.title), before=before, after=after)
        return
    location = con.location
    old = await views.outlet_figures(session, ws, location.id, list(labels))
    await forms.save_outlet(session, ws, location.id, parsed)
    await audited(session, con, "catalog.price_override.update",
                  Target("product", product.id, product.title),
                  before={f"price {labels[k]}": forms.major(v["price"], currency) or None
                          for k, v in old.items()},
                  after={f"price {labels[k]}": forms.major(p, currency) or None
                         for k, p in parsed.prices.items()},
                  note=f"prices at {location.name}")


def _mib(size: int) -> str:
    return f"{size / 1_048_576:.1f} MiB"


@router.post(BASE + "/imports", response_model=None)
async def upload(con: Con) -> HTMLResponse | RedirectResponse:
    """The CSV is checked up front (encoding, delimiter, columns, outlets: a 422 naming the
    column), stored, and run by the ``catalog.import`` job in chunks.  The body guard lets this
    path through up to ``catalog_upload_max_bytes`` and flags a bigger one."""
    limit = con.request.app.state.settings.catalog_upload_max_bytes
    too_large = con.request.scope.get("state", {}).get("upload_too_large")
    if too_large:
        # Nothing was kept and nothing is written, so no CSRF check is needed to say so.
        return await _listing(con, "", None, 413, import_error=(
            f"file: this upload is {_mib(too_large)}; the console takes files up to "
            f"{_mib(limit)}. Split the file, or import it with `activereach catalog import`."))
    await form_with_csrf(con.request)
    con.require_write()
    upload_file = (await con.request.form()).get("file")
    content = await upload_file.read() if isinstance(upload_file, UploadFile) else b""
    if not content:
        return await _listing(con, "", None, 422, import_error="file: choose a CSV file to import")
    filename = (upload_file.filename if isinstance(upload_file, UploadFile) else "") or "upload.csv"
    total = forms.count_rows(content)

    async def run(session: AsyncSession) -> str:
        row = await imports.create_import(session, con.workspace, filename=filename,
                                          content=content, size=len(content), source="console")
        if total is not None:
            row.counts = {"rows_total": total}
        await audited(session, con, "catalog.import.start", Target("import", row.id, filename),
                      after={"file": filename, "size": _mib(len(content)), "rows": total})
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
