"""What withdrawing consent stops, at once (PIPL Arts. 15 and 47; SECURITY.md item 32).

Without consent to process their disability data a person is not matched (the refresh reads
only consenting seekers). Withdrawal must also stop what was already made from that data:
in the withdrawal's own transaction their active recommendations are withdrawn and they
leave every fair's fit figures and invite lists, with the marks made on them. A fair's
posting counts (how many seekers a posting fits) keep them only as a number, with no name,
until the fair is analysed again.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, update
from sqlmodel import Session

from matcher.core import standings
from matcher.core.models import FairInvite, FairSeeker, Recommendation, table_of

__all__ = ["withdraw"]

_CHUNK = 5000


def withdraw(session: Session, seeker_ids: Sequence[int]) -> None:
    """Stop processing the data of ``seeker_ids``, whose consent was just withdrawn."""
    recommendations = table_of(Recommendation)
    for start in range(0, len(seeker_ids), _CHUNK):
        chunk = list(seeker_ids[start : start + _CHUNK])
        session.execute(
            update(recommendations)
            .where(recommendations.c.seeker_id.in_(chunk), recommendations.c.active.is_(True))
            .values(active=False)
        )
        for model in (FairSeeker, FairInvite):
            table = table_of(model)
            session.execute(delete(table).where(table.c.seeker_id.in_(chunk)))
        standings.sync(session.connection(), chunk)
