"""indexes for what changed since the last refresh, for declines, and for list scores

An incremental refresh asks which seekers, assessments and postings changed since a time,
and the weakest score of each active list; every refresh reads the declined pairs; one
seeker ranked on demand asks when postings last changed. Without these indexes each
question reads a whole table.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_recommendation_active", table_name="recommendation")
    op.create_index(
        "ix_recommendation_active",
        "recommendation",
        ["seeker_id", "score"],
        sqlite_where=sa.text("active"),
        postgresql_where=sa.text("active"),
    )
    op.create_index("ix_jobseeker_updated_at", "jobseeker", ["updated_at"])
    op.create_index("ix_posting_updated_at", "posting", ["updated_at"])
    op.create_index("ix_capability_profile_assessed_at", "capability_profile", ["assessed_at"])
    op.create_index(
        "ix_recommendation_declined",
        "recommendation",
        ["seeker_id", "posting_id"],
        sqlite_where=sa.text("status = 'declined'"),
        postgresql_where=sa.text("status = 'declined'"),
    )


def downgrade() -> None:
    op.drop_index("ix_recommendation_active", table_name="recommendation")
    op.create_index(
        "ix_recommendation_active",
        "recommendation",
        ["seeker_id"],
        sqlite_where=sa.text("active"),
        postgresql_where=sa.text("active"),
    )
    op.drop_index("ix_recommendation_declined", table_name="recommendation")
    op.drop_index("ix_capability_profile_assessed_at", table_name="capability_profile")
    op.drop_index("ix_posting_updated_at", table_name="posting")
    op.drop_index("ix_jobseeker_updated_at", table_name="jobseeker")
