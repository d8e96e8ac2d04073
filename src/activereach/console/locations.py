"""Outlet and terminal writes for the console (validation shared with the ``/v1`` API rules)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.console.forms import check_timezone, validate_model
from activereach.kit import crypto
from activereach.kit.db import utcnow
from activereach.kit.errors import Conflict, NotFound
from activereach.kit.ids import new_id
from activereach.tenancy.models import Location, PairingCode, Terminal
from activereach.tenancy.pairing import logged_code
from activereach.tenancy.rules import validate_gstin
from activereach.tenancy.schemas import LocationIn, TerminalIn
from activereach.tenancy.service import find_location


# What a field needs, in people's words, for the validator's generic messages.
WORDS = {"code": "Enter a code: lower-case letters, digits and dashes, at most 40",
         "name": "Enter a name (at most 200 characters)",
         "address": "At most 500 characters", "phone": "At most 32 characters",
         "gstin": "A GSTIN has 15 characters", "state_code": "Two digits, e.g. 29 for Karnataka",
         "timezone": "At most 64 characters",
         "terminal_id": "Enter a terminal ID: letters, digits, dashes or underscores, at most 40"}
GENERIC = ("String should", "Field required", "Input should", "Extra inputs")


def in_words(errors: dict[str, str]) -> dict[str, str]:
    """Field errors with the validator's raw wording replaced by what the field needs."""
    return {name: (WORDS.get(name, message) if message.startswith(GENERIC) else message)
            for name, message in errors.items()}


def outlet_errors(data: dict[str, str]) -> tuple[LocationIn | None, dict[str, str]]:
    """A validated outlet, or field errors: code, GSTIN checksum, state code vs GSTIN, timezone."""
    payload: dict[str, Any] = {key: value for key, value in data.items() if value != ""}
    body, errors = validate_model(LocationIn, payload)
    errors = in_words(errors)
    if "code" not in data or not data.get("code"):
        errors["code"] = WORDS["code"]
    if not data.get("name"):
        errors["name"] = WORDS["name"]
    check_timezone(data.get("timezone", ""), errors)
    gstin, state = data.get("gstin", "").upper(), data.get("state_code", "")
    if gstin and state and not errors.get("gstin") and gstin[:2] != state:
        errors["state_code"] = f"does not match the GSTIN's state code ({gstin[:2]})"
    return (body if not errors else None), errors


def edit_errors(data: dict[str, str]) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not 1 <= len(data.get("name", "")) <= 200:
        errors["name"] = WORDS["name"]
    gstin, state = data.get("gstin", "").upper(), data.get("state_code", "")
    if gstin and (problem := validate_gstin(gstin)):
        errors["gstin"] = problem
    if state and not (len(state) == 2 and state.isdigit()):
        errors["state_code"] = "two digits, e.g. 29 for Karnataka"
    elif gstin and state and "gstin" not in errors and gstin[:2] != state:
        errors["state_code"] = f"does not match the GSTIN's state code ({gstin[:2]})"
    check_timezone(data.get("timezone", ""), errors)
    if data.get("status") not in {"active", "inactive"}:
        errors["status"] = "active or inactive"
    return errors


async def create_outlet(session: AsyncSession, workspace_id: str, body: LocationIn) -> Location:
    if await find_location(session, workspace_id, body.code):
        raise Conflict(f"code: an outlet with code {body.code!r} already exists")
    loc = Location(workspace_id=workspace_id, id=new_id("loc"),
                   state_code=body.state_code or (body.gstin[:2] if body.gstin else None),
                   **body.model_dump(exclude={"state_code"}), status="active",
                   created_at=utcnow(), updated_at=utcnow())
    session.add(loc)
    await session.flush()
    return loc


async def update_outlet(session: AsyncSession, workspace_id: str, location_id: str,
                        data: dict[str, str]) -> Location:
    loc = await outlet(session, workspace_id, location_id)
    gstin = data.get("gstin", "").upper() or None
    loc.name, loc.address, loc.phone = data["name"], data.get("address", ""), data.get("phone", "")
    loc.gstin, loc.state_code = gstin, data.get("state_code") or (gstin[:2] if gstin else None)
    loc.timezone, loc.status = data.get("timezone") or None, data["status"]
    loc.updated_at = utcnow()
    return loc


async def outlet(session: AsyncSession, workspace_id: str, location_id: str) -> Location:
    loc = await session.get(Location, (workspace_id, location_id))
    if loc is None:
        raise NotFound(f"location: no outlet {location_id!r}")
    return loc


async def create_terminal(session: AsyncSession, workspace_id: str, location_id: str,
                          body: TerminalIn) -> Terminal:
    await outlet(session, workspace_id, location_id)
    taken = await session.scalar(select(Terminal.id).where(
        Terminal.workspace_id == workspace_id, Terminal.location_id == location_id,
        Terminal.terminal_id == body.terminal_id))
    if taken:
        raise Conflict(f"terminal_id: {body.terminal_id!r} already exists at this outlet")
    term = Terminal(workspace_id=workspace_id, id=new_id("trm"), location_id=location_id,
                    terminal_id=body.terminal_id, name=body.name, status="active",
                    created_at=utcnow())
    session.add(term)
    await session.flush()
    return term


async def terminal(session: AsyncSession, workspace_id: str, location_id: str,
                   terminal_pk: str) -> Terminal:
    term = await session.get(Terminal, (workspace_id, terminal_pk), with_for_update=True)
    if term is None or term.location_id != location_id:
        raise NotFound(f"terminal: no terminal {terminal_pk!r} at this outlet")
    return term


OUTLET_AUDIT = ("name", "address", "phone", "gstin", "state_code", "timezone", "status")
# How long the redirect after "Issue pairing code" may still show the code it carries.
SHOW_WINDOW_SECONDS = 300


def outlet_state(loc: Location) -> dict[str, str | None]:
    """An outlet's editable fields, as the audit log records them."""
    return {name: getattr(loc, name) for name in OUTLET_AUDIT}


def pairing_ticket(code: str, code_id: str, user_id: str) -> str:
    """The code, encrypted (Fernet, timestamped) for the one redirect that shows it: the URL
    never carries it in clear, the session never holds it, and the database keeps only a hash."""
    return crypto.encrypt(json.dumps({"c": code, "i": code_id, "u": user_id}))


def read_ticket(ticket: str, code_id: str, user_id: str) -> str | None:
    """The code inside ``ticket`` if it is this user's, for this code, and recent; else None."""
    try:
        data = json.loads(crypto.decrypt(ticket, ttl=SHOW_WINDOW_SECONDS))
    except (ValueError, TypeError):
        return None
    if not isinstance(data, dict) or data.get("i") != code_id or data.get("u") != user_id:
        return None
    code = data.get("c")
    return code if isinstance(code, str) else None


async def show_once(session: AsyncSession, terminal: Terminal, code_id: str,
                    ticket_code: str | None) -> tuple[PairingCode, str | None]:
    """The logged code and, the first time only, its value; a reload finds it shown already."""
    row = await logged_code(session, terminal, code_id)
    if ticket_code is None or row.shown_at is not None or row.ended is not None:
        return row, None
    row.shown_at = utcnow()
    return row, ticket_code
