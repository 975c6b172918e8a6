"""The postings list: what a search finds (title, employer name, posting id), the count,
and the page's order, newest first (both databases)."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import col

from matcher.core.db import make_engine, read_session
from matcher.core.models import Employer, Posting
from matcher.employers.postings import PostingFilter, search_postings


def everything(session) -> list[tuple[Posting, str]]:
    return list(
        session.execute(
            select(Posting, col(Employer.name)).join(
                Employer, col(Employer.id) == col(Posting.employer_id)
            )
        ).all()
    )


def expected(rows, keep) -> list[int]:
    chosen = [p for p, employer in rows if keep(p, employer)]
    chosen.sort(key=lambda p: (p.created_at, p.id), reverse=True)
    return [p.id for p in chosen]


def test_search_by_title_employer_or_id_with_count_and_order(demo_database_url):
    engine = make_engine(demo_database_url)
    with read_session(engine) as session:
        rows = everything(session)
        some, employer = rows[0]
        word = some.title[:2]
        employer_word = employer[:3]
        cases = [
            (PostingFilter(), lambda p, e: p.status == "open"),
            (PostingFilter(status=None), lambda p, e: True),
            (PostingFilter(status="closed"), lambda p, e: p.status == "closed"),
            (
                PostingFilter(text=word, status=None),
                lambda p, e: word in p.title or word in e,
            ),
            (
                PostingFilter(text=employer_word),
                lambda p, e: (
                    p.status == "open" and (employer_word in p.title or employer_word in e)
                ),
            ),
            (PostingFilter(text=some.external_id, status=None), lambda p, e: p.id == some.id),
            (
                PostingFilter(category=some.category, area=some.area_code[:4] + "00"),
                lambda p, e: (
                    p.status == "open"
                    and p.category == some.category
                    and p.area_code.startswith(some.area_code[:4])
                ),
            ),
        ]
        totals = []
        for where, keep in cases:
            ids = expected(rows, keep)
            found, total = search_postings(session, where=where, offset=0, limit=1000)
            assert [p.id for p, _ in found] == ids, where
            assert total == len(ids)
            totals.append(total)
            names = {p.id: e for p, e in rows}
            assert all(name == names[p.id] for p, name in found)
            page, same_total = search_postings(session, where=where, offset=3, limit=5)
            assert [p.id for p, _ in page] == ids[3:8] and same_total == total
        assert all(totals[3:]), totals  # every search finds what it looks for
    engine.dispose()
