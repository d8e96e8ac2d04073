"""A mapped class's ``Table``, typed as one.

SQLAlchemy types ``Model.__table__`` as the wider ``FromClause`` (a class may be mapped to a join
or a select); every model here is mapped to a plain ``Table``, whose ``insert()``, ``update()``
and ``primary_key.columns`` Core statements use.
"""

from __future__ import annotations

from typing import cast

from sqlalchemy import Table
from sqlalchemy.orm import DeclarativeBase


def table_of(model: type[DeclarativeBase]) -> Table:
    """``model.__table__``, the same object, as a ``Table``."""
    return cast(Table, model.__table__)
