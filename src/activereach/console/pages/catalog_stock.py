"""Catalog → a product's stock at one outlet: receive, count or write off a quantity with a
reason (``catalog.inventory.adjust_stock``), and the movement history (sales, refunds,
imports, adjustments).  The outlet is the chip strip's; every adjustment is audited."""

from __future__ import annotations

import secrets
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.catalog import inventory, manage
from activereach.catalog import service as catalog
from activereach.catalog.models import Product, StockMovement, Variant
from activereach.catalog.rules import decimal_text
from activereach.catalog.schemas import StockAdjustmentIn
from activereach.console.audit import Target, audited
from activereach.console.auth import Console, console
from activereach.console.csrf import form_with_csrf
from activereach.console.web import flash, page, redirect
from activereach.kit.errors import AppError
from activereach.kit.http import read, write

router = APIRouter(include_in_schema=False)
Con = Annotated[Console, Depends(console)]
PATH = "/dashboard/{workspace}/catalog/products/{product_id}/stock"
KINDS = {"receive": "Received", "count": "Counted", "writeoff": "Written off"}
LIMIT = Decimal(10) ** 9


def parse(form: dict[str, str], variant_ids: set[str]) -> tuple[dict[str, Any], dict[str, str]]:
    """Which variant, what happened, how many, why — in people's words."""
    errors: dict[str, str] = {}
    kind = form.get("kind", "")
    if kind not in KINDS:
        errors["kind"] = "Choose receive, count or write-off"
    variant_id = form.get("variant_id", "")
    if variant_id not in variant_ids:
        errors["variant_id"] = "Choose a variant"
    quantity: Decimal | None = None
    text = form.get("quantity", "").strip()
    try:
        quantity = Decimal(text) if text else None
    except InvalidOperation:
        errors["quantity"] = "Enter a number, for example 12 or 2.5"
    if quantity is None and "quantity" not in errors:
        errors["quantity"] = "Enter the quantity"
    elif quantity is not None and (quantity < 0 or quantity >= LIMIT
                                   or quantity != quantity.quantize(Decimal("0.001"))):
        errors["quantity"] = "A quantity of 0 or more, with at most three decimals"
    elif quantity == 0 and kind != "count":
        errors["quantity"] = "Enter more than 0"
    reason = form.get("reason", "").strip()
    if not reason:
        errors["reason"] = "Say why, for example “Delivery from supplier” or “Spilt”"
    elif len(reason) > 400:
        errors["reason"] = "At most 400 characters"
    return {"kind": kind, "variant_id": variant_id, "quantity": quantity,
            "reason": reason}, errors


def body_of(data: dict[str, Any], location_id: str, key: str) -> StockAdjustmentIn:
    quantity: Decimal = data["quantity"]
    reason = f"{KINDS[data['kind']]}: {data['reason']}"
    if data["kind"] == "count":
        return StockAdjustmentIn(adjustment_id=key, variant_id=data["variant_id"],
                                 location=location_id, set_to=quantity, reason=reason)
    delta = quantity if data["kind"] == "receive" else -quantity
    return StockAdjustmentIn(adjustment_id=key, variant_id=data["variant_id"],
                             location=location_id, delta=delta, reason=reason)


async def _load(con: Console, product_id: str) -> tuple[
        Product, list[Variant], dict[str, Any], list[StockMovement]]:
    ws = con.workspace.id
    location_id = con.location.id if con.location else None

    async def load(session: AsyncSession) -> tuple[
            Product, list[Variant], dict[str, Any], list[StockMovement]]:
        product = await catalog.get_product(session, ws, product_id)
        variants = await catalog.live_variants(session, ws, product.id)
        ids = [v.id for v in variants]
        levels = (await manage.stock_levels(session, ws, location_id, ids)
                  if location_id else {})
        return product, variants, levels, await manage.movements(session, ws, ids, location_id)
    return await read(con.request, load)


async def _page(con: Console, product_id: str, values: dict[str, str], errors: dict[str, str],
                status_code: int = 200) -> HTMLResponse:
    product, variants, levels, moves = await _load(con, product_id)
    names = {v.id: v.sku or v.name for v in variants}
    outlets = {loc.id: loc.name for loc in con.locations}
    history = [{"at": m.created_at, "variant": names.get(m.variant_id, "—"),
                "outlet": outlets.get(m.location_id, "—"), "kind": m.kind,
                "delta": decimal_text(m.delta), "after": decimal_text(m.quantity_after),
                "reason": m.reason or ""} for m in moves]
    stock = {v.id: (decimal_text(levels[v.id]) if v.id in levels else None) for v in variants}
    values.setdefault("key", secrets.token_urlsafe(12))
    return page(con, "console/catalog_stock.html", "catalog", status_code=status_code,
                product=product, variants=variants, stock=stock, history=history,
                values=values, errors=errors, kinds=KINDS)


@router.get(PATH, response_class=HTMLResponse)
async def stock_page(product_id: str, con: Con) -> HTMLResponse:
    return await _page(con, product_id, {"kind": "receive"}, {})


@router.post(PATH, response_model=None)
async def adjust(product_id: str, con: Con) -> HTMLResponse | RedirectResponse:
    """One adjustment; the form's key (minted when the page was shown) makes a double submit
    apply once."""
    form = await form_with_csrf(con.request)
    con.require_write()
    values = {k: v for k, v in form.items() if k != "csrf_token"}
    if con.location is None:
        return await _page(con, product_id, values,
                           {"location": "Choose the outlet first (the chips above)"}, 422)
    location = con.location
    _, variants, _, _ = await _load(con, product_id)
    data, errors = parse(form, {v.id for v in variants})
    key = form.get("key", "")[:60] or secrets.token_urlsafe(12)
    if not errors:
        body = body_of(data, location.id, f"console:{key}")
        label = next((v.sku or v.name for v in variants if v.id == data["variant_id"]), "")

        async def run(session: AsyncSession) -> dict[str, object]:
            before = await manage.stock_levels(session, con.workspace.id, location.id,
                                               [data["variant_id"]])
            result = await inventory.adjust_stock(session, con.workspace.id, body)
            if not result["replayed"]:
                old = before.get(data["variant_id"])
                await audited(session, con, "catalog.stock.adjust",
                              Target("variant", data["variant_id"], label),
                              before={"stock": decimal_text(old) if old is not None else None},
                              after={"stock": result["quantity"]}, note=body.reason or "")
            return result
        try:
            result = await write(con.request, run)
        except AppError as exc:
            errors["quantity"] = exc.message.split(": ", 1)[-1]
        else:
            flash(con.request, f"{label} at {location.name}: now {result['quantity']}.")
            return redirect(con.url(f"catalog/products/{product_id}/stock"))
    return await _page(con, product_id, values, errors, 422)
