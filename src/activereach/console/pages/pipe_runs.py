"""Settings → Data Pipes, per pipe: *Test with a sample order*, the delivery log (paginated,
filtered by status and by the chip strip's outlet), one delivery's detail, and replay."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse

from sqlalchemy.ext.asyncio import AsyncSession

from activereach.console import pipes as forms
from activereach.console.audit import Target, audited
from activereach.console.auth import Console
from activereach.console.csrf import form_with_csrf
from activereach.console.pages.pipes import BASE, Con
from activereach.console.web import flash, page, redirect
from activereach.kit.errors import AppError, Unprocessable
from activereach.kit.http import database, read, write
from activereach.pipes import inbox, service, testrun
from activereach.pipes.providers import get_provider

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 25


async def _test_page(con: Console, pipe: Any, status_code: int = 200,
                     values: dict[str, str] | None = None, errors: dict[str, str] | None = None,
                     result: dict[str, Any] | None = None) -> HTMLResponse:
    text, kind = "", ""
    if pipe.provider:
        raw, kind, _ = await read(con.request, lambda s: testrun.brand_sample(
            s, con.workspace, pipe.provider))
        text = raw.decode("utf-8")
    return page(con, "console/pipe_test.html", "pipes", status_code=status_code, pipe=pipe,
                values=values or {}, errors=errors or {}, result=result, sample_text=text,
                sample_kind=kind,
                sample_file=get_provider(pipe.provider).sample.file if pipe.provider else "",
                labels=forms.LABELS)


async def _webhook_pipe(con: Console, pipe_id: str) -> Any:
    pipe = await read(con.request, lambda s: service.get_pipe(s, con.workspace.id, pipe_id))
    if pipe.kind != "webhook":
        raise Unprocessable.field("pipe", "only webhook pipes have a test, deliveries and replay")
    return pipe


@router.get(BASE + "/{pipe_id}/test", response_class=HTMLResponse)
async def test_form(pipe_id: str, con: Con) -> HTMLResponse:
    return await _test_page(con, await _webhook_pipe(con, pipe_id))


@router.post(BASE + "/{pipe_id}/test", response_class=HTMLResponse)
async def run_test(pipe_id: str, con: Con) -> HTMLResponse:
    """Runs the pipes domain's test: verification (optional), mapping, the full ingest in a
    transaction that is always rolled back — nothing is written.  Writers only: it may call
    the provider's API with the pipe's stored token."""
    form = await form_with_csrf(con.request)
    con.require_write()
    pipe = await _webhook_pipe(con, pipe_id)
    body, errors = forms.test_body(form)
    if body is None:
        return await _test_page(con, pipe, 422, form, errors)
    try:
        result = await testrun.run_test(database(con.request), con.workspace, pipe_id, body)
    except AppError as exc:
        return await _test_page(con, pipe, 422, form,
                                forms.service_errors(exc.details, exc.message, pipe.provider))
    return await _test_page(con, pipe, 200, form, {}, result)


@router.get(BASE + "/{pipe_id}/deliveries", response_class=HTMLResponse)
async def deliveries(pipe_id: str, con: Con, status: str = "", before: str = "") -> HTMLResponse:
    """Newest first, ``PAGE_SIZE`` a page (keyset on the delivery id).  With an outlet chip,
    only deliveries whose order landed at that outlet (unprocessed ones have no outlet yet)."""
    pipe = await _webhook_pipe(con, pipe_id)
    status = status if status in forms.DELIVERY_STATUSES else ""
    rows = await read(con.request, lambda s: inbox.list_deliveries(
        s, con.workspace.id, pipe_id, status=status or None, limit=PAGE_SIZE + 1,
        before=before[:40] or None, location_id=con.location.id if con.location else None))
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    older = con.url(f"settings/pipes/{pipe_id}/deliveries", status=status,
                    before=rows[-1]["id"]) if more else None
    return page(con, "console/pipe_deliveries.html", "pipes", pipe=pipe, rows=rows,
                status=status, statuses=forms.DELIVERY_STATUSES, older=older,
                first_page=not before, labels=forms.LABELS)


@router.get(BASE + "/{pipe_id}/deliveries/{delivery_id}", response_class=HTMLResponse)
async def delivery(pipe_id: str, delivery_id: str, con: Con) -> HTMLResponse:
    pipe = await _webhook_pipe(con, pipe_id)
    found = await read(con.request, lambda s: inbox.get_delivery(
        s, con.workspace.id, pipe_id, delivery_id))
    return page(con, "console/pipe_delivery.html", "pipes", pipe=pipe, d=found,
                received_at=dt.datetime.fromisoformat(found["received_at"]),
                replayable=found["status"] in {*inbox.REPLAYABLE, "dead"}, labels=forms.LABELS)


@router.post(BASE + "/{pipe_id}/deliveries/{delivery_id}/replay")
async def replay(pipe_id: str, delivery_id: str, con: Con) -> RedirectResponse:
    """Replay one dead letter (or held / waiting / failed delivery): queued again at once."""
    await form_with_csrf(con.request)
    con.require_write()
    async def run(session: AsyncSession) -> None:
        pipe = await service.get_pipe(session, con.workspace.id, pipe_id)
        was = (await inbox.get_delivery(session, con.workspace.id, pipe_id, delivery_id))["status"]
        await inbox.replay(session, con.workspace.id, pipe_id, delivery_id)
        await audited(session, con, "pipe.replay", Target("pipe", pipe.id, pipe.name),
                      before={"delivery": delivery_id, "status": was},
                      after={"delivery": delivery_id, "status": "received"})
    await write(con.request, run)
    flash(con.request, f"Delivery {delivery_id} queued for replay.")
    return redirect(con.url(f"settings/pipes/{pipe_id}"))


@router.post(BASE + "/{pipe_id}/replay")
async def replay_all(pipe_id: str, con: Con) -> RedirectResponse:
    """Replay every dead letter of the pipe (failed, or retries exhausted) in one transaction."""
    await form_with_csrf(con.request)
    con.require_write()
    async def run(session: AsyncSession) -> dict[str, Any]:
        pipe = await service.get_pipe(session, con.workspace.id, pipe_id)
        done = await inbox.replay_all(session, con.workspace.id, pipe_id, None)
        await audited(session, con, "pipe.replay_all", Target("pipe", pipe.id, pipe.name),
                      after={"replayed": done["replayed"]}, note="every dead letter queued again")
        return done
    done = await write(con.request, run)
    flash(con.request, f"{done['replayed']} dead letter(s) queued for replay.")
    return redirect(con.url(f"settings/pipes/{pipe_id}"))
