"""Invariant (issue 19 #8): kit/cache.py is the only process cache under src/.

A module that builds a ``cachetools`` cache, or keeps a module-level dict that a function fills
while reading a clock (an expiry stamp), has grown a cache of its own: with its own size bound,
its own TTL and no way for a tenant's change to drop only that tenant's entries.  Found by AST.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"
THE_CACHE = "activereach/kit/cache.py"
# Files others are restructuring; each still holds a cache of its own, to move onto TenantCache
# with that work.  The last test fails once a file is clean, so this list only shrinks.
CACHE_CLASSES = {"Cache", "TTLCache", "LRUCache", "LFUCache", "FIFOCache", "RRCache",
                 "MRUCache", "TLRUCache"}
CLOCKS = {"monotonic", "monotonic_ns", "perf_counter", "perf_counter_ns", "time", "time_ns"}
FIX = "keep process caches in activereach.kit.cache.TenantCache"


def _callee(node: ast.Call) -> tuple[str | None, str]:
    """(``module`` of ``module.name(...)`` or None, ``name``) of a call."""
    func = node.func
    if isinstance(func, ast.Attribute):
        owner = func.value.id if isinstance(func.value, ast.Name) else None
        return owner, func.attr
    return None, func.id if isinstance(func, ast.Name) else ""


def _imported(tree: ast.Module, module: str) -> dict[str, str]:
    """Local name -> original name for ``from <module> import ...``."""
    return {alias.asname or alias.name: alias.name for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module == module for alias in node.names}


def _reads_clock(node: ast.AST, clocks: set[str]) -> bool:
    for call in ast.walk(node):
        if isinstance(call, ast.Call):
            owner, name = _callee(call)
            if (owner == "time" and name in CLOCKS) or (owner is None and name in clocks):
                return True
    return False


def _empty_dicts(tree: ast.Module) -> dict[str, int]:
    """Module-level names bound to an empty dict (``{}``, ``dict()``, ``OrderedDict()``…)."""
    found = {}
    for node in tree.body:
        target, value = None, None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign):
            target, value = node.target, node.value
        empty = (isinstance(value, ast.Dict) and not value.keys) or (
            isinstance(value, ast.Call) and not value.args and not value.keywords
            and _callee(value)[1] in {"dict", "OrderedDict"}) or (
            isinstance(value, ast.Call) and _callee(value)[1] == "defaultdict")
        if isinstance(target, ast.Name) and empty:
            found[target.id] = node.lineno
    return found


def findings(source: str, path: str = "<test>") -> list[str]:
    """Each home-grown cache in ``source``, as ``path:line: what``."""
    tree = ast.parse(source)
    classes = {local for local, name in _imported(tree, "cachetools").items()
               if name in CACHE_CLASSES} | (CACHE_CLASSES - {"Cache"})
    clocks = {local for local, name in _imported(tree, "time").items() if name in CLOCKS}
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            owner, name = _callee(node)
            if name in classes or (owner == "cachetools" and name in CACHE_CLASSES):
                out.append(f"{path}:{node.lineno}: constructs a cachetools {name}")
    dicts = _empty_dicts(tree)
    for func in ast.walk(tree):
        if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        if not _reads_clock(func, clocks):
            continue
        for node in ast.walk(func):
            targets = (node.targets if isinstance(node, ast.Assign)
                       else [node.target] if isinstance(node, (ast.AugAssign, ast.AnnAssign))
                       else [])
            for target in targets:
                if (isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name)
                        and target.value.id in dicts):
                    out.append(f"{path}:{target.lineno}: {func.name}() fills the module-level "
                               f"dict {target.value.id} (line {dicts[target.value.id]}) while "
                               f"reading a clock")
    return out


def _scan() -> dict[str, list[str]]:
    result = {}
    for file in sorted(SRC.rglob("*.py")):
        relative = file.relative_to(SRC).as_posix()
        if relative != THE_CACHE and (found := findings(file.read_text(), relative)):
            result[relative] = found
    return result


def test_no_module_but_kit_cache_keeps_a_cache_of_its_own() -> None:
    stray = [line for path, lines in _scan().items() for line in lines]
    assert not stray, (f"{FIX} (per-workspace forget, one bound, one TTL); found:\n  "
                       + "\n  ".join(stray))


def test_each_kind_of_cache_is_caught() -> None:
    assert findings("from cachetools import TTLCache\nC = TTLCache(maxsize=9, ttl=1)\n")
    assert findings("from cachetools import LRUCache as L\nC = L(maxsize=9)\n")
    assert findings("import cachetools\nC = cachetools.LRUCache(9)\n")
    assert findings("import cachetools\ndef f():\n    return cachetools.TTLCache(9, 1)\n")
    stamped = ("import time\n_C: dict = {}\n"
               "def put(k, v):\n    _C[k] = (time.monotonic() + 5, v)\n")
    assert findings(stamped)
    assert findings("from time import monotonic\n_C = dict()\n"
                    "def put(k, v):\n    expires = monotonic() + 5\n    _C[k] = (expires, v)\n")
    # a deadline with no module dict, a module dict with no clock, a dict of constants: fine
    assert not findings("import time\ndef f():\n    deadline = time.monotonic() + 5\n"
                        "    return deadline\n")
    assert not findings("_LOADING: dict = {}\ndef f(k, v):\n    _LOADING[k] = v\n")
    assert not findings("import time\nEXTRA = {'a': 1}\ndef f(v):\n"
                        "    EXTRA['a'] = time.monotonic()\n")
