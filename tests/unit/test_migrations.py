"""The migration history is one line: one head, and after the merge point each revision has
exactly one parent, so two engineers adding migrations at once get a clear Alembic error
instead of a silent second head."""

from __future__ import annotations

from alembic.script import ScriptDirectory

from activereach.ops.migrate import alembic_config, head_revisions

MERGE_POINT = "0011"


def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config("sqlite://"))


def test_there_is_one_migration_head() -> None:
    assert len(head_revisions()) == 1, f"several heads: {sorted(head_revisions())}"


def test_every_revision_after_the_merge_point_has_one_parent() -> None:
    scripts = _scripts()
    after_merge = [rev for rev in scripts.walk_revisions()
                   if rev.revision != MERGE_POINT
                   and MERGE_POINT in {a.revision for a in scripts.iterate_revisions(
                       rev.revision, "base")}]
    for rev in after_merge:
        parents = rev.down_revision
        assert isinstance(parents, str), f"{rev.revision} has several parents: {parents}"
