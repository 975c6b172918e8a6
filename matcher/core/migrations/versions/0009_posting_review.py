"""posting review: inferred categories and demands with their confidence and source, staff
edits that override them, and postings held for review

A posting's category may now be inferred with a confidence; each demand of its requirement
profile records where it came from (the category, a phrase of the text, the employer's file,
a staff member). Staff may set the category and any demand, which survive re-imports; a
staff edit of the text keeps the original. A posting whose inference is unsure, or whose
text holds an exclusionary clause, is held: stored and shown to staff, never recommended,
listed at a fair or printed, until a person clears it (who, when, how, why). Restrictions a
person accepts as job-related (gender, age) are kept to be applied as hard constraints.

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_text = sqlmodel.sql.sqltypes.AutoString
_moment = sqlmodel.sql.sqltypes.UTCDateTime
EMPTY_LIST = sa.text("'[]'")
EMPTY_OBJECT = sa.text("'{}'")


def upgrade() -> None:
    with op.batch_alter_table("posting") as batch:
        batch.add_column(sa.Column("category_confidence", sa.Float(), nullable=True))
        batch.add_column(sa.Column("staff_category", _text(length=40), nullable=True))
        batch.add_column(sa.Column("staff_demands", sa.JSON(), nullable=True))
        batch.add_column(
            sa.Column("demand_sources", sa.JSON(), nullable=False, server_default=EMPTY_OBJECT)
        )
        batch.add_column(sa.Column("original_text", sa.JSON(), nullable=True))
        batch.add_column(
            sa.Column("review", _text(length=20), nullable=False, server_default="none")
        )
        batch.add_column(
            sa.Column("review_reasons", sa.JSON(), nullable=False, server_default=EMPTY_LIST)
        )
        batch.add_column(sa.Column("reviewed_by", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("reviewed_at", _moment(), nullable=True))
        batch.add_column(sa.Column("review_note", _text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("restrictions", sa.JSON(), nullable=True))
        batch.create_foreign_key("fk_posting_reviewed_by", "app_user", ["reviewed_by"], ["id"])
        batch.create_index("ix_posting_review", ["review"])
    with op.batch_alter_table("posting") as batch:
        for name in ("demand_sources", "review", "review_reasons", "review_note"):
            batch.alter_column(name, server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("posting") as batch:
        batch.drop_index("ix_posting_review")
        batch.drop_constraint("fk_posting_reviewed_by", type_="foreignkey")
        for name in (
            "restrictions",
            "review_note",
            "reviewed_at",
            "reviewed_by",
            "review_reasons",
            "review",
            "original_text",
            "demand_sources",
            "staff_demands",
            "staff_category",
            "category_confidence",
        ):
            batch.drop_column(name)
