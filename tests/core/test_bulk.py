"""Bulk inserts go straight to the driver: every column type must read back as written."""

from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlmodel import Session

from matcher.core.bulk import bulk_insert
from matcher.core.db import write_session
from matcher.core.models import Jobseeker, ServiceRecord, table_of


def test_every_column_type_round_trips(engine):
    created = datetime(2026, 3, 4, 5, 6, 7, 890123, tzinfo=UTC)
    seeker = {
        "external_id": "B-1",
        "name": "测试",
        "gender": None,
        "birth_year": 2001,
        "id_number_cipher": b"\x01\x02\x00\xff",
        "id_number_digest": "d" * 64,
        "id_number_masked": "520***********1234",
        "disability_types": ["visual", "hearing"],
        "disability_grade": 2,
        "is_graduate": True,
        "skills": [],
        "skills_text": "",
        "certificates": [],
        "certificates_text": "",
        "experience": "经历",
        "area_code": "520102",
        "willing_areas": ["*"],
        "desired_jobs": "",
        "work_modes": ["remote"],
        "accommodations_needed": ["screen_reader"],
        "rural": False,
        "low_income": True,
        "employment_status": "unemployed",
        "contact_preference": "wechat",
        "consent": True,
        "consent_at": created,
        "desired_categories": [],
        "major_categories": [],
        "text_skills": [],
        "created_at": created,
        "updated_at": created,
        "version": 1,
        "major": "",
        "school": "",
    }
    with write_session(engine) as session:
        bulk_insert(session, table_of(Jobseeker), [seeker])
    with Session(engine) as session:
        stored = session.execute(select(Jobseeker)).scalar_one()
        assert stored.created_at == created and stored.consent_at == created
        assert stored.id_number_cipher == b"\x01\x02\x00\xff"
        assert stored.disability_types == ["visual", "hearing"] and stored.willing_areas == ["*"]
        assert stored.is_graduate is True and stored.rural is False and stored.low_income is True
        assert stored.gender is None
        seeker_id = stored.id
    record = {
        "seeker_id": seeker_id,
        "kind": "info_check",
        "served_on": date(2026, 2, 28),
        "worker_id": None,
        "notes": "备注",
        "next_follow_up": None,
        "created_at": created,
    }
    with write_session(engine) as session:
        bulk_insert(session, table_of(ServiceRecord), [record])
    with Session(engine) as session:
        row = session.execute(select(ServiceRecord)).scalar_one()
        assert row.served_on == date(2026, 2, 28) and row.next_follow_up is None
        assert row.created_at == created
