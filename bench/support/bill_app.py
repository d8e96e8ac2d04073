"""The app under the bill benchmark plus one static-file route: the same-run baseline.

``GET /bench/static`` answers a file of the bill page's size through Starlette's ``FileResponse``,
in the same process, behind the same middleware, so the ratio isolates the bill page's own work.
"""

from __future__ import annotations

import os

from starlette.responses import FileResponse

from activereach.asgi import app

STATIC_FILE = os.environ["BENCH_STATIC_FILE"]


@app.get("/bench/static", include_in_schema=False)
async def bench_static() -> FileResponse:
    return FileResponse(STATIC_FILE, media_type="text/html")
