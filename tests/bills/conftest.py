"""Bill test helpers: the bill host of a tenant, and fetching a bill page through it."""

from __future__ import annotations

import httpx2

from activereach.config import get_settings


def bill_host(slug: str) -> str:
    return f"{slug}.{get_settings().bill_domain}"


async def get_page(client: httpx2.AsyncClient, slug: str, code: str, suffix: str = "",
                   **kwargs: object) -> httpx2.Response:
    return await client.get(f"/b/{code}{suffix}", headers={"Host": bill_host(slug)}, **kwargs)


async def post_rating(client: httpx2.AsyncClient, slug: str, code: str, rating: int,
                      comment: str | None = None) -> httpx2.Response:
    host = bill_host(slug)
    data = {"rating": str(rating)}
    if comment is not None:
        data["comment"] = comment
    return await client.post(f"/b/{code}/rating", data=data,
                             headers={"Host": host, "Origin": f"http://{host}"})
