"""Alembic environment: runs the migrations against the connection JobBridge hands it.

``matcher.core.schema`` passes an open connection in ``config.attributes["connection"]``; when
Alembic is used from its own command line (``alembic -c matcher/core/migrations/alembic.ini``),
the URL comes from DATABASE_URL instead.
"""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

from matcher.core import models  # noqa: F401  (registers the tables on SQLModel.metadata)
from matcher.core.config import load_settings
from matcher.core.db import make_engine

target_metadata = SQLModel.metadata


def _run(connection: object) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things in place; batch mode rebuilds the table.
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    engine = make_engine(load_settings().database_url)
    with engine.connect() as conn:
        _run(conn)
