"""The repository reads nothing beside itself: the CI guard passes, and it catches each kind."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("check", ROOT / "scripts/check_self_contained.py")
assert _spec and _spec.loader
check = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(check)


def test_no_tracked_file_refers_outside_the_repository() -> None:
    assert check.main() == 0


def test_each_kind_of_reference_is_caught() -> None:
    here = ROOT / "tests" / "pipes" / "conftest.py"
    parts = ["..", "/", "..", "/", "shared"]  # built here so this file holds no such literal
    escaping = "".join(parts)
    assert check.line_findings(here, f'open("{escaping}/x.json")')
    assert check.line_findings(here, 'DATA = "/' + 'home/dev/data.csv"')
    assert check.line_findings(here, 'FIX = ROOT / "shar' + 'ed" / "fixtures"')
    assert check.ast_findings(here, "X = Path(__file__).resolve().parents[3] / 'x'")
    assert check.ast_findings(here, "X = Path(__file__).parent.parent.parent.parent")
    # inside the repository, or marked as an attack payload: not a finding
    assert not check.ast_findings(here, "X = Path(__file__).resolve().parents[2] / 'x'")
    assert not check.line_findings(here, 'order_id = "../../admin"  # path-check: not a path')
    assert not check.line_findings(here, 'FIX = Path("tests/fixtures/pos-webhooks")')
