"""service plans, failed sign-ins, and the indexes of the case-worker pages

One plan per person (一人一策) gets its table; failed sign-ins are counted in the database
so that the limit holds across web workers. The caseload page lists a case worker's seekers
and their latest service records; the seeker file lists a seeker's records by date.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "service_plan",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "seeker_id",
            sa.Integer(),
            sa.ForeignKey("jobseeker.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
        sa.Column("goals", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("planned_services", sa.JSON(), nullable=False),
        sa.Column("updated_by", sa.Integer(), sa.ForeignKey("app_user.id"), nullable=True),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_table(
        "login_attempt",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    )
    op.create_index("ix_login_attempt_key_at", "login_attempt", ["key", "at"])
    op.create_index("ix_service_record_seeker_served", "service_record", ["seeker_id", "served_on"])


def downgrade() -> None:
    op.drop_index("ix_service_record_seeker_served", table_name="service_record")
    op.drop_index("ix_login_attempt_key_at", table_name="login_attempt")
    op.drop_table("login_attempt")
    op.drop_table("service_plan")
