"""Console error pages: a person who opens a missing or forbidden console page gets an HTML
page in the console's look (never the API's JSON), with the reason in words and a way back."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from activereach.console.web import render

CONSOLE_PREFIXES = ("/dashboard/", "/login", "/logout")
TITLES = {400: "That request could not be read", 403: "You cannot do that here",
          404: "Page not found", 405: "That action is not available here",
          409: "That change conflicts with the current state",
          413: "That upload is too large", 422: "Some values need a fix"}


def is_console_path(request: Request) -> bool:
    return request.url.path.startswith(CONSOLE_PREFIXES)


def _people_words(message: str) -> str:
    """The API's "field: reason" messages, as a sentence (the field name stays to locate it)."""
    field, sep, reason = message.partition(": ")
    return f"{reason[:1].upper()}{reason[1:]} ({field.replace('_', ' ')})." if sep else message


def console_error(request: Request, status: int, message: str) -> HTMLResponse | None:
    """The HTML error page for console paths; None elsewhere (the API keeps its JSON)."""
    if status < 400 or status not in TITLES or not is_console_path(request):
        return None
    parts = request.url.path.split("/")
    home = f"/dashboard/{parts[2]}" if len(parts) > 2 and parts[1] == "dashboard" else "/login"
    return render(request, "console/error.html",
                  {"status": status, "title": TITLES[status], "message": _people_words(message),
                   "home": home}, status_code=status)
