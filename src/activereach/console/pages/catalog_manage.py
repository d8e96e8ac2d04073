"""Catalog management pages: new product (options → variant grid, two steps without script),
add a variant, archive / unarchive a product or a variant (with a confirmation page), and the
streamed CSV export.  Every write is audited in its own transaction."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, RedirectResponse, StreamingResponse
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.catalog import manage
from activereach.catalog.rules import decimal_text, suggest_sku
from activereach.catalog import service as catalog
from activereach.catalog.csv_export import export_text
from activereach.catalog.models import Product, TaxClass, Variant
from activereach.catalog.schemas import ProductIn, VariantIn
from activereach.console import catalog_new as forms
from activereach.console.audit import Target, audited
from activereach.console.auth import Console, console
from activereach.console.csrf import form_with_csrf
from activereach.console.web import flash, page, redirect
from activereach.kit.errors import AppError
from activereach.kit.http import database, read, write

router = APIRouter(include_in_schema=False)
Con = Annotated[Console, Depends(console)]
BASE = "/dashboard/{workspace}/catalog"


def _new_page(con: Console, taxes: list[TaxClass], values: dict[str, str],
              draft: forms.Draft | None, status_code: int = 200,
              grid: list[list[str]] | None = None) -> HTMLResponse:
    return page(con, "console/catalog_new.html", "catalog", status_code=status_code,
                taxes=[(t.id, f"{t.name} ({decimal_text(t.rate)} %)") for t in taxes],
                values=values, errors=draft.errors if draft else {},
                grid=grid, draft=draft, currency=con.workspace.currency,
                slots=list(forms.OPTION_SLOTS))


@router.get(BASE + "/new", response_class=HTMLResponse)
async def new_product(con: Con) -> HTMLResponse:
    con.require_write()
    taxes = await read(con.request, lambda s: manage.list_tax_classes(s, con.workspace.id))
    return _new_page(con, taxes, {}, None)


@router.post(BASE + "/new", response_model=None)
async def new_product_step(con: Con) -> HTMLResponse | RedirectResponse:
    """``step=grid`` checks step 1 and shows the grid; ``step=create`` creates the product."""
    form = await form_with_csrf(con.request)
    con.require_write()
    taxes = await read(con.request, lambda s: manage.list_tax_classes(s, con.workspace.id))
    values = {k: v for k, v in form.items() if k != "csrf_token"}
    draft = forms.parse_draft(form, {t.id for t in taxes})
    if draft.errors:
        return _new_page(con, taxes, values, draft, 422)
    grid = draft.grid()
    if form.get("step") != "create":
        values = {**values, **forms.grid_values(draft), "handle": draft.handle}
        return _new_page(con, taxes, values, draft, grid=grid)
    body = forms.parse_grid(form, draft, con.workspace.currency)
    if body is not None:
        try:
            product_id = await write(con.request, lambda s: _create(s, con, body, taxes))
        except AppError as exc:
            draft.errors[forms.service_field(exc)] = forms.service_message(exc)
        else:
            flash(con.request, f"Product {body.title} created with "
                               f"{len(body.variants)} variant(s).")
            return redirect(con.url(f"catalog/products/{product_id}"))
    return _new_page(con, taxes, values, draft, 422, grid=grid)


async def _create(session: AsyncSession, con: Console, body: ProductIn,
                  taxes: list[TaxClass]) -> str:
    product, variants, created = await catalog.create_product(session, con.workspace.id, body)
    if not created:
        raise AppError("a product with this handle already exists",
                       details={"field": "handle"})
    tax = next((t.name for t in taxes if t.id == body.tax_class_id), None)
    await audited(session, con, "catalog.product.create", Target("product", product.id,
                                                                 product.title),
                  after={"title": product.title, "handle": product.handle,
                         "category": product.category, "tax_class": tax,
                         "options": " × ".join(body.option_names) or None,
                         "variants": ", ".join(v.sku or v.name for v in variants)})
    return product.id


# --- add a variant -----------------------------------------------------------------------

async def _product(con: Console, product_id: str) -> tuple[Product, list[Variant]]:
    async def load(session: AsyncSession) -> tuple[Product, list[Variant]]:
        product = await catalog.get_product(session, con.workspace.id, product_id)
        return product, await catalog.live_variants(session, con.workspace.id, product.id)
    return await read(con.request, load)


def _variant_page(con: Console, product: Product, values: dict[str, str],
                  errors: dict[str, str], status_code: int = 200) -> HTMLResponse:
    return page(con, "console/catalog_variant_new.html", "catalog", status_code=status_code,
                product=product, values=values, errors=errors, currency=con.workspace.currency)


@router.get(BASE + "/products/{product_id}/variants/new", response_class=HTMLResponse)
async def new_variant(product_id: str, con: Con) -> HTMLResponse:
    con.require_write()
    product, _ = await _product(con, product_id)
    return _variant_page(con, product, {}, {})


@router.post(BASE + "/products/{product_id}/variants/new", response_model=None)
async def add_variant(product_id: str, con: Con) -> HTMLResponse | RedirectResponse:
    form = await form_with_csrf(con.request)
    con.require_write()
    product, _ = await _product(con, product_id)
    errors: dict[str, str] = {}
    options = []
    for index, name in enumerate(product.option_names):
        value = form.get(f"opt-{index}", "").strip()
        if not value:
            errors[f"opt-{index}"] = f"Enter the {name}"
        options.append(value)
    body = forms.parse_variant(form, "", options, con.workspace.currency, errors)
    if body is not None and not body.sku and not errors:
        body.sku = suggest_sku(product.handle, options)
    if body is not None and not errors:
        try:
            await write(con.request, lambda s: _add(s, con, product, body))
        except AppError as exc:
            field = forms.service_field(exc)
            errors["opt-0" if "options" in (exc.message + field) else
                   (field if field in ("sku", "barcode", "price") else "form")] = \
                forms.service_message(exc)
        else:
            flash(con.request, f"Variant {body.sku} added to {product.title}.")
            return redirect(con.url(f"catalog/products/{product.id}"))
    values = {k: v for k, v in form.items() if k != "csrf_token"}
    return _variant_page(con, product, values, errors, 422)


async def _add(session: AsyncSession, con: Console, product: Product, body: VariantIn) -> None:
    variant, created = await catalog.add_variant(session, con.workspace.id, product.id, body)
    if not created:
        raise AppError("this variant already exists", details={"field": "sku"})
    await audited(session, con, "catalog.variant.create",
                  Target("variant", variant.id, f"{product.title} · {variant.sku}"),
                  after={"sku": variant.sku, "options": variant.name, "price": variant.price,
                         "barcode": variant.barcode})


# --- archive / unarchive -----------------------------------------------------------------

def _confirm(con: Console, title: str, text: str, action: str, back: str,
             button: str) -> HTMLResponse:
    return page(con, "console/catalog_confirm.html", "catalog", title=title, text=text,
                action=action, back=back, button=button)


@router.get(BASE + "/products/{product_id}/archive", response_class=HTMLResponse)
async def archive_confirm(product_id: str, con: Con) -> HTMLResponse:
    con.require_write()
    product, variants = await _product(con, product_id)
    return _confirm(con, f"Archive {product.title}?",
                    f"Tills stop selling {product.title} and its {len(variants)} variant(s) on "
                    "their next catalog sync, and it leaves the catalog list (filter "
                    "“Archived” finds it). Orders, stock and history stay; you can unarchive it.",
                    con.url(f"catalog/products/{product.id}/archive"),
                    con.url(f"catalog/products/{product.id}"), "Archive product")


@router.post(BASE + "/products/{product_id}/archive", response_model=None)
async def archive_product(product_id: str, con: Con) -> RedirectResponse:
    return await _set_product(con, product_id, False)


@router.post(BASE + "/products/{product_id}/unarchive", response_model=None)
async def unarchive_product(product_id: str, con: Con) -> RedirectResponse:
    return await _set_product(con, product_id, True)


async def _set_product(con: Console, product_id: str, active: bool) -> RedirectResponse:
    await form_with_csrf(con.request)
    con.require_write()
    verb = "unarchive" if active else "archive"

    async def run(session: AsyncSession) -> Product:
        product, changed = await manage.set_product_active(session, con.workspace.id,
                                                           product_id, active)
        if changed:
            await audited(session, con, f"catalog.product.{verb}",
                          Target("product", product.id, product.title),
                          before={"archived": active}, after={"archived": not active})
        return product
    product = await write(con.request, run)
    flash(con.request, f"{product.title} {verb}d." + ("" if active else
                                                      " Tills drop it on their next sync."))
    return redirect(con.url(f"catalog/products/{product.id}"))


@router.get(BASE + "/variants/{variant_id}/archive", response_class=HTMLResponse)
async def archive_variant_confirm(variant_id: str, con: Con) -> HTMLResponse:
    con.require_write()
    variant = await read(con.request, lambda s: catalog.get_variant(s, con.workspace.id,
                                                                    variant_id))
    label = variant.sku or variant.name
    return _confirm(con, f"Archive the variant {label}?",
                    f"Tills stop selling {label} on their next catalog sync; the product's "
                    "other variants stay on sale. You can unarchive it.",
                    con.url(f"catalog/variants/{variant.id}/archive"),
                    con.url(f"catalog/products/{variant.product_id}"), "Archive variant")


@router.post(BASE + "/variants/{variant_id}/archive", response_model=None)
async def archive_variant(variant_id: str, con: Con) -> RedirectResponse:
    return await _set_variant(con, variant_id, False)


@router.post(BASE + "/variants/{variant_id}/unarchive", response_model=None)
async def unarchive_variant(variant_id: str, con: Con) -> RedirectResponse:
    return await _set_variant(con, variant_id, True)


async def _set_variant(con: Console, variant_id: str, active: bool) -> RedirectResponse:
    await form_with_csrf(con.request)
    con.require_write()
    verb = "unarchive" if active else "archive"

    async def run(session: AsyncSession) -> Variant:
        variant, changed = await manage.set_variant_active(session, con.workspace.id,
                                                           variant_id, active)
        if changed:
            await audited(session, con, f"catalog.variant.{verb}",
                          Target("variant", variant.id, variant.sku or variant.name),
                          before={"archived": active}, after={"archived": not active})
        return variant
    variant = await write(con.request, run)
    flash(con.request, f"Variant {variant.sku or variant.name} {verb}d.")
    return redirect(con.url(f"catalog/products/{variant.product_id}"))


# --- export ------------------------------------------------------------------------------

@router.get(BASE + "/export.csv")
async def export_csv(con: Con) -> StreamingResponse:
    """The whole catalog in the import's format (re-importing it changes nothing), streamed
    product page by product page from one read session."""
    db = database(con.request)
    workspace = con.workspace

    async def body() -> AsyncIterator[bytes]:
        async with db.read_session() as session:
            async for text in export_text(session, workspace):
                yield text.encode()
    filename = f"{workspace.slug}-catalog.csv"
    return StreamingResponse(body(), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{filename}"'})
