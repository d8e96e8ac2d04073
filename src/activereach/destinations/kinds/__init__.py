"""Destination kinds, one file each, behind the ``DestinationKind`` Protocol (``base.py``)."""

from __future__ import annotations

from activereach.destinations.kinds.base import DestinationKind, describe
from activereach.destinations.kinds.segment import SegmentKind
from activereach.destinations.kinds.webhook import WebhookKind

_ALL: tuple[DestinationKind, ...] = (WebhookKind(), SegmentKind())
KINDS: dict[str, DestinationKind] = {kind.name: kind for kind in _ALL}


def get_kind(name: str) -> DestinationKind:
    return KINDS[name]


__all__ = ["KINDS", "DestinationKind", "describe", "get_kind"]
