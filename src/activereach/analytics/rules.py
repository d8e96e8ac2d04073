"""Pure roll-up rules: which local day an order belongs to."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo


def local_day(moment: dt.datetime, timezone: str) -> str:
    """The calendar day in the outlet's (or brand's) timezone: day boundaries are local."""
    return moment.astimezone(ZoneInfo(timezone)).date().isoformat()
