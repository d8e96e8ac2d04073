"""The migration history is one line: one head, and after the merge point every revision has
exactly one parent, so a second branch fails here instead of becoming a silent second head."""

from __future__ import annotations

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
