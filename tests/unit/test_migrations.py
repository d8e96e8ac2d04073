"""The migration history is one line: one head, and after the merge point every revision has
exactly one parent, so a second branch fails here instead of becoming a silent second head."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from alembic.script import ScriptDirectory

from activereach.ops.migrate import alembic_config, head_revisions

MERGE_POINT = "0011"


def test_there_is_one_migration_head() -> None:
    assert len(head_revisions()) == 1, f"several heads: {sorted(head_revisions())}"


def test_every_revision_after_the_merge_point_has_one_parent() -> None:
    scripts = ScriptDirectory.from_config(alembic_config("sqlite://"))
    for rev in scripts.iterate_revisions("head", MERGE_POINT):
        if rev.revision != MERGE_POINT:
            assert isinstance(rev.down_revision, str), \
                f"{rev.revision} has several parents: {rev.down_revision}"


def test_the_alembic_command_prints_one_head() -> None:
    """What an operator types at the repository root (alembic.ini) agrees."""
    root = Path(__file__).resolve().parents[2]
    alembic = Path(sys.executable).with_name("alembic")
    out = subprocess.run([str(alembic), "heads"], cwd=root, capture_output=True, text=True,
                         check=True, timeout=60).stdout
    assert [line.split()[0] for line in out.splitlines() if line.strip()] == sorted(head_revisions())
