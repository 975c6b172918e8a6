"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-22 10:50:30.631543
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "app_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("password_hash", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("display_name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("area_codes", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("session_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("last_login_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_app_user_username"), ["username"], unique=True)

    op.create_table(
        "campaign",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("organizer", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("venue", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("venue_accessibility", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("area_code", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "employer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("credit_code", sqlmodel.sql.sqltypes.AutoString(length=18), nullable=True),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("area_code", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=True),
        sa.Column("staff_count", sa.Integer(), nullable=True),
        sa.Column("disabled_staff_count", sa.Integer(), nullable=True),
        sa.Column("facilities", sa.JSON(), nullable=False),
        sa.Column("contact_name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("contact_phone", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("credit_code"),
    )
    with op.batch_alter_table("employer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_employer_area_code"), ["area_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_employer_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_employer_name"), ["name"], unique=True)

    op.create_table(
        "refresh_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("started_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("finished_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("seekers", sa.Integer(), nullable=False),
        sa.Column("postings", sa.Integer(), nullable=False),
        sa.Column("feasible_pairs", sa.Integer(), nullable=False),
        sa.Column("recommendations", sa.Integer(), nullable=False),
        sa.Column("duration_s", sa.Float(), nullable=True),
        sa.Column("error", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("object_type", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("object_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["app_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_at"), ["at"], unique=False)

    op.create_table(
        "jobseeker",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("external_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("gender", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True),
        sa.Column("birth_year", sa.Integer(), nullable=True),
        sa.Column("id_number_cipher", sa.LargeBinary(), nullable=True),
        sa.Column("id_number_digest", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("id_number_masked", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=True),
        sa.Column("cert_no_cipher", sa.LargeBinary(), nullable=True),
        sa.Column("cert_no_digest", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("cert_no_masked", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=True),
        sa.Column("phone_cipher", sa.LargeBinary(), nullable=True),
        sa.Column("phone_masked", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=True),
        sa.Column("disability_types", sa.JSON(), nullable=False),
        sa.Column("disability_grade", sa.Integer(), nullable=False),
        sa.Column("education", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("major", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("school", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("graduation_year", sa.Integer(), nullable=True),
        sa.Column("is_graduate", sa.Boolean(), nullable=False),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column("skills_text", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("certificates", sa.JSON(), nullable=False),
        sa.Column("certificates_text", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("experience", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("area_code", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column(
            "household_area_code", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=True
        ),
        sa.Column("willing_areas", sa.JSON(), nullable=False),
        sa.Column("desired_jobs", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("min_salary", sa.Integer(), nullable=True),
        sa.Column("work_modes", sa.JSON(), nullable=False),
        sa.Column("accommodations_needed", sa.JSON(), nullable=False),
        sa.Column("rural", sa.Boolean(), nullable=False),
        sa.Column("low_income", sa.Boolean(), nullable=False),
        sa.Column("employment_status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("consent", sa.Boolean(), nullable=False),
        sa.Column("consent_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("consent_notice", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("case_worker_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_worker_id"],
            ["app_user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["app_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("cert_no_digest"),
        sa.UniqueConstraint("id_number_digest"),
        sa.UniqueConstraint("user_id"),
    )
    with op.batch_alter_table("jobseeker", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_jobseeker_area_code"), ["area_code"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_jobseeker_case_worker_id"), ["case_worker_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_jobseeker_external_id"), ["external_id"], unique=True)
        batch_op.create_index(batch_op.f("ix_jobseeker_is_graduate"), ["is_graduate"], unique=False)

    op.create_table(
        "posting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("external_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("employer_id", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("category", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("requirements", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column("skills_text", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("education_min", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("majors", sa.JSON(), nullable=False),
        sa.Column("area_code", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("work_modes", sa.JSON(), nullable=False),
        sa.Column("salary_min", sa.Integer(), nullable=True),
        sa.Column("salary_max", sa.Integer(), nullable=True),
        sa.Column("openings", sa.Integer(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("graduate_only", sa.Boolean(), nullable=False),
        sa.Column("suitable_types", sa.JSON(), nullable=True),
        sa.Column("accommodations", sa.JSON(), nullable=False),
        sa.Column("demands", sa.JSON(), nullable=True),
        sa.Column("requirement_profile", sa.JSON(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["employer_id"],
            ["employer.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("posting", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_posting_area_code"), ["area_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_posting_category"), ["category"], unique=False)
        batch_op.create_index(batch_op.f("ix_posting_employer_id"), ["employer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_posting_external_id"), ["external_id"], unique=True)
        batch_op.create_index(batch_op.f("ix_posting_status"), ["status"], unique=False)

    op.create_table(
        "capability_profile",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seeker_id", sa.Integer(), nullable=False),
        sa.Column("levels", sa.JSON(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("assessed_by", sa.Integer(), nullable=True),
        sa.Column("assessed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("notes", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessed_by"],
            ["app_user.id"],
        ),
        sa.ForeignKeyConstraint(["seeker_id"], ["jobseeker.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("seeker_id"),
    )
    op.create_table(
        "posting_campaign",
        sa.Column("posting_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaign.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["posting_id"], ["posting.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("posting_id", "campaign_id"),
    )
    op.create_table(
        "recommendation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("seeker_id", sa.Integer(), nullable=False),
        sa.Column("posting_id", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("parts", sa.JSON(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("needs_accommodation", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("status_reason", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("status_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["posting_id"], ["posting.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["refresh_run.id"],
        ),
        sa.ForeignKeyConstraint(["seeker_id"], ["jobseeker.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("run_id", "seeker_id", "posting_id"),
    )
    with op.batch_alter_table("recommendation", schema=None) as batch_op:
        batch_op.create_index(
            "ix_recommendation_posting_active", ["posting_id", "active"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_recommendation_run_id"), ["run_id"], unique=False)
        batch_op.create_index(
            "ix_recommendation_seeker_active", ["seeker_id", "active"], unique=False
        )

    op.create_table(
        "service_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seeker_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("served_on", sa.Date(), nullable=False),
        sa.Column("worker_id", sa.Integer(), nullable=True),
        sa.Column("notes", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("next_follow_up", sa.Date(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["seeker_id"], ["jobseeker.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["worker_id"],
            ["app_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("service_record", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_service_record_next_follow_up"), ["next_follow_up"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_service_record_seeker_id"), ["seeker_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("service_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_record_seeker_id"))
        batch_op.drop_index(batch_op.f("ix_service_record_next_follow_up"))

    op.drop_table("service_record")
    with op.batch_alter_table("recommendation", schema=None) as batch_op:
        batch_op.drop_index("ix_recommendation_seeker_active")
        batch_op.drop_index(batch_op.f("ix_recommendation_run_id"))
        batch_op.drop_index("ix_recommendation_posting_active")

    op.drop_table("recommendation")
    op.drop_table("posting_campaign")
    op.drop_table("capability_profile")
    with op.batch_alter_table("posting", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_posting_status"))
        batch_op.drop_index(batch_op.f("ix_posting_external_id"))
        batch_op.drop_index(batch_op.f("ix_posting_employer_id"))
        batch_op.drop_index(batch_op.f("ix_posting_category"))
        batch_op.drop_index(batch_op.f("ix_posting_area_code"))

    op.drop_table("posting")
    with op.batch_alter_table("jobseeker", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_jobseeker_is_graduate"))
        batch_op.drop_index(batch_op.f("ix_jobseeker_external_id"))
        batch_op.drop_index(batch_op.f("ix_jobseeker_case_worker_id"))
        batch_op.drop_index(batch_op.f("ix_jobseeker_area_code"))

    op.drop_table("jobseeker")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_at"))

    op.drop_table("audit_log")
    op.drop_table("refresh_run")
    with op.batch_alter_table("employer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_employer_name"))
        batch_op.drop_index(batch_op.f("ix_employer_kind"))
        batch_op.drop_index(batch_op.f("ix_employer_area_code"))

    op.drop_table("employer")
    op.drop_table("campaign")
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_app_user_username"))

    op.drop_table("app_user")
