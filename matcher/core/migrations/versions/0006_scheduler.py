"""the scheduler: run history, requests, SQLite leases, KPI snapshots, change lists, reminders

The scheduler process records every job run; web workers and the CLI leave requests for it
instead of ranking themselves; on SQLite a lease row stands in for PostgreSQL's advisory
locks. Its jobs keep daily KPI snapshots (the dashboard's trends), weekly change lists per
area and each case worker's daily reminders. Postings record when they closed, seekers when
their recommendations last changed, and a full refresh the postings that fit nobody. The
postings page gets an index for its newest-first list.

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_text = sqlmodel.sql.sqltypes.AutoString
_moment = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "job_run",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("job", _text(length=40), nullable=False),
        sa.Column("slot", _text(length=40), nullable=False),
        sa.Column("trigger", _text(length=20), nullable=False),
        sa.Column("status", _text(length=20), nullable=False),
        sa.Column("started_at", _moment(), nullable=False),
        sa.Column("finished_at", _moment(), nullable=True),
        sa.Column("duration_s", sa.Float(), nullable=True),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("error", _text(), nullable=True),
        sa.Column("host", _text(length=120), nullable=False),
    )
    op.create_index("ix_job_run_job_slot", "job_run", ["job", "slot"])
    op.create_index("ix_job_run_started_at", "job_run", ["started_at"])
    op.create_table(
        "job_request",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("job", _text(length=40), nullable=False),
        sa.Column(
            "seeker_id",
            sa.Integer(),
            sa.ForeignKey("jobseeker.id", ondelete="CASCADE"),
            nullable=True,
        ),
        sa.Column("reason", _text(length=40), nullable=False),
        sa.Column("slot", _text(length=40), nullable=False),
        sa.Column("requested_by", sa.Integer(), sa.ForeignKey("app_user.id"), nullable=True),
        sa.Column("requested_at", _moment(), nullable=False),
        sa.Column("handled_at", _moment(), nullable=True),
        sa.Column("job_run_id", sa.Integer(), sa.ForeignKey("job_run.id"), nullable=True),
    )
    op.create_index("ix_job_request_pending", "job_request", ["handled_at", "job"])
    op.create_table(
        "job_lease",
        sa.Column("name", _text(length=40), primary_key=True),
        sa.Column("holder", _text(length=160), nullable=False),
        sa.Column("expires_at", _moment(), nullable=False),
    )
    op.create_table(
        "kpi_snapshot",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("area_code", _text(length=12), nullable=False),
        *(
            sa.Column(name, sa.Integer(), nullable=False)
            for name in (
                "seekers",
                "filed",
                "seeking",
                "served",
                "four_ones",
                "graduates",
                "graduates_with_postings",
            )
        ),
        sa.Column("outcomes", sa.JSON(), nullable=False),
        sa.Column("taken_at", _moment(), nullable=False),
        sa.UniqueConstraint("day", "area_code"),
    )
    op.create_index("ix_kpi_snapshot_day", "kpi_snapshot", ["day"])
    op.create_table(
        "weekly_change",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("area_code", _text(length=12), nullable=False),
        *(
            sa.Column(name, sa.Integer(), nullable=False)
            for name in ("new_postings", "closed_postings", "changed_seekers", "unfit_postings")
        ),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("made_at", _moment(), nullable=False),
        sa.UniqueConstraint("week_start", "area_code"),
    )
    op.create_index("ix_weekly_change_week_start", "weekly_change", ["week_start"])
    op.create_table(
        "reminder",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column(
            "worker_id",
            sa.Integer(),
            sa.ForeignKey("app_user.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("due", sa.Integer(), nullable=False),
        sa.Column("overdue", sa.Integer(), nullable=False),
        sa.Column("graduates_short", sa.Integer(), nullable=False),
        sa.Column("seekers", sa.JSON(), nullable=False),
        sa.Column("made_at", _moment(), nullable=False),
        sa.UniqueConstraint("day", "worker_id"),
    )
    op.create_index("ix_reminder_day", "reminder", ["day"])
    op.add_column("jobseeker", sa.Column("matches_changed_at", _moment(), nullable=True))
    op.add_column("posting", sa.Column("closed_at", _moment(), nullable=True))
    op.add_column("refresh_run", sa.Column("unfit_postings", sa.JSON(), nullable=True))
    op.create_index("ix_posting_status_created", "posting", ["status", "created_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_posting_status_created", table_name="posting")
    op.drop_column("refresh_run", "unfit_postings")
    op.drop_column("posting", "closed_at")
    op.drop_column("jobseeker", "matches_changed_at")
    for table in ("reminder", "weekly_change", "kpi_snapshot", "job_lease", "job_request"):
        op.drop_table(table)
    op.drop_table("job_run")
