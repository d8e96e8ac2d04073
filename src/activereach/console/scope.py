"""The chip strip: ``?location=`` is "All outlets" (absent or ``all``) or one outlet's id.

Every page resolves it the same way: lists and metrics filter to the outlet, and edits made
while an outlet is selected land on the outlet tier instead of the brand tier.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from activereach.kit.errors import NotFound
from activereach.tenancy.models import Location

ALL = "all"


@dataclass(frozen=True)
class Chip:
    label: str
    value: str
    href: str
    active: bool


def resolve(locations: list[Location], raw: str | None) -> Location | None:
    """The selected outlet, None for "All outlets"; an unknown outlet is a 404, not a reset."""
    if not raw or raw == ALL:
        return None
    for location in locations:
        if location.id == raw or location.code == raw:
            return location
    raise NotFound(f"location: no outlet {raw!r} in this workspace")


def with_location(path: str, params: dict[str, str], value: str | None) -> str:
    """``path`` with the query kept but ``location`` set (and pagination dropped: lists change)."""
    kept = {k: v for k, v in params.items() if k not in {"location", "cursor", "page"} and v}
    if value:
        kept["location"] = value
    return f"{path}?{urlencode(kept)}" if kept else path


def chips(path: str, params: dict[str, str], locations: list[Location],
          selected: Location | None) -> list[Chip]:
    strip = [Chip("All outlets", ALL, with_location(path, params, None), selected is None)]
    for location in locations:
        strip.append(Chip(location.name, location.id, with_location(path, params, location.id),
                          selected is not None and selected.id == location.id))
    return strip


def query_value(selected: Location | None) -> str:
    """What to put in ``?location=`` for links and forms on the page."""
    return selected.id if selected else ""
