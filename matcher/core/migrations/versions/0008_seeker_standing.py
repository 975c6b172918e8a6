"""seeker standing: the caseload's urgency inputs, kept per seeker

The caseload sorted every seeker of a case worker by urgency on each request, from their
service records and recommendations summed anew (120-160 ms for 3,000 seekers). This
table keeps, per seeker, what that sum gave: which of the "four ones" are done, the
follow-up asked for and not yet served, the active recommendations and how many were sent.
``matcher.core.standings`` writes it in the same transaction as every change to its sources;
here it is filled from them once.

The postings page's index (``ix_posting_status_created``) was added to 0006 after some
databases had already applied it; it is created here where it is missing.

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The service kinds that complete each of the "four ones" (data/codes.yaml as of this
# revision; the reminders job repairs any row that a later change of codes makes wrong).
FOUR_ONES = {
    "info_check": ("info_check",),
    "capability_assessment": ("capability_assessment",),
    "need_registration": ("need_registration",),
    "employment_service": (
        "referral",
        "career_guidance",
        "training",
        "policy_advice",
        "fair_invitation",
    ),
}


def _done(step: str) -> str:
    kinds = ", ".join(f"'{kind}'" for kind in FOUR_ONES[step])
    return f"max(CASE WHEN kind IN ({kinds}) THEN 1 ELSE 0 END) AS {step}"


FILL = f"""
INSERT INTO seeker_standing (seeker_id, info_check, capability_assessment,
    need_registration, employment_service, follow_up, recommendations, sent)
SELECT jobseeker.id,
    coalesce(done.info_check, 0) = 1,
    coalesce(done.capability_assessment, 0) = 1,
    coalesce(done.need_registration, 0) = 1,
    coalesce(done.employment_service, 0) = 1,
    CASE WHEN done.due IS NOT NULL AND (done.last_served IS NULL OR done.due > done.last_served)
        THEN done.due END,
    coalesce(recs.total, 0),
    coalesce(recs.sent, 0)
FROM jobseeker
LEFT JOIN (
    SELECT seeker_id, {", ".join(_done(step) for step in FOUR_ONES)},
        max(next_follow_up) AS due, max(served_on) AS last_served
    FROM service_record GROUP BY seeker_id
) AS done ON done.seeker_id = jobseeker.id
LEFT JOIN (
    SELECT seeker_id, count(*) AS total,
        sum(CASE WHEN status <> 'new' THEN 1 ELSE 0 END) AS sent
    FROM recommendation WHERE active GROUP BY seeker_id
) AS recs ON recs.seeker_id = jobseeker.id
WHERE done.seeker_id IS NOT NULL OR recs.seeker_id IS NOT NULL
"""


def upgrade() -> None:
    op.create_table(
        "seeker_standing",
        sa.Column(
            "seeker_id",
            sa.Integer(),
            sa.ForeignKey("jobseeker.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("info_check", sa.Boolean(), nullable=False),
        sa.Column("capability_assessment", sa.Boolean(), nullable=False),
        sa.Column("need_registration", sa.Boolean(), nullable=False),
        sa.Column("employment_service", sa.Boolean(), nullable=False),
        sa.Column("follow_up", sa.Date(), nullable=True),
        sa.Column("recommendations", sa.Integer(), nullable=False),
        sa.Column("sent", sa.Integer(), nullable=False),
    )
    op.execute(FILL)
    op.create_index(
        "ix_posting_status_created",
        "posting",
        ["status", "created_at", "id"],
        if_not_exists=True,
    )


def downgrade() -> None:
    op.drop_table("seeker_standing")  # the postings index belongs to 0006 and stays
