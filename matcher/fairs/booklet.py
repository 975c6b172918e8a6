"""A fair's listing booklet: what the printed and on-screen booklet says, in one language.

The fair's postings are those picked for it (``FairListing``); a fair with no listing yet
shows the campaign's own postings (``PostingCampaign``). Only open postings are listed: a
listed posting that has closed since is counted, not printed. The postings are grouped by
employer, and within an employer by occupation category, in a fixed order, so that two
prints of the same listing are the same.

Everything comes from the campaign, posting and employer tables in one query (after the
campaign itself); nothing about any seeker is read. Names of codes, categories and areas
are resolved here for the reader's language, so the templates only lay them out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import exists, select
from sqlmodel import Session, col

from matcher.core.codes import code_list
from matcher.core.models import Campaign, Employer, FairListing, Posting, PostingCampaign
from matcher.reference.areas import ANYWHERE, areas
from matcher.reference.occupations import occupations

__all__ = [
    "Booklet",
    "BookletCategory",
    "BookletEmployer",
    "BookletPosting",
    "booklet",
    "pay_text",
]

LISTING, CAMPAIGN = "listing", "campaign"  # where a booklet's postings came from

# The few words the booklet writes itself (every other name comes from data/).
_WORDS = {
    "zh": {
        "range": "{low}–{high} 元/月",
        "exact": "{low} 元/月",
        "from": "{low} 元/月起",
        "up_to": "最高 {high} 元/月",
        "negotiable": "面议",
        "anywhere": "不限",
    },
    "en": {
        "range": "{low}–{high} yuan a month",
        "exact": "{low} yuan a month",
        "from": "from {low} yuan a month",
        "up_to": "up to {high} yuan a month",
        "negotiable": "Negotiable",
        "anywhere": "Anywhere",
    },
}


@dataclass(frozen=True)
class BookletPosting:
    posting_id: int
    external_id: str
    title: str
    openings: int
    pay: str
    education: str
    work_modes: tuple[str, ...]
    area: str
    deadline: date | None
    requirements: str
    accommodations: tuple[str, ...]
    graduate_only: bool


@dataclass(frozen=True)
class BookletCategory:
    key: str
    name: str
    postings: tuple[BookletPosting, ...]


@dataclass(frozen=True)
class BookletEmployer:
    employer_id: int
    name: str
    kind: str
    area: str
    facilities: tuple[str, ...]
    categories: tuple[BookletCategory, ...]

    @property
    def postings(self) -> int:
        return sum(len(category.postings) for category in self.categories)

    @property
    def openings(self) -> int:
        return sum(p.openings for category in self.categories for p in category.postings)


@dataclass(frozen=True)
class Booklet:
    campaign_id: int
    name: str
    kind: str
    starts_on: date | None
    venue: str
    venue_accessibility: str
    organizer: str
    area: str
    locale: str
    source: str  # LISTING or CAMPAIGN
    employers: tuple[BookletEmployer, ...]
    closed_left_out: int  # picked or linked postings that have closed since
    held_left_out: int  # ... and those held for review (never printed until cleared)

    @property
    def postings(self) -> int:
        return sum(employer.postings for employer in self.employers)

    @property
    def openings(self) -> int:
        return sum(employer.openings for employer in self.employers)


def _language(locale: str) -> str:
    return "en" if locale.startswith("en") else "zh"


def pay_text(low: int | None, high: int | None, locale: str = "zh") -> str:
    """A monthly pay range in words; "negotiable" when the posting gives none."""
    words = _WORDS[_language(locale)]
    if low and high:
        key = "range" if high != low else "exact"
    elif low or high:
        key = "from" if low else "up_to"
    else:
        key = "negotiable"
    return words[key].format(low=f"{low or 0:,}", high=f"{high or 0:,}")


class _Names:
    """Code, category and area names in one language, each looked up once."""

    def __init__(self, locale: str) -> None:
        self.locale = _language(locale)
        self._areas: dict[str, str] = {}

    def code(self, list_name: str, key: str | None) -> str:
        if not key:
            return ""
        codes = code_list(list_name)
        return codes.get(key).name(self.locale) if key in codes else key

    def codes(self, list_name: str, keys: Iterable[str]) -> tuple[str, ...]:
        """Names of ``keys`` without repeats, in the code list's order (unknown keys last)."""
        wanted = set(keys)
        order = code_list(list_name).keys()
        known = [key for key in order if key in wanted]
        unknown = sorted(wanted - set(order))
        return tuple(self.code(list_name, key) for key in [*known, *unknown])

    def category(self, key: str) -> str:
        found = occupations().by_key.get(key)
        return found.name(self.locale) if found else key

    def area(self, code: str | None) -> str:
        if not code:
            return ""
        if code == ANYWHERE:
            return _WORDS[self.locale]["anywhere"]
        if code not in self._areas:
            try:
                self._areas[code] = areas().full_name(code)
            except KeyError:
                self._areas[code] = code
        return self._areas[code]


_COLUMNS: tuple[Any, ...] = (
    col(Posting.id),
    col(Posting.external_id),
    col(Posting.title),
    col(Posting.category),
    col(Posting.openings),
    col(Posting.salary_min),
    col(Posting.salary_max),
    col(Posting.education_min),
    col(Posting.work_modes),
    col(Posting.area_code),
    col(Posting.deadline),
    col(Posting.requirements),
    col(Posting.accommodations),
    col(Posting.text_accommodations),
    col(Posting.graduate_only),
    col(Posting.status),
    col(Posting.review),
    col(Employer.id).label("employer_id"),
    col(Employer.name).label("employer_name"),
    col(Employer.kind).label("employer_kind"),
    col(Employer.area_code).label("employer_area"),
    col(Employer.facilities),
)


def booklet(session: Session, *, campaign_id: int, locale: str = "zh") -> Booklet | None:
    """The booklet of a campaign's fair in ``locale`` (``zh`` or ``en``); None if there is
    no such campaign."""
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        return None
    listing = select(col(FairListing.posting_id)).where(col(FairListing.campaign_id) == campaign_id)
    own = select(col(PostingCampaign.posting_id)).where(
        col(PostingCampaign.campaign_id) == campaign_id
    )
    has_listing = bool(session.execute(select(exists(listing))).scalar())
    rows = session.execute(
        select(*_COLUMNS)
        .join(Employer, col(Employer.id) == col(Posting.employer_id))
        .where(col(Posting.id).in_(listing if has_listing else own))
    ).all()
    names = _Names(locale)
    open_rows = [row for row in rows if row.status == "open" and row.review != "held"]
    held = sum(row.status == "open" and row.review == "held" for row in rows)
    return Booklet(
        campaign_id=campaign_id,
        name=campaign.name,
        kind=names.code("campaign_kinds", campaign.kind),
        starts_on=campaign.starts_on,
        venue=campaign.venue,
        venue_accessibility=campaign.venue_accessibility,
        organizer=campaign.organizer,
        area=names.area(campaign.area_code),
        locale=names.locale,
        source=LISTING if has_listing else CAMPAIGN,
        employers=_group(open_rows, names),
        closed_left_out=len(rows) - len(open_rows) - held,
        held_left_out=held,
    )


def _posting(row: Any, names: _Names) -> BookletPosting:
    return BookletPosting(
        posting_id=row.id,
        external_id=row.external_id,
        title=row.title,
        openings=row.openings,
        pay=pay_text(row.salary_min, row.salary_max, names.locale),
        education=names.code("education_levels", row.education_min),
        work_modes=names.codes("work_modes", row.work_modes or ()),
        area=names.area(row.area_code),
        deadline=row.deadline,
        requirements=row.requirements or "",
        accommodations=names.codes(
            "accommodations", [*(row.accommodations or ()), *(row.text_accommodations or ())]
        ),
        graduate_only=bool(row.graduate_only),
    )


def _group(rows: Sequence[Any], names: _Names) -> tuple[BookletEmployer, ...]:
    """Employers by name, their categories by name, the postings by title (ids break ties)."""
    by_employer: dict[int, list[Any]] = {}
    for row in rows:
        by_employer.setdefault(row.employer_id, []).append(row)
    employers = []
    for employer_id, group in by_employer.items():
        first = group[0]
        by_category: dict[str, list[BookletPosting]] = {}
        for row in group:
            by_category.setdefault(row.category, []).append(_posting(row, names))
        categories = [
            BookletCategory(
                key=key,
                name=names.category(key),
                postings=tuple(sorted(postings, key=lambda p: (p.title, p.external_id))),
            )
            for key, postings in by_category.items()
        ]
        categories.sort(key=lambda c: (c.name, c.key))
        employers.append(
            BookletEmployer(
                employer_id=employer_id,
                name=first.employer_name,
                kind=names.code("employer_kinds", first.employer_kind),
                area=names.area(first.employer_area),
                facilities=names.codes("accommodations", first.facilities or ()),
                categories=tuple(categories),
            )
        )
    employers.sort(key=lambda e: (e.name, e.employer_id))
    return tuple(employers)
