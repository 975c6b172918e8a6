"""Loading the demo data: one transaction writes the generated employers, postings,
campaigns, seekers and service records, with the demo sign-ins."""

from __future__ import annotations

import random
import time
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from matcher.core import clock, standings
from matcher.core.db import write_session
from matcher.core.models import (
    Campaign,
    Jobseeker,
    Posting,
    PostingCampaign,
    ServiceRecord,
    User,
    table_of,
)
from matcher.demo.generate import DEMO_PASSWORD, DemoData, Progress, generate
from matcher.intake.store import employer_key, insert_employers, insert_postings, insert_seekers
from matcher.people.identifiers import Vault
from matcher.people.passwords import hash_password
from matcher.reference.areas import areas

__all__ = ["existing_rows", "load"]


def existing_rows(session: Session) -> str:
    """A description of the data already in the database, or '' if it is empty."""
    counts = {
        name: session.execute(select(func.count()).select_from(model)).scalar_one()
        for name, model in (("seekers", Jobseeker), ("postings", Posting), ("users", User))
    }
    return ", ".join(f"{n} {name}" for name, n in counts.items() if n)


def load(
    engine: Engine,
    vault: Vault,
    *,
    seekers: int = 5000,
    postings: int = 3000,
    employers: int | None = None,
    seed: int = 2026,
    today: date | None = None,
    area: str | None = None,
    progress: Progress | None = None,
) -> DemoData:
    """Generate the demo data and write it, with the demo sign-ins, in one transaction."""
    started = time.perf_counter()
    today = today or clock.today()
    data = generate(
        seekers=seekers, postings=postings, employers=employers, seed=seed, today=today, area=area
    )
    report = progress or (lambda stage, done, total: None)
    with write_session(engine) as session:
        users = _demo_users(session, data)
        employer_ids = insert_employers(session, data.employers)
        report("employers", len(data.employers), len(data.employers))
        posting_ids: dict[str, int] = {}
        step = 5000
        for start in range(0, len(data.postings), step):
            postings_chunk = data.postings[start : start + step]
            posting_ids.update(
                insert_postings(
                    session, [(p, employer_ids[employer_key(p.employer)]) for p in postings_chunk]
                )
            )
            report("postings", start + len(postings_chunk), len(data.postings))
        _store_campaigns(session, data, posting_ids)
        seeker_ids: dict[str, int] = {}
        for start in range(0, len(data.seekers), step):
            chunk = data.seekers[start : start + step]
            workers = [users.get(s.area_code) or users["*"] for s in chunk]
            seeker_ids.update(
                insert_seekers(
                    session, vault, chunk, consent_notice="demo-v1", case_workers=workers
                )
            )
            report("seekers", start + len(chunk), len(data.seekers))
        _store_service_records(session, data, seeker_ids, users, today, seed)
        standings.fill(session.connection())  # the records went in as bulk statements
        _link_graduate_user(session, data, seeker_ids)
    data.seconds = time.perf_counter() - started
    return data


def _demo_users(session: Session, data: DemoData) -> dict[str, int]:
    """Create the demo sign-ins and one case worker per county; return area -> worker id."""
    password_hash = hash_password(DEMO_PASSWORD)  # hashed once: argon2id is slow on purpose
    region, index = data.region, areas()
    theirs = region.caseworker_areas
    named = [
        ("admin", "admin", "系统管理员（演示）", []),
        ("supervisor", "supervisor", f"{index.name(region.capital)}督导（演示）", [region.capital]),
        (
            "caseworker",
            "case_worker",
            f"{'、'.join(index.name(code) for code in theirs)}就业服务专员（演示）",
            theirs,
        ),
        ("organizer", "organizer", "招聘会组织者（演示）", []),
        ("graduate", "graduate", "高校毕业生（演示）", []),
    ]
    counties = sorted({s.area_code for s in data.seekers} - set(theirs))
    rows = [
        {"username": u, "role": r, "display_name": d, "area_codes": a} for u, r, d, a in named
    ] + [
        {
            "username": f"cw{code}",
            "role": "case_worker",
            "display_name": f"{areas().name(code)}就业服务专员（演示）",
            "area_codes": [code],
        }
        for code in counties
    ]
    now = clock.utcnow()
    session.execute(
        insert(table_of(User)),
        [
            row
            | {
                "password_hash": password_hash,
                "active": True,
                "session_version": 1,
                "created_at": now,
            }
            for row in rows
        ],
    )
    ids = dict(session.execute(select(col(User.username), col(User.id))).all())
    by_area = {code: ids[f"cw{code}"] for code in counties}
    for code in theirs:
        by_area[code] = ids["caseworker"]
    by_area["*"] = ids["caseworker"]
    return by_area


def _store_campaigns(session: Session, data: DemoData, posting_ids: dict[str, int]) -> None:
    if not data.campaigns:
        return
    now = clock.utcnow()
    session.execute(
        insert(table_of(Campaign)),
        [{k: v for k, v in c.items() if k != "key"} | {"created_at": now} for c in data.campaigns],
    )
    campaign_ids = dict(session.execute(select(col(Campaign.name), col(Campaign.id))).all())
    links = [
        {"posting_id": posting_ids[p.external_id], "campaign_id": campaign_ids[name]}
        for p, names in zip(data.postings, data.posting_campaigns, strict=True)
        for name in dict.fromkeys(names)
    ]
    for start in range(0, len(links), 5000):
        session.execute(insert(table_of(PostingCampaign)), links[start : start + 5000])


def _store_service_records(
    session: Session,
    data: DemoData,
    seeker_ids: dict[str, int],
    users: dict[str, int],
    today: date,
    seed: int,
) -> None:
    """Part of the "four ones" done for most seekers, with follow-ups, some overdue."""
    rng = random.Random(seed + 1)
    rows: list[dict[str, Any]] = []
    now = clock.utcnow()
    for seeker in data.seekers:
        worker = users.get(seeker.area_code) or users["*"]
        done = [
            ("info_check", 0.75),
            ("need_registration", 0.55),
            ("capability_assessment", 1.0 if seeker.capabilities else 0.0),
            (rng.choice(["referral", "career_guidance", "policy_advice", "training"]), 0.35),
        ]
        for kind, chance in done:
            if rng.random() < chance:
                served = today - timedelta(days=rng.randint(1, 200))
                rows.append(
                    {
                        "seeker_id": seeker_ids[seeker.external_id],
                        "kind": kind,
                        "served_on": served,
                        "worker_id": worker,
                        "notes": "",
                        "next_follow_up": served + timedelta(days=rng.choice((14, 30, 60)))
                        if rng.random() < 0.5
                        else None,
                        "created_at": now,
                    }
                )
    for start in range(0, len(rows), 5000):
        session.execute(insert(table_of(ServiceRecord)), rows[start : start + 5000])


def _link_graduate_user(session: Session, data: DemoData, seeker_ids: dict[str, int]) -> None:
    """The demo graduate signs in as the first consenting graduate of the caseworker's area."""
    chosen = next(
        (
            s
            for s in data.seekers
            if s.is_graduate and s.consent and s.area_code == data.region.caseworker_areas[0]
        ),
        next((s for s in data.seekers if s.is_graduate and s.consent), None),
    )
    if chosen is None:
        return
    user_id = session.execute(
        select(col(User.id)).where(col(User.username) == "graduate")
    ).scalar_one()
    seeker = session.get(Jobseeker, seeker_ids[chosen.external_id])
    assert seeker is not None
    seeker.user_id = user_id
    session.add(seeker)
