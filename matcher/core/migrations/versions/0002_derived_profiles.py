"""derived profiles: what matcher.reference.requirements reads from seekers' and postings' text

Existing rows get empty lists and no profile version; the next refresh sees the missing
version and derives them.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 11:28:41.746449
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EMPTY_LIST = sa.text("'[]'")


def upgrade() -> None:
    with op.batch_alter_table("jobseeker", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("desired_categories", sa.JSON(), nullable=False, server_default=EMPTY_LIST)
        )
        batch_op.add_column(
            sa.Column("major_categories", sa.JSON(), nullable=False, server_default=EMPTY_LIST)
        )
        batch_op.add_column(
            sa.Column("text_skills", sa.JSON(), nullable=False, server_default=EMPTY_LIST)
        )
        batch_op.add_column(
            sa.Column("profile_version", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True)
        )

    with op.batch_alter_table("posting", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("intrinsic", sa.JSON(), nullable=False, server_default=EMPTY_LIST)
        )
        batch_op.add_column(
            sa.Column("text_accommodations", sa.JSON(), nullable=False, server_default=EMPTY_LIST)
        )
        batch_op.add_column(
            sa.Column("text_skills", sa.JSON(), nullable=False, server_default=EMPTY_LIST)
        )
        batch_op.add_column(
            sa.Column("profile_version", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("posting", schema=None) as batch_op:
        batch_op.drop_column("profile_version")
        batch_op.drop_column("text_skills")
        batch_op.drop_column("text_accommodations")
        batch_op.drop_column("intrinsic")

    with op.batch_alter_table("jobseeker", schema=None) as batch_op:
        batch_op.drop_column("profile_version")
        batch_op.drop_column("text_skills")
        batch_op.drop_column("major_categories")
        batch_op.drop_column("desired_categories")
