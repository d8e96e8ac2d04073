"""What ``activereach demo`` prints: the URLs a newcomer opens, as text, JSON or shell exports."""

from __future__ import annotations

import shlex
from typing import Any

from rich.console import Console

from activereach.config import Settings


def with_urls(result: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """The seeded demo plus every address to open, on the domain the server is reached at."""
    base = f"{settings.public_scheme}://{settings.bill_domain}"
    bill_base = f"{settings.public_scheme}://{result['workspace']}.{settings.bill_domain}/b/"
    code = result.get("sample_bill_code")
    return {**result, "api_base": base, "docs_url": f"{base}/docs",
            "console_url": f"{base}/login", "cashier_url": f"{base}/cashier/",
            "bill_base": bill_base, "sample_bill_url": f"{bill_base}{code}" if code else None}


def _terminal(result: dict[str, Any], location: str, label: str) -> dict[str, Any]:
    return next(t for t in result["terminals"]
                if t["location_code"] == location and t["terminal_id"] == label)


def _pin(result: dict[str, Any], role: str) -> str:
    return next(s["pin"] for s in result["staff"] if s["role"] == role)


def demo_env_lines(result: dict[str, Any]) -> str:
    """``export`` lines for ``eval "$(activereach demo --env)"`` (values shell-quoted)."""
    first = result["locations"][0]["code"]
    values = {
        "BASE": result["api_base"], "ADMIN": result["admin_key"], "WRITE": result["write_key"],
        "OWNER_EMAIL": result["console_email"], "OWNER_PASSWORD": result["console_password"],
        "CASHIER_PIN": _pin(result, "cashier"), "MANAGER_PIN": _pin(result, "manager"),
        "PAIR_T1": _terminal(result, first, "T1")["pairing_code"],
        "PAIR_T2": _terminal(result, first, "T2")["pairing_code"],
        "BILL": result.get("sample_bill_url") or "",
    }
    return "".join(f"export {name}={shlex.quote(value)}\n" for name, value in values.items())


def describe_demo(result: dict[str, Any], out: Console) -> None:
    """The human summary: what to open, with which credentials."""
    out.print(f"[bold]{result['name']}[/bold] ({result['workspace']})")
    out.print(f"  API          {result['api_base']}   docs {result['docs_url']}")
    out.print(f"  admin key    {result['admin_key']}")
    out.print(f"  write key    {result['write_key']}")
    out.print(f"  console      {result['console_url']}  {result['console_email']} / "
              f"{result['console_password']}")
    out.print(f"  cashier      {result['cashier_url']}  (pair with a terminal's code)")
    for term in result["terminals"]:
        out.print(f"    terminal   {term['location_code']}/{term['terminal_id']}  "
                  f"pairing code {term['pairing_code']}")
    for person in result["staff"]:
        out.print(f"    staff      {person['name']} ({person['role']})  PIN {person['pin']}")
    if result.get("sample_bill_url"):
        out.print(f"  a bill       {result['sample_bill_url']}")
    out.print(f"  bills        {result['bill_base']}<code>")
    out.print("  shell        eval \"$(.venv/bin/activereach demo --env)\"  "
              "(exports BASE, ADMIN, WRITE, PINs and pairing codes)")
