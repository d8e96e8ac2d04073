"""What a destination kind is: it describes its settings and hosts, checks settings when they
are saved, and turns one event into one HTTP request at send time."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class Setting:
    """One setting of a kind, as the API and the console draw it."""

    name: str
    label: str
    help: str
    example: str
    required: bool = True
    secret: bool = False
    default: str | None = None


@dataclass(frozen=True)
class OutboundRequest:
    url: str
    headers: dict[str, str]
    body: bytes


class DestinationKind(Protocol):
    name: str
    label: str
    description: str
    settings: tuple[Setting, ...]
    # Documented hosts (a Segment source); None: any public host the brand names (a webhook).
    hosts: tuple[str, ...] | None
    # The kind makes its own secret (a webhook signing secret, shown once) rather than
    # taking one from the settings (a Segment write key).
    makes_secret: bool

    def check(self, settings: dict[str, str]) -> dict[str, str]:
        """Problems by setting name (empty: the settings may be saved)."""
        ...

    def secret_of(self, settings: dict[str, str]) -> str | None:
        """The secret to store encrypted for these settings (None: keep the stored one)."""
        ...

    def public(self, settings: dict[str, str]) -> dict[str, str]:
        """The settings stored in clear (never a secret)."""
        ...

    def request(self, settings: dict[str, Any], secret: str, event: dict[str, Any],
                msg_id: str, now: int) -> OutboundRequest:
        """The HTTP call for one event, signed at ``now`` (Unix seconds): built per attempt."""
        ...


def describe(kind: DestinationKind) -> dict[str, Any]:
    """A kind as the API lists it (``GET /v1/destinations/kinds``)."""
    return {"name": kind.name, "label": kind.label, "description": kind.description,
            "settings": [asdict(s) for s in kind.settings],
            "hosts": list(kind.hosts) if kind.hosts is not None else None,
            "makes_secret": kind.makes_secret}
