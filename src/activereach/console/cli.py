"""``activereach user create``: console users from the command line (password prompted)."""

from __future__ import annotations

import asyncio
import json
import sys

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
    try:
        result = asyncio.run(main())
    except AppError as exc:
        err.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(2) from exc
    sys.stdout.write(json.dumps(result, indent=2) + "\n")
