"""Unified analytics: online vs in-store revenue per day (SVG + table + CSV), outlets, sources,
attribution and customers, for a local-day range and the chip-strip scope."""

from __future__ import annotations

import datetime as dt
import io
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse, Response

from activereach.analytics.queries import Scope
from activereach.analytics.service import Dashboard, csv_rows, dashboard
from activereach.console.auth import Console, console
from activereach.console.chart import stacked
from activereach.console.web import page
from activereach.kit import csv_safe
from activereach.kit.errors import Unprocessable
from activereach.kit.http import read
from activereach.kit.money import MoneyError, currency_exponent

router = APIRouter(include_in_schema=False)
Con = Annotated[Console, Depends(console)]
MAX_DAYS = 731
DEFAULT_DAYS = 30


def _date(value: str, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise Unprocessable.field(name, "a date as YYYY-MM-DD") from exc


def scope_for(con: Console, start: str, end: str, currency: str) -> Scope:
    """The validated range (default: the last 30 local days of the brand) and currency."""
    today = dt.datetime.now(ZoneInfo(con.workspace.timezone)).date()
    last = _date(end, "to") if end else today
    first = _date(start, "from") if start else last - dt.timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise Unprocessable.field("from", "must be on or before 'to'")
    if (last - first).days + 1 > MAX_DAYS:
        raise Unprocessable.field("from", f"a range of at most {MAX_DAYS} days")
    code = (currency or con.workspace.currency).upper()
    try:
        currency_exponent(code)
    except MoneyError as exc:
        raise Unprocessable.field("currency", str(exc)) from exc
    return Scope(workspace_id=con.workspace.id, start=first.isoformat(), end=last.isoformat(),
                 currency=code, location_id=con.location.id if con.location else None)


async def _board(con: Con, start: str, end: str, currency: str) -> Dashboard:
    scope = scope_for(con, start, end, currency)
    return await read(con.request, lambda s: dashboard(s, scope))


@router.get("/dashboard/{workspace}/analytics", response_class=HTMLResponse)
async def analytics(con: Con, start: str = Query(default="", alias="from", max_length=10),
                    end: str = Query(default="", alias="to", max_length=10),
                    currency: str = Query(default="", max_length=3)) -> HTMLResponse:
    board = await _board(con, start, end, currency)
    names = {loc.id: loc.name for loc in con.locations}
    query = {"from": board.scope.start, "to": board.scope.end, "currency": board.scope.currency}
    return page(con, "console/analytics.html", "analytics", board=board, chart=stacked(board.days),
                outlet_names=names, cur=board.scope.currency,
                csv_url=con.url("analytics.csv", **query))


@router.get("/dashboard/{workspace}/analytics.csv")
async def analytics_csv(con: Con, start: str = Query(default="", alias="from", max_length=10),
                        end: str = Query(default="", alias="to", max_length=10),
                        currency: str = Query(default="", max_length=3)) -> Response:
    board = await _board(con, start, end, currency)
    buffer = io.StringIO()
    csv_safe.writer(buffer, lineterminator="\n").writerows(csv_rows(board))
    where = con.location.code if con.location else "all"
    name = f"revenue-{con.workspace.slug}-{where}-{board.scope.start}-{board.scope.end}.csv"
    return Response(buffer.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
