"""Consent recorded and withdrawn through an import (SECURITY.md items 13 and 32): a change is
stamped, and a withdrawal stops the processing that was already made, at once."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlmodel import Session, col

from matcher.core import standings
from matcher.core.models import Jobseeker, Recommendation
from matcher.intake.records import SeekerRecord
from matcher.intake.store import update_seekers


def record_of(session: Session, vault, seeker_id: int, **changes) -> SeekerRecord:
    """The stored seeker as an import record (identifiers decrypted), with ``changes``."""
    row = session.get(Jobseeker, seeker_id)
    assert row is not None
    fields = {name for name in SeekerRecord.__dataclass_fields__}
    values = {name: getattr(row, name) for name in fields if hasattr(row, name)}
    for name, cipher in (
        ("id_number", row.id_number_cipher),
        ("cert_no", row.cert_no_cipher),
        ("phone", row.phone_cipher),
    ):
        values[name] = vault.decrypt(cipher) if cipher else None
    return SeekerRecord(**(values | changes))


def test_withdrawal_by_import_stamps_it_and_withdraws_the_recommendations(engine, vault):
    from matcher import demo
    from matcher.core.db import write_session
    from matcher.matching.refresh import full_refresh

    demo.load(engine, vault, seekers=150, postings=60, seed=3)
    full_refresh(engine)
    with write_session(engine) as session:
        leaving, staying = session.execute(
            select(col(Recommendation.seeker_id))
            .where(col(Recommendation.active))
            .distinct()
            .order_by(col(Recommendation.seeker_id))
            .limit(2)
        ).scalars()
        update_seekers(
            session, vault, [(leaving, record_of(session, vault, leaving, consent=False))]
        )
    with write_session(engine) as session:
        gone, kept = session.get(Jobseeker, leaving), session.get(Jobseeker, staying)
        active = dict(
            session.execute(
                select(col(Recommendation.seeker_id), func.count())
                .where(
                    col(Recommendation.active),
                    col(Recommendation.seeker_id).in_([leaving, staying]),
                )
                .group_by(col(Recommendation.seeker_id))
            ).all()
        )
        assert standings.stale(session.connection()) == []
        assert gone is not None and kept is not None
        assert not gone.consent and gone.consent_notice == "withdrawn" and gone.consent_at
        assert kept.consent and kept.consent_notice != "withdrawn"
    assert leaving not in active and active[staying] > 0
