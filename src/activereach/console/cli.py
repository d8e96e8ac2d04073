"""``activereach user create|update``: console users from the command line (passwords
prompted)."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable, Coroutine
from typing import Any

import typer
from rich.console import Console as RichConsole

from activereach.config import get_settings
from activereach.kit.db import Database, unit_of_work
from activereach.kit.errors import AppError

user_app = typer.Typer(help="Manage console users (people who sign in to /dashboard)",
                       no_args_is_help=True)
err = RichConsole(stderr=True)


@user_app.command("create")
def create(workspace: str = typer.Option(..., help="Workspace slug, e.g. brewbloom"),
           email: str = typer.Option(..., help="Sign-in email"),
           role: str = typer.Option(..., help="owner, manager or analyst"),
           name: str = typer.Option("", help="Display name"),
           password: str = typer.Option(None, help="At least 10 characters; prompted if omitted",
                                        show_default=False)) -> None:
    """Create a console user in a workspace."""
    from activereach.console.service import create_user
    from activereach.ops.migrate import upgrade
    if password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    url = get_settings().resolved_database_url()
    upgrade(url)

    async def main() -> dict[str, str]:
        db = Database(url)
        try:
            user = await unit_of_work(db, lambda s: create_user(
                s, workspace_slug=workspace, email=email, role=role, password=password, name=name))
            return {"id": user.id, "workspace": workspace, "email": user.email, "role": user.role}
        finally:
            await db.dispose()
    _run(main)


@user_app.command("update")
def update(workspace: str = typer.Option(..., help="Workspace slug, e.g. brewbloom"),
           email: str = typer.Option(..., help="Sign-in email"),
           role: str = typer.Option(None, help="New role: owner, manager or analyst"),
           new_password: bool = typer.Option(False, "--password", help="Set a new password "
                                             "(prompted)")) -> None:
    """Change a user's role or password; either ends every session the user has open."""
    from activereach.console.service import update_user
    password = (typer.prompt("New password", hide_input=True, confirmation_prompt=True)
                if new_password else None)
    url = get_settings().resolved_database_url()

    async def main() -> dict[str, str]:
        db = Database(url)
        try:
            user = await unit_of_work(db, lambda s: update_user(
                s, workspace_slug=workspace, email=email, role=role, password=password))
            return {"id": user.id, "workspace": workspace, "email": user.email, "role": user.role,
                    "sessions": "ended"}
        finally:
            await db.dispose()
    _run(main)


def _run(main: Callable[[], Coroutine[Any, Any, dict[str, str]]]) -> None:
    try:
        result = asyncio.run(main())
    except AppError as exc:
        err.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(2) from exc
    sys.stdout.write(json.dumps(result, indent=2) + "\n")
