"""Time the fair analysis job for a province-wide fair on a large database.

    python -m bench.fair_analysis DATABASE_URL [--postings 300] [--repeats 3]

Takes a demo database that a full refresh has filled (e.g. the load benchmark's
``jobbridge_load_100000x20000_s2026`` on PostgreSQL), lists ``--postings`` open postings on
the demo's SOE campaign (its area is the whole province, so every seeker is in it; the
campaign's earlier listing is replaced), and times, side by side:

- the warm state the scheduler keeps between jobs (the last refresh's ranker and seekers),
  built once per process;
- the analysis itself, ``--repeats`` times after a change of the listing (what an organizer
  waits for after adding or removing a posting): scoring every seeker against the fair's
  postings, and writing one row per seeker of the area and one per posting.

The figures go to stdout; the database keeps the last analysis.
"""

from __future__ import annotations

import argparse
import statistics
import time

from sqlalchemy import delete, func, select
from sqlmodel import col

from bench.common import table
from matcher import jobs
from matcher.core.db import make_engine, read_session, write_session
from matcher.core.models import Campaign, FairListing, FairSeeker, Posting, User
from matcher.fairs import listing
from matcher.people.access import Viewer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database_url")
    parser.add_argument("--postings", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    engine = make_engine(args.database_url)
    with write_session(engine) as session:
        admin = Viewer.of(
            session.execute(select(User).where(col(User.username) == "admin")).scalar_one()
        )
        campaign = session.execute(
            select(Campaign).where(col(Campaign.kind) == "soe_campaign")
        ).scalar_one()
        assert campaign.id is not None
        fair = campaign.id
        session.execute(delete(FairListing).where(col(FairListing.campaign_id) == fair))
        ids = list(
            session.execute(
                select(col(Posting.id))
                .where(col(Posting.status) == "open")
                .order_by(col(Posting.id))
                .limit(args.postings + args.repeats)
            ).scalars()
        )
        listing.add_postings(session, viewer=admin, campaign_id=fair, posting_ids=ids)
    ctx = jobs.JobContext(engine)
    started = time.perf_counter()
    ctx.refresher.current()
    warm = time.perf_counter() - started
    runs = []
    for k in range(args.repeats):
        with write_session(engine) as session:  # a change of the listing, as the page makes
            listing.remove_posting(session, viewer=admin, campaign_id=fair, posting_id=ids[k])
        started = time.perf_counter()
        outcome = jobs.run(ctx, "fair_analysis", trigger="request")
        runs.append(time.perf_counter() - started)
        assert outcome.status == "succeeded", outcome
    with read_session(engine) as session:
        seekers = session.execute(
            select(func.count()).select_from(FairSeeker).where(col(FairSeeker.campaign_id) == fair)
        ).scalar_one()
    print(
        table(
            ["step", "median s", "spread s", "runs"],
            [
                ["warm state (once per process)", f"{warm:.1f}", "", "1"],
                [
                    f"analysis of a {args.postings}-posting fair",
                    f"{statistics.median(runs):.1f}",
                    f"{min(runs):.1f}–{max(runs):.1f}",
                    str(len(runs)),
                ],
            ],
        )
    )
    print(f"\n{seekers:,} seekers of the area analysed; counts of the last run: {outcome.counts}")


if __name__ == "__main__":
    main()
