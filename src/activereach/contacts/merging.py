"""What a contact merge asks of every domain: move or fold the rows that point at the old id.

Identity resolution (``contacts.service``) folds contact ``source`` into ``target`` when the
same person turns out to own both. Each domain that keeps a ``contact_id`` column registers a
``ContactMergeHook`` at start-up (``activereach.wiring``) that names its tables and moves their
rows; a table whose rows are plain references uses ``MoveRows``. Contacts knows no other domain:
``tests/unit/test_contact_merge_coverage.py`` enumerates every ``contact_id`` column and fails
when no hook claims its table, so a new table cannot be forgotten by a merge.
"""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession


class ContactMergeHook(Protocol):
    """A domain's part of a merge, run inside the merge's transaction."""

    @property
    def tables(self) -> tuple[str, ...]:
        """The names of the tables (with a ``contact_id``) whose rows this hook takes care of."""

    async def merge(self, session: AsyncSession, workspace_id: str, *, source: str,
                    target: str) -> None: ...


class MoveRows:
    """Rows that only refer to their contact: re-point them at the surviving one."""

    def __init__(self, *models: Any) -> None:
        self.models = models
        self.tables = tuple(model.__tablename__ for model in models)

    async def merge(self, session: AsyncSession, workspace_id: str, *, source: str,
                    target: str) -> None:
        for model in self.models:
            await session.execute(
                update(model).where(model.workspace_id == workspace_id,
                                    model.contact_id == source).values(contact_id=target),
                execution_options={"synchronize_session": False})


_HOOKS: list[ContactMergeHook] = []


def register(*hooks: ContactMergeHook) -> None:
    """Add domains' merge hooks (once each, in the order given)."""
    for hook in hooks:
        if hook not in _HOOKS:
            _HOOKS.append(hook)


def hooks() -> list[ContactMergeHook]:
    if not _HOOKS:
        raise RuntimeError("no contact merge hooks registered: call activereach.wiring.install() "
                           "at start-up")
    return list(_HOOKS)
