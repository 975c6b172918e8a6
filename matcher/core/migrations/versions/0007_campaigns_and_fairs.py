"""campaigns and fairs: campaign edits, fair listings, fit figures, invite marks

Campaigns become editable (who made them, when, and a version for stale saves) and carry
their fair: the postings picked for it, the fit figures the fair analysis job writes per
posting and per seeker of the fair's area, and the case workers' invite marks, kept apart so
that a new analysis never loses them. Seekers get a contact preference for invitations.

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_text = sqlmodel.sql.sqltypes.AutoString
_moment = sqlmodel.sql.sqltypes.UTCDateTime


def _key(table: str) -> sa.Column:
    return sa.Column(
        f"{table}_id",
        sa.Integer(),
        sa.ForeignKey(f"{table}.id", ondelete="CASCADE"),
        primary_key=True,
    )


def upgrade() -> None:
    with op.batch_alter_table("campaign") as batch:
        batch.add_column(sa.Column("created_by", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("updated_at", _moment(), nullable=True))
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("listing_changed_at", _moment(), nullable=True))
        batch.add_column(sa.Column("analysed_at", _moment(), nullable=True))
        batch.create_foreign_key("fk_campaign_created_by", "app_user", ["created_by"], ["id"])
    op.execute("UPDATE campaign SET updated_at = created_at")
    with op.batch_alter_table("campaign") as batch:
        batch.alter_column("updated_at", existing_type=_moment(), nullable=False)
        batch.alter_column("version", existing_type=sa.Integer(), server_default=None)
    with op.batch_alter_table("jobseeker") as batch:
        batch.add_column(
            sa.Column(
                "contact_preference",
                _text(length=20),
                nullable=False,
                server_default="case_worker",
            )
        )
    with op.batch_alter_table("jobseeker") as batch:
        batch.alter_column(
            "contact_preference", existing_type=_text(length=20), server_default=None
        )
    op.create_table(
        "fair_listing",
        _key("campaign"),
        _key("posting"),
        sa.Column("added_by", sa.Integer(), sa.ForeignKey("app_user.id"), nullable=True),
        sa.Column("added_at", _moment(), nullable=False),
    )
    op.create_table(
        "fair_posting_fit",
        _key("campaign"),
        _key("posting"),
        sa.Column("fits", sa.Integer(), nullable=False),
        sa.Column("fits_in_area", sa.Integer(), nullable=False),
    )
    op.create_table(
        "fair_seeker",
        _key("campaign"),
        sa.Column(
            "seeker_id",
            sa.Integer(),
            sa.ForeignKey("jobseeker.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("fits", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("top_postings", sa.JSON(), nullable=False),
    )
    op.create_index("ix_fair_seeker_rank", "fair_seeker", ["campaign_id", "score"])
    op.create_table(
        "fair_invite",
        _key("campaign"),
        sa.Column(
            "seeker_id",
            sa.Integer(),
            sa.ForeignKey("jobseeker.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("status", _text(length=20), nullable=False),
        sa.Column("marked_by", sa.Integer(), sa.ForeignKey("app_user.id"), nullable=True),
        sa.Column("marked_at", _moment(), nullable=False),
    )


def downgrade() -> None:
    for table in ("fair_invite", "fair_seeker", "fair_posting_fit", "fair_listing"):
        op.drop_table(table)
    with op.batch_alter_table("jobseeker") as batch:
        batch.drop_column("contact_preference")
    with op.batch_alter_table("campaign") as batch:
        batch.drop_constraint("fk_campaign_created_by", type_="foreignkey")
        for column in ("analysed_at", "listing_changed_at", "version", "updated_at", "created_by"):
            batch.drop_column(column)
