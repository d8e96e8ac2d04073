"""Settings → Audit log: every audited change, newest first, filterable by what was changed."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.audit import rules, service
from activereach.audit.models import AuditEntry
from activereach.console.auth import Console, console
from activereach.console.web import page
from activereach.kit.errors import Unprocessable
from activereach.kit.http import read

router = APIRouter(include_in_schema=False)
Con = Annotated[Console, Depends(console)]
PAGE_SIZE = 50


def _cursor(raw: str) -> tuple[dt.datetime, str] | None:
    if not raw:
        return None
    stamp, _, entry_id = raw.partition("~")
    try:
        return dt.datetime.fromisoformat(stamp), entry_id
    except ValueError as exc:
        raise Unprocessable("before: not a page cursor from this list") from exc


@router.get("/dashboard/{workspace}/settings/audit", response_class=HTMLResponse)
async def audit_log(con: Con, kind: str = "", before: str = "") -> HTMLResponse:
    cursor = _cursor(before)

    async def load(session: AsyncSession) -> tuple[list[AuditEntry], list[str]]:
        entries = await service.list_entries(session, con.workspace.id, target_kind=kind,
                                             before=cursor, limit=PAGE_SIZE + 1)
        return entries, await service.target_kinds(session, con.workspace.id)
    entries, kinds = await read(con.request, load)
    more = len(entries) > PAGE_SIZE
    entries = entries[:PAGE_SIZE]
    next_cursor = f"{entries[-1].at.isoformat()}~{entries[-1].id}" if more and entries else ""
    names = {loc.id: loc.name for loc in con.locations}
    return page(con, "console/audit.html", "audit", entries=entries, kinds=kinds, kind=kind,
                next_cursor=next_cursor, describe=rules.describe, outlet_names=names)
