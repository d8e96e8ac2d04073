"""Invariants of the console, each enumerated from the code rather than kept by hand:

* every POST a person can make from the console writes an audit entry (or is named here as one
  that changes no setting, with the reason);
* no console template prints JSON as text (``tojson`` only feeds a script);
* no console template formats money or time itself (the ``money`` and ``when`` filters do).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import activereach

ROOT = Path(activereach.__file__).parent
PAGES = ROOT / "console" / "pages"
HELPERS = ROOT / "console"
TEMPLATES = ROOT / "templates" / "console"

# POST handlers that change no brand setting, and why they need no audit entry.
NOT_AUDITED = {
    "login": "signing in is recorded on the user (last_login_at) and in the sessions table",
    "logout": "ends the caller's own session",
    "preview": "renders a draft, stores nothing",
    "preview_draft": "renders a draft, stores nothing",
    "draft_preview": "renders a draft, stores nothing",
    "run_test": "the sample test runs in a transaction that is always rolled back",
    "test_pipe": "the sample test runs in a transaction that is always rolled back",
    "accept_invite": "the invitee sets their own password; the invite itself was audited",
    "use_reset": "the user sets their own password; the reset link itself was audited",
}


def _functions(paths: list[Path]) -> dict[str, ast.AST]:
    found: dict[str, ast.AST] = {}
    for path in paths:
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                found.setdefault(f"{path.stem}.{node.name}", node)
                found.setdefault(node.name, node)
    return found


def _called(node: ast.AST) -> set[str]:
    names = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call):
            func = sub.func
            if isinstance(func, ast.Name):
                names.add(func.id)
            elif isinstance(func, ast.Attribute):
                names.add(func.attr)
        elif isinstance(sub, ast.Lambda | ast.Name) and isinstance(sub, ast.Name):
            names.add(sub.id)       # functions passed by name (``write(request, save)``)
    return names


def _reaches_audit(name: str, functions: dict[str, ast.AST], seen: set[str]) -> bool:
    if name in seen or name not in functions:
        return False
    seen.add(name)
    called = _called(functions[name])
    return "audited" in called or any(_reaches_audit(c, functions, seen) for c in called)


def _post_handlers() -> list[tuple[str, ast.AsyncFunctionDef]]:
    handlers = []
    for path in sorted(PAGES.glob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if not isinstance(node, ast.AsyncFunctionDef):
                continue
            for deco in node.decorator_list:
                if (isinstance(deco, ast.Call) and isinstance(deco.func, ast.Attribute)
                        and deco.func.attr == "post"):
                    handlers.append((f"{path.stem}.{node.name}", node))
    return handlers


def test_every_console_post_writes_an_audit_entry() -> None:
    functions = _functions(sorted(PAGES.glob("*.py")) + sorted(HELPERS.glob("*.py")))
    handlers = _post_handlers()
    assert len(handlers) > 20, "the route scan found too few POST handlers"
    missing = [qualified for qualified, node in handlers
               if node.name not in NOT_AUDITED
               and not _reaches_audit(node.name, {**functions, node.name: node}, set())]
    assert not missing, f"console POST handlers that never call audited(): {missing}"


def _template_texts() -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(TEMPLATES.glob("*.html"))}


def test_no_console_template_prints_json_as_text() -> None:
    offenders = []
    for name, text in _template_texts().items():
        outside_scripts = re.sub(r"<script\b.*?</script>", "", text, flags=re.S)
        if "tojson" in outside_scripts:
            offenders.append(name)
    assert not offenders, f"templates showing JSON to people: {offenders}"


def test_no_console_template_formats_money_or_time_itself() -> None:
    patterns = {"strftime": re.compile(r"strftime\("),
                "%.2f": re.compile(r"%\.\df"),
                "minor units / 100": re.compile(r"/\s*100\b(?!\s*}}\s*%)"),
                "isoformat": re.compile(r"isoformat\(")}
    offenders = [f"{name}: {label}" for name, text in _template_texts().items()
                 for label, pattern in patterns.items() if pattern.search(text)]
    assert not offenders, f"templates formatting money or time by hand: {offenders}"
