"""Glue between thin HTTP handlers and services: the database, the unit of work, worker wake-ups."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.kit.db import Database, unit_of_work

T = TypeVar("T")


def database(request: Request) -> Database:
    return request.app.state.db


async def write(request: Request, body: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run a write in one transaction, then nudge the in-process worker for any jobs it enqueued."""
    result = await unit_of_work(database(request), body)
    wake_worker(request)
    return result


def wake_worker(request: Request) -> None:
    """After a commit that enqueued jobs: the in-process worker runs them without a poll."""
    worker = getattr(request.app.state, "worker", None)
    if worker is not None:
        worker.wake()


async def read(request: Request, body: Callable[[AsyncSession], Awaitable[T]]) -> T:
    async with database(request).read_session() as session:
        return await body(session)


def client_address(request: Request) -> str:
    """The caller's address: the socket peer, or what a trusted proxy says (uvicorn rewrites the
    client from X-Forwarded-For only for ``trusted_proxies``; none by default)."""
    return request.client.host if request.client else "unknown"
