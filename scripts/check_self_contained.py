"""Fail when a tracked file under src/, tests/, bench/ or scripts/ refers to a path outside the
repository (a clone has nothing beside it: no ``../shared``, no home directory, no workspace).

What counts as a reference:
- a relative path literal (``../x``) that climbs above the repository root, resolved from the
  file's own folder and from the root (scripts run from either);
- ``Path(__file__)`` climbing (``.parents[N]`` / ``.parent`` chains) above the root;
- an absolute path into a developer's machine (``/work/``, ``/home/``, ``/root/``, ``/Users/``);
- the research folder that sits beside the project in development (``shared/fixtures``,
  ``shared/reference``).
A line that mentions such a string on purpose (an attack payload in a test) carries the marker
``path-check: not a path``.
Usage: python scripts/check_self_contained.py   (exit status 1 and a list when it finds any)
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
AREAS = ("src", "tests", "bench", "scripts")
MARKER = "path-check: not a path"
RELATIVE = re.compile(r"""(?<![\w.])((?:\.\./)+[\w.\-/]*)""")
ABSOLUTE = re.compile(r"""(?<![\w])(/(?:work|home|root|Users)/[\w.\-/]*)""")
RESEARCH = re.compile(r"""shared/(?:fixtures|reference|product|hooks)|["']shared["']\s*/""")


def tracked_files() -> list[Path]:
    listing = subprocess.run(["git", "ls-files", "-z", "--", *AREAS], cwd=ROOT, check=True,
                             capture_output=True).stdout.decode()
    return [ROOT / name for name in listing.split("\0") if name]


def _escapes(base: Path, relative: str) -> bool:
    target = (base / relative).resolve()
    return target != ROOT and ROOT not in target.parents


def line_findings(path: Path, text: str) -> list[str]:
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        if MARKER in line:
            continue
        for match in RELATIVE.finditer(line):
            if _escapes(path.parent, match.group(1)) or _escapes(ROOT, match.group(1)):
                found.append(f"{number}: relative path {match.group(1)!r} leaves the repository")
        for match in ABSOLUTE.finditer(line):
            found.append(f"{number}: absolute path {match.group(1)!r}")
        if RESEARCH.search(line):
            found.append(f"{number}: refers to the research folder beside the project")
    return found


def _climb(node: ast.AST) -> int | None:
    """How many folders ``Path(__file__)…`` climbs above the file's folder, or None."""
    steps = 0
    while True:
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute) \
                and node.value.attr == "parents" and isinstance(node.slice, ast.Constant) \
                and isinstance(node.slice.value, int):
            steps += node.slice.value + 1
            node = node.value.value
        elif isinstance(node, ast.Attribute) and node.attr == "parent":
            steps += 1
            node = node.value
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr in ("resolve", "absolute"):
            node = node.func.value
        elif isinstance(node, ast.Call) and any(isinstance(a, ast.Name) and a.id == "__file__"
                                                for a in node.args):
            return steps - 1  # levels above the file, less one: its own folder is 0
        else:
            return None


def ast_findings(path: Path, text: str) -> list[str]:
    depth = len(path.relative_to(ROOT).parts) - 1  # folders between the root and the file
    found = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, (ast.Subscript, ast.Attribute)):
            climbed = _climb(node)
            if climbed is not None and climbed > depth:
                found.append(f"{node.lineno}: Path(__file__) climbs {climbed} folders, "
                             f"above the repository root ({depth} up)")
    return sorted(set(found))


def main() -> int:
    problems = []
    for path in tracked_files():
        if not path.is_file() or path == Path(__file__).resolve():  # it names them to find them
            continue
        try:
            text = path.read_text()
        except UnicodeDecodeError:
            continue
        found = line_findings(path, text)
        if path.suffix == ".py":
            found += ast_findings(path, text)
        problems += [f"{path.relative_to(ROOT)}:{item}" for item in found]
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"{len(problems)} reference(s) to paths outside the repository", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
