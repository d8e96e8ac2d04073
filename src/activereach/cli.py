"""The ``activereach`` command: serve, worker, migrate, demo, sign-order, workspace create."""

from __future__ import annotations

import asyncio
import gc
import json
import signal
import sys
from typing import Any

import typer
import uvicorn
from rich.console import Console

from activereach.catalog.cli import catalog_app
from activereach import wiring
from activereach.config import Settings, get_settings
from activereach.console.cli import user_app
from activereach.kit.db import Database, unit_of_work

app = typer.Typer(help="Active Reach POS integration", no_args_is_help=True, add_completion=False)
workspace_app = typer.Typer(help="Manage workspaces (brands)", no_args_is_help=True)
app.add_typer(workspace_app, name="workspace")
app.add_typer(user_app, name="user")
app.add_typer(catalog_app, name="catalog")
err = Console(stderr=True)


@app.callback()
def _start() -> None:
    """Every command runs with the domains wired (participants, job kinds, merge hooks)."""
    wiring.install()


def _migrate() -> str:
    from activereach.ops.migrate import upgrade
    url = get_settings().resolved_database_url()
    upgrade(url)
    return url


@app.command()
def migrate() -> None:
    """Bring the database schema up to date."""
    _migrate()
    err.print("[green]database is at the latest migration[/green]")


def server_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's options. uvicorn believes X-Forwarded-For/-Proto from 127.0.0.1 unless told
    otherwise (its ``forwarded_allow_ips`` default), which let any local process pick its client
    address: forwarded headers count only from the operator's trusted proxies, none by default."""
    proxies = settings.trusted_proxies.strip()
    return dict(access_log=False, log_config=None, lifespan="on", server_header=False,
                proxy_headers=bool(proxies), forwarded_allow_ips=proxies or None)


@app.command()
def serve(host: str = typer.Option("127.0.0.1", help="Interface to bind"),
          port: int = typer.Option(8000, help="Port to listen on"),
          workers: int = typer.Option(1, help="API processes (PostgreSQL only; SQLite stays at 1)")) -> None:
    """Migrate, then serve the API with the in-process job worker."""
    from activereach.logs import configure_logging
    from activereach.ops.address import adopt_listening_address
    adopt_listening_address(host, port, get_settings().var_dir)
    get_settings.cache_clear()  # bill URLs follow the port unless ACTIVEREACH_BILL_DOMAIN is set
    settings = get_settings()
    url = _migrate()
    settings.resolved_secret_key()
    configure_logging(settings.log_level, json_logs=settings.log_json)
    if url.startswith("sqlite") and workers > 1:
        err.print("[yellow]SQLite runs one process; ignoring --workers[/yellow]")
        workers = 1
    options = server_options(settings)
    if workers > 1:
        from activereach.ops.serving import serve_workers
        serve_workers("activereach.asgi:app", host=host, port=port, workers=workers, **options)
    else:
        uvicorn.run("activereach.asgi:app", host=host, port=port, **options)


@app.command()
def worker(concurrency: int = typer.Option(None, help="Jobs run at once"),
           once: bool = typer.Option(False, help="Run due jobs, then exit")) -> None:
    """Run jobs from the database (any number of these on PostgreSQL)."""
    from activereach.jobs.worker import Worker
    from activereach.logs import configure_logging
    settings = get_settings()
    configure_logging(settings.log_level, json_logs=settings.log_json)

    async def main() -> None:
        db = Database(settings.resolved_database_url(), pgbouncer=settings.pgbouncer)
        runner = Worker(db, concurrency=concurrency or settings.worker_concurrency,
                        lease_seconds=settings.job_lease_seconds,
                        poll_seconds=settings.worker_poll_seconds)
        try:
            if once:
                ran = await runner.drain()
                err.print(f"ran {ran} job(s)")
                return
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
            checkpoints = db.start_wal_checkpoints()
            gc.freeze()   # as the API does: start-up objects are never scanned again
            try:
                await runner.run_forever(stop)
            finally:
                if checkpoints is not None:
                    checkpoints.stop()
        finally:
            await db.dispose()
    asyncio.run(main())


@app.command()
def demo(as_json: bool = typer.Option(False, "--json", help="Print the demo as JSON"),
         as_env: bool = typer.Option(False, "--env", help="Print shell `export` lines"),
         port: int = typer.Option(None, help="Port the server listens on (default: the "
                                  "running `serve`'s, else 8000)")) -> None:
    """Seed the demo brand (idempotent) and print its keys, outlets, terminals and staff."""
    from activereach.demo import seed_demo
    from activereach.demo_output import demo_env_lines, describe_demo, with_urls
    from activereach.ops.address import adopt_demo_address
    adopt_demo_address(port, get_settings().var_dir)
    get_settings.cache_clear()
    settings = get_settings()
    url = _migrate()
    secret = settings.resolved_secret_key()

    async def main() -> dict:
        db = Database(url)
        try:
            return await unit_of_work(db, lambda session: seed_demo(session, secret))
        finally:
            await db.dispose()
    result = with_urls(asyncio.run(main()), settings)
    if as_json:
        sys.stdout.write(json.dumps(result, indent=2) + "\n")
    elif as_env:
        sys.stdout.write(demo_env_lines(result))
    else:
        describe_demo(result, err)


@app.command("sign-order")
def sign_order(staff_key: str = typer.Option(..., "--staff-key", help="The staff_key object of a "
                                             "/v1/pos/staff/{id}/verify reply, as JSON"),
               offline: bool = typer.Option(False, help="Sign it as made offline")) -> None:
    """Read a POST /v1/pos/orders body on stdin; print it with the cashier's proof (what
    ActivePOS attaches at Complete)."""
    from activereach.cashier.signing import sign_body
    try:
        body, key = json.load(sys.stdin), json.loads(staff_key)
        signed = sign_body(body, key, offline=offline)
    except (ValueError, KeyError, TypeError) as exc:
        err.print(f"[red]cannot sign: {exc!r}[/red]")
        raise typer.Exit(2) from exc
    sys.stdout.write(json.dumps(signed) + "\n")


@workspace_app.command("create")
def workspace_create(slug: str = typer.Option(..., help="Sub-domain name, e.g. brewbloom"),
                     name: str = typer.Option(...), country: str = typer.Option("IN"),
                     currency: str = typer.Option("INR"),
                     timezone: str = typer.Option("Asia/Kolkata")) -> None:
    """Create a workspace and print its first admin and write keys (shown once)."""
    from activereach.tenancy.workspaces import create_workspace
    url = _migrate()

    async def main() -> dict:
        db = Database(url)
        try:
            return await unit_of_work(db, lambda s: create_workspace(
                s, slug=slug, name=name, country=country, currency=currency, timezone=timezone))
        finally:
            await db.dispose()
    try:
        result = asyncio.run(main())
    except ValueError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    sys.stdout.write(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    app()
