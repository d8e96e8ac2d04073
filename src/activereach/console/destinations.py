"""Destination forms for the console: the edit form ↔ ``DestinationPatch``, the audited state
of a destination (secrets only as "set"/"changed"), field errors in people's words, and the
one-time ticket that carries a rotated signing secret through post/redirect/get."""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from activereach.destinations.kinds import KINDS
from activereach.destinations.models import Destination
from activereach.destinations.rules import CATEGORIES
from activereach.destinations.schemas import DestinationIn, DestinationPatch
from activereach.kit import crypto

# How long the page after "Rotate secret" may still show the secret it carries.
SHOW_WINDOW_SECONDS = 120
WORDS = {"name": "Enter a name (at most 200 characters)",
         "event_types": "Pick at least one kind of event to send",
         "kind": "Pick a kind of destination"}


def state(d: Destination) -> dict[str, Any]:
    """The fields people edit, as the audit log records them (never a secret's value)."""
    return {"name": d.name, "status": d.status, "event_types": list(d.event_types),
            **{name: value for name, value in sorted(d.settings.items())},
            "secret_set": d.secret_ciphertext is not None}


def _errors(exc: ValidationError) -> dict[str, str]:
    errors: dict[str, str] = {}
    for error in exc.errors():
        where = str(error["loc"][0]) if error["loc"] else "form"
        errors.setdefault(where, WORDS.get(where, str(error["msg"])))
    return errors


def new_body(form: dict[str, str]) -> tuple[DestinationIn | None, dict[str, str]]:
    kind = KINDS.get(form.get("kind", ""))
    settings = {s.name: form[s.name] for s in kind.settings if form.get(s.name)} if kind else {}
    types = [name for name in CATEGORIES if form.get(f"type_{name}") == "on"]
    try:
        return DestinationIn(kind=form.get("kind", ""), name=form.get("name", ""),
                             event_types=types, settings=settings), {}
    except ValidationError as exc:
        return None, _errors(exc)


def edit_body(d: Destination, form: dict[str, str]) -> tuple[DestinationPatch | None,
                                                              dict[str, str]]:
    """Name, event types and settings; a blank secret keeps the stored one."""
    kind = KINDS[d.kind]
    settings = {s.name: form.get(s.name, "").strip() for s in kind.settings}
    settings = {k: v for k, v in settings.items()
                if v or not any(s.name == k and s.secret for s in kind.settings)}
    types = [name for name in CATEGORIES if form.get(f"type_{name}") == "on"]
    try:
        return DestinationPatch(name=form.get("name", ""), event_types=types,
                                settings=settings), {}
    except ValidationError as exc:
        return None, _errors(exc)


def edit_values(d: Destination) -> dict[str, str]:
    values = {"name": d.name, **{k: str(v) for k, v in d.settings.items()}}
    values.update({f"type_{name}": "on" for name in d.event_types})
    return values


def secret_names() -> set[str]:
    return {s.name for k in KINDS.values() for s in k.settings if s.secret}


def secret_ticket(secret: str, destination_id: str, user_id: str) -> str:
    """The new secret, Fernet-encrypted and timestamped, for the one redirect that shows it."""
    return crypto.encrypt(json.dumps({"s": secret, "d": destination_id, "u": user_id}))


def read_ticket(ticket: str, destination_id: str, user_id: str) -> str | None:
    try:
        data = json.loads(crypto.decrypt(ticket, ttl=SHOW_WINDOW_SECONDS))
    except (ValueError, TypeError):
        return None
    if not isinstance(data, dict) or data.get("d") != destination_id or data.get("u") != user_id:
        return None
    secret = data.get("s")
    return secret if isinstance(secret, str) else None
