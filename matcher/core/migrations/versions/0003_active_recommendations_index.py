"""index of the active recommendations only; no separate index on run_id

A refresh switches the active set off and the new one on; readers ask for a seeker's
active set. A partial index holds just those rows. The unique constraint on (run_id,
seeker_id, posting_id) already serves look-ups by run, so its own index goes: every
refresh writes hundreds of thousands of rows, and each index costs on every row.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("recommendation") as batch_op:
        batch_op.drop_index("ix_recommendation_run_id")
    op.create_index(
        "ix_recommendation_active",
        "recommendation",
        ["seeker_id"],
        sqlite_where=sa.text("active"),
        postgresql_where=sa.text("active"),
    )


def downgrade() -> None:
    op.drop_index("ix_recommendation_active", table_name="recommendation")
    with op.batch_alter_table("recommendation") as batch_op:
        batch_op.create_index("ix_recommendation_run_id", ["run_id"])
