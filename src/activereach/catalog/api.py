"""Admin routes for the catalog: tax classes, products, variants, outlet prices and stock."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.catalog import inventory, service, views
from activereach.catalog.schemas import (
    PriceOverrideIn,
    ProductIn,
    ProductPatch,
    StockAdjustmentIn,
    TaxClassIn,
    TaxClassPatch,
    VariantIn,
    VariantPatch,
)
from activereach.kit.error_docs import REPLAYED
from activereach.kit.http import read, write
from activereach.tenancy.auth import AdminAuth

router = APIRouter(prefix="/v1/catalog", tags=["catalog"])
Limit = Query(default=50, ge=1, le=500)
Cursor = Query(default=None, max_length=100)


def _created(doc: dict[str, Any], created: bool) -> JSONResponse:
    return JSONResponse(doc, status_code=201 if created else 200)


# --- tax classes -------------------------------------------------------------------------

@router.get("/tax-classes")
async def list_tax_classes(principal: AdminAuth, request: Request, cursor: str | None = Cursor,
                           limit: int = Limit) -> dict[str, Any]:
    return await read(request, lambda s: views.list_tax_classes(
        s, principal.workspace.id, cursor=cursor, limit=limit))


@router.post("/tax-classes", status_code=201, responses=REPLAYED)
async def create_tax_class(body: TaxClassIn, principal: AdminAuth, request: Request) -> Any:
    row, created = await write(request, lambda s: service.create_tax_class(
        s, principal.workspace.id, body))
    return _created(views.tax_class_doc(row), created)


@router.get("/tax-classes/{tax_id}")
async def show_tax_class(tax_id: str, principal: AdminAuth, request: Request) -> dict[str, Any]:
    row = await read(request, lambda s: service.get_tax_class(s, principal.workspace.id, tax_id))
    return views.tax_class_doc(row)


@router.patch("/tax-classes/{tax_id}")
async def update_tax_class(tax_id: str, body: TaxClassPatch, principal: AdminAuth,
                           request: Request) -> dict[str, Any]:
    row = await write(request, lambda s: service.update_tax_class(
        s, principal.workspace.id, tax_id, body))
    return views.tax_class_doc(row)


@router.delete("/tax-classes/{tax_id}")
async def delete_tax_class(tax_id: str, principal: AdminAuth, request: Request) -> dict[str, Any]:
    row = await write(request, lambda s: service.delete_tax_class(s, principal.workspace.id, tax_id))
    return views.tax_class_doc(row)


# --- products ----------------------------------------------------------------------------

@router.get("/products")
async def list_products(principal: AdminAuth, request: Request,
                        category: str | None = Query(default=None, max_length=200),
                        active: bool | None = None, updated_since: AwareDatetime | None = None,
                        q: str | None = Query(default=None, min_length=1, max_length=100),
                        cursor: str | None = Cursor, limit: int = Limit) -> dict[str, Any]:
    return await read(request, lambda s: views.list_products(
        s, principal.workspace.id, category=category, active=active,
        updated_since=updated_since, q=q, cursor=cursor, limit=limit))


@router.post("/products", status_code=201, responses=REPLAYED)
async def create_product(body: ProductIn, principal: AdminAuth, request: Request) -> Any:
    product, variants, created = await write(request, lambda s: service.create_product(
        s, principal.workspace.id, body))
    return _created(views.product_doc(product, variants), created)


@router.get("/products/{product_id}")
async def show_product(product_id: str, principal: AdminAuth, request: Request) -> dict[str, Any]:
    async def run(session: AsyncSession) -> dict[str, Any]:
        product = await service.get_product(session, principal.workspace.id, product_id)
        return views.product_doc(product, await service.live_variants(
            session, principal.workspace.id, product.id))
    return await read(request, run)


@router.patch("/products/{product_id}")
async def update_product(product_id: str, body: ProductPatch, principal: AdminAuth,
                         request: Request) -> dict[str, Any]:
    async def run(session: AsyncSession) -> dict[str, Any]:
        product = await service.update_product(session, principal.workspace.id, product_id, body)
        return views.product_doc(product, await service.live_variants(
            session, principal.workspace.id, product.id))
    return await write(request, run)


@router.delete("/products/{product_id}")
async def delete_product(product_id: str, principal: AdminAuth, request: Request) -> dict[str, Any]:
    row = await write(request, lambda s: service.delete_product(s, principal.workspace.id,
                                                                product_id))
    return views.product_doc(row)


# --- variants ----------------------------------------------------------------------------

@router.get("/variants")
async def list_variants(principal: AdminAuth, request: Request,
                        product_id: str | None = Query(default=None, max_length=40),
                        category: str | None = Query(default=None, max_length=200),
                        active: bool | None = None, updated_since: AwareDatetime | None = None,
                        q: str | None = Query(default=None, min_length=1, max_length=100),
                        cursor: str | None = Cursor, limit: int = Limit) -> dict[str, Any]:
    return await read(request, lambda s: views.list_variants(
        s, principal.workspace.id, product_id=product_id, category=category, active=active,
        updated_since=updated_since, q=q, cursor=cursor, limit=limit))


@router.post("/products/{product_id}/variants", status_code=201, responses=REPLAYED)
async def add_variant(product_id: str, body: VariantIn, principal: AdminAuth,
                      request: Request) -> Any:
    row, created = await write(request, lambda s: service.add_variant(
        s, principal.workspace.id, product_id, body))
    return _created(views.variant_doc(row), created)


@router.get("/variants/{variant_id}")
async def show_variant(variant_id: str, principal: AdminAuth, request: Request) -> dict[str, Any]:
    row = await read(request, lambda s: service.get_variant(s, principal.workspace.id, variant_id))
    return views.variant_doc(row)


@router.patch("/variants/{variant_id}")
async def update_variant(variant_id: str, body: VariantPatch, principal: AdminAuth,
                         request: Request) -> dict[str, Any]:
    row = await write(request, lambda s: service.update_variant(
        s, principal.workspace.id, variant_id, body))
    return views.variant_doc(row)


@router.delete("/variants/{variant_id}")
async def delete_variant(variant_id: str, principal: AdminAuth, request: Request) -> dict[str, Any]:
    row = await write(request, lambda s: service.delete_variant(s, principal.workspace.id,
                                                                variant_id))
    return views.variant_doc(row)


# --- outlet prices -----------------------------------------------------------------------

@router.get("/price-overrides")
async def list_price_overrides(principal: AdminAuth, request: Request,
                               location: str | None = Query(default=None, max_length=40),
                               variant_id: str | None = Query(default=None, max_length=40),
                               cursor: str | None = Cursor, limit: int = Limit) -> dict[str, Any]:
    async def run(session: AsyncSession) -> dict[str, Any]:
        loc = await inventory.resolve_location(session, principal.workspace.id, location) \
            if location else None
        return await views.list_overrides(session, principal.workspace.id,
                                          location_id=loc.id if loc else None,
                                          variant_id=variant_id, cursor=cursor, limit=limit)
    return await read(request, run)


@router.put("/variants/{variant_id}/prices/{location}")
async def set_price_override(variant_id: str, location: str, body: PriceOverrideIn,
                             principal: AdminAuth, request: Request) -> dict[str, Any]:
    row = await write(request, lambda s: inventory.set_price_override(
        s, principal.workspace.id, variant_id, location, body))
    return views.override_doc(row)


@router.delete("/variants/{variant_id}/prices/{location}")
async def delete_price_override(variant_id: str, location: str, principal: AdminAuth,
                                request: Request) -> dict[str, Any]:
    removed = await write(request, lambda s: inventory.delete_price_override(
        s, principal.workspace.id, variant_id, location))
    return {"variant_id": variant_id, "location": location, "removed": removed}


# --- stock -------------------------------------------------------------------------------

@router.get("/stock")
async def list_stock(principal: AdminAuth, request: Request,
                     location: str | None = Query(default=None, max_length=40),
                     variant_id: str | None = Query(default=None, max_length=40),
                     negative: bool | None = Query(default=None,
                                                   description="only levels below zero"),
                     cursor: str | None = Cursor, limit: int = Limit) -> dict[str, Any]:
    async def run(session: AsyncSession) -> dict[str, Any]:
        loc = await inventory.resolve_location(session, principal.workspace.id, location) \
            if location else None
        return await views.list_stock(session, principal.workspace.id,
                                      location_id=loc.id if loc else None, variant_id=variant_id,
                                      negative=negative, cursor=cursor, limit=limit)
    return await read(request, run)


@router.post("/stock/adjustments", status_code=201, responses=REPLAYED)
async def adjust_stock(body: StockAdjustmentIn, principal: AdminAuth, request: Request) -> Any:
    result = await write(request, lambda s: inventory.adjust_stock(s, principal.workspace.id, body))
    return JSONResponse(result, status_code=200 if result["replayed"] else 201)


@router.delete("/variants/{variant_id}/stock/{location}")
async def untrack_stock(variant_id: str, location: str, principal: AdminAuth,
                        request: Request) -> dict[str, Any]:
    await write(request, lambda s: inventory.untrack_stock(s, principal.workspace.id, variant_id,
                                                           location))
    return {"variant_id": variant_id, "location": location, "tracked": False}

