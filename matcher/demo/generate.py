"""Deterministic synthetic demo data: fictional seekers, employers, postings, campaigns,
service records and the demo sign-ins.

The same seed gives the same data (for a given ``today``). Every seeker is generated from
one target occupation category that their disability and education make feasible; their
major, skills, desired jobs and experience are drawn mostly from that category, with
some noise. The target is returned in ``DemoData.truth`` (and ``jobbridge demo --truth``
writes it to a file) but is never stored where the ranker reads, so that the ranker can be
scored on finding it. Text comes from data/demo/*.yaml; shares and weights from
data/demo/settings.yaml. External ids start with DEMO-, phone numbers with 1700.
"""

from __future__ import annotations

import csv
import itertools
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from matcher.core import clock
from matcher.core.codes import code_list
from matcher.core.paths import data_dir
from matcher.demo.region import Region
from matcher.intake.records import EmployerRecord, PostingRecord, SeekerRecord
from matcher.people.identifiers import check_character
from matcher.reference.areas import areas
from matcher.reference.occupations import occupations
from matcher.reference.profiles import bridged_levels, default_capacity, dimension_keys
from matcher.reference.skills import skills

__all__ = ["DEMO_PASSWORD", "DemoData", "generate", "write_truth"]

DEMO_PASSWORD = "jobbridge-demo"
Progress = Callable[[str, int, int], None]

_CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# GB 32100-2015 registration authority and organisation type of the credit code.
_CREDIT_PREFIX = {
    "government": "11",
    "institution": "12",
    "social_org": "52",
    "assisted_centre": "52",
    "soe": "91",
    "private": "91",
    "massage_centre": "92",
    "self_employed": "92",
}
_STAFF_RANGE = {
    "government": (30, 300),
    "institution": (20, 800),
    "soe": (100, 5000),
    "private": (5, 2000),
    "social_org": (3, 50),
    "assisted_centre": (5, 40),
    "massage_centre": (3, 20),
    "self_employed": (1, 8),
}
_EDUCATION_RANK = {c.key: int(c.extra["rank"]) for c in code_list("education_levels")}
_EDUCATION_BY_NAME = {c.zh: c.key for c in code_list("education_levels")}
_EDUCATION_BY_NAME.update({"中专": "vocational", "大专": "associate", "高中": "senior"})
_WORK_MODE = {"全职": "full_time", "兼职": "part_time", "远程": "remote", "实习": "internship"}


@dataclass
class DemoData:
    region: Region
    employers: list[EmployerRecord] = field(default_factory=list)
    postings: list[PostingRecord] = field(default_factory=list)
    posting_campaigns: list[list[str]] = field(default_factory=list)  # campaign names
    seekers: list[SeekerRecord] = field(default_factory=list)
    truth: dict[str, str] = field(default_factory=dict)  # seeker external id -> category
    campaigns: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        graduates = sum(1 for s in self.seekers if s.is_graduate)
        return (
            f"demo data loaded: {len(self.seekers)} seekers ({graduates} graduates), "
            f"{len(self.employers)} employers, {len(self.postings)} postings, "
            f"{len(self.campaigns)} campaigns in {self.seconds:.1f} s; "
            f"sign in as admin, supervisor, caseworker, organizer or graduate "
            f"with password {DEMO_PASSWORD}"
        )


@cache
def _contact_preference(number: int) -> str:
    """A seeker's contact preference, spread evenly over the codes by number (no draw from
    the generator, so that adding it left every other demo value as it was)."""
    keys = code_list("contact_preferences").keys()
    return keys[(number * 7919) % len(keys)]


def _local(content: dict[str, Any], region: Region) -> dict[str, Any]:
    """The content for ``region``: outside a province, the brands, titles and sentences
    that name it (settings ``local_text``) are left out."""
    words = [
        word
        for province, listed in content["settings"]["local_text"].items()
        if province != region.province
        for word in listed
    ]
    if not words:
        return content

    def keep(value: Any) -> Any:
        if isinstance(value, str):
            return value
        if isinstance(value, list):
            kept = [
                keep(v) for v in value if not (isinstance(v, str) and any(w in v for w in words))
            ]
            return kept or value  # never empty a list the generator draws from
        if isinstance(value, dict):
            return {k: keep(v) for k, v in value.items()}
        return value

    return {name: keep(part) if name != "settings" else part for name, part in content.items()}


def _names(text: str, words: list[str]) -> bool:
    return any(word in text for word in words)


@cache
def _content() -> dict[str, Any]:
    folder = data_dir() / "demo"
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml is 10 times faster
    return {
        name: yaml.load((folder / f"{name}.yaml").read_text(encoding="utf-8"), Loader=loader)
        for name in ("settings", "postings", "seekers", "people", "schools")
    }


class _Choice:
    """A weighted choice with its cumulative weights computed once."""

    def __init__(self, shares: dict[Any, float]) -> None:
        self.options = list(shares)
        self.cumulative = list(itertools.accumulate(shares.values()))

    def pick(self, rng: random.Random) -> Any:
        return rng.choices(self.options, cum_weights=self.cumulative)[0]


class _Generator:
    def __init__(self, seed: int, today: date, region: Region) -> None:
        self.rng = random.Random(seed)
        self.today = today
        self.region = region
        content = _local(_content(), region)
        self.settings = content["settings"]
        self.posting_text = content["postings"]
        self.seeker_text = content["seekers"]["categories"]
        self.generic_experience = content["seekers"]["generic_experience"]
        self.people = content["people"]
        self.schools = content["schools"]
        self.counties = region.counties
        self.categories = list(self.settings["category_weights"])
        self.choice = {"units": _Choice(region.units)} | {
            name: _Choice({str(k): v for k, v in self.settings[name].items()})
            for name in (
                "disability_type_shares",
                "graduate_type_shares",
                "grade_shares",
                "graduate_grade_shares",
                "graduate_education",
                "other_education",
                "employer_kind_shares",
            )
        }
        surnames = self.people["surnames"]
        # Common surnames are listed first: weight them up.
        self.surnames = _Choice(
            {name: 1.0 / (1 + rank * 0.05) for rank, name in enumerate(surnames)}
        )
        self.profiles = {key: occupations().profile(key) for key in self.categories}
        self.used_ids: set[str] = set()
        self.used_credit: set[str] = set()
        self._targets: dict[tuple[Any, ...], tuple[list[str], list[float]]] = {}

    # --- places and names -------------------------------------------------------------

    def county(self) -> str:
        unit = self.choice["units"].pick(self.rng)
        return str(self.rng.choice(self.counties[unit]))

    def _province_names(self) -> dict[str, str]:
        province = areas().by_code[self.region.province]
        return {"province": province.short_name, "province_full": province.name}

    def _school(self, county: str) -> str:
        """A college of the seeker's province: from the list where data/demo/schools.yaml
        has one, else named as colleges there are named (贵州大学, 红河职业技术学院)."""
        listed = self.schools["provinces"].get(self.region.province)
        if listed:
            return str(self.rng.choice(listed))
        city = areas().by_code[areas().prefecture(county)].short_name
        pattern = self.rng.choice(self.schools["elsewhere"])
        return str(pattern.format(city=city, **self._province_names()))

    def person_name(self) -> str:
        given = "".join(self.rng.choices(self.people["given_chars"], k=self.rng.choice((1, 2, 2))))
        surname: str = self.surnames.pick(self.rng)
        return surname + given

    def id_number(self, county: str, birth: date, gender: str) -> str:
        while True:
            sequence = self.rng.randrange(0, 500) * 2 + (1 if gender == "male" else 0)
            first17 = f"{county}{birth:%Y%m%d}{sequence:03d}"
            number = first17 + check_character(first17)
            if number not in self.used_ids:
                self.used_ids.add(number)
                return number

    def credit_code(self, kind: str, county: str) -> str:
        while True:
            body = "".join(self.rng.choices(_CREDIT_CHARS, k=9))
            first17 = _CREDIT_PREFIX[kind] + county + body
            total = sum(
                _CREDIT_CHARS.index(c) * w for c, w in zip(first17, _CREDIT_WEIGHTS, strict=True)
            )
            code = first17 + _CREDIT_CHARS[(31 - total % 31) % 31]
            if code not in self.used_credit:
                self.used_credit.add(code)
                return code

    # --- employers --------------------------------------------------------------------

    def employers(self, count: int) -> list[EmployerRecord]:
        records, names = [], set()
        accommodation_keys = code_list("accommodations").keys()
        for _ in range(count):
            kind = self.choice["employer_kind_shares"].pick(self.rng)
            county = self.county()
            prefecture = areas().prefecture(county)
            for attempt in range(50):
                name = self.rng.choice(self.people["employer_patterns"][kind]).format(
                    brand=self.rng.choice(self.people["employer_brands"]),
                    city=areas().by_code[prefecture].short_name,
                    county=areas().by_code[county].name,
                    trade=self.rng.choice(self.people["trades"]),
                    **self._province_names(),
                )
                if attempt >= 40:
                    name += f"（{attempt}）"
                if name not in names:
                    break
            names.add(name)
            low, high = _STAFF_RANGE[kind]
            staff = round(low * (high / low) ** self.rng.random())
            disabled = round(staff * self.rng.uniform(0, 0.035))
            records.append(
                EmployerRecord(
                    name=name,
                    kind=kind,
                    credit_code=self.credit_code(kind, county),
                    area_code=county,
                    staff_count=staff,
                    disabled_staff_count=disabled,
                    facilities=self.rng.sample(accommodation_keys, k=self.rng.randint(0, 3)),
                    contact_name=self.person_name(),
                    contact_phone=f"0851-{self.rng.randrange(10**7, 10**8)}",
                )
            )
        return records

    # --- postings ---------------------------------------------------------------------

    def postings(
        self, count: int, employers: list[EmployerRecord]
    ) -> tuple[list[PostingRecord], list[list[str]], list[dict[str, Any]]]:
        weights = self.settings["category_weights"]
        by_kind: dict[str, tuple[list[str], list[float]]] = {}
        for kind in self.settings["employer_kind_shares"]:
            fitting = [
                c
                for c in self.categories
                if kind in self.posting_text["categories"][c]["employer_kinds"]
            ] or self.categories
            by_kind[kind] = (fitting, [weights[c] for c in fitting])
        campaigns = self._campaigns()
        used_titles: set[tuple[str, str, str]] = set()
        records, links = [], []
        for number in range(1, count + 1):
            employer = self.rng.choice(employers)
            fitting, fitting_weights = by_kind[employer.kind]
            category = self.rng.choices(fitting, weights=fitting_weights)[0]
            record = self._posting(number, employer, category, used_titles)
            records.append(record)
            links.append(self._campaigns_for(record, employer, campaigns))
        return records, links, campaigns

    def _posting(
        self,
        number: int,
        employer: EmployerRecord,
        category: str,
        used_titles: set[tuple[str, str, str]],
    ) -> PostingRecord:
        rng, text = self.rng, self.posting_text["categories"][category]
        assert employer.area_code is not None
        area = employer.area_code
        if rng.random() < 0.2:
            area = rng.choice(self.counties[areas().prefecture(area)])
        titles = [t for t in text["titles"] if (employer.name, area, t) not in used_titles]
        title = rng.choice(titles or text["titles"])
        if not titles:
            title += f"（{number}）"
        used_titles.add((employer.name, area, title))
        offered = [a for a in text["accommodations"] if rng.random() < 0.45]
        graduate_only = rng.random() < 0.12
        duties = rng.sample(text["duties"], k=min(len(text["duties"]), rng.randint(3, 5)))
        benefits = rng.sample(self.posting_text["benefits"], k=2)
        requirements = rng.sample(
            text["requirements"], k=min(len(text["requirements"]), rng.randint(2, 4))
        )
        requirements.append(rng.choice(self.posting_text["generic_requirements"]))
        if text["demand_phrases"] and rng.random() < 0.5:
            requirements.append(rng.choice(text["demand_phrases"]))
        if offered and rng.random() < 0.7:
            requirements.append(rng.choice(text["accommodation_phrases"]))
        if graduate_only:
            requirements.append(rng.choice(self.posting_text["graduate_phrases"]))
        low, high = text["salary"]
        salary_min = int(round(rng.uniform(low, (low + high) / 2), -2))
        salary_max = int(
            round(rng.uniform(max(salary_min + 300, (low + high) / 2), high + 300), -2)
        )
        modes = [_WORK_MODE[m] for m in text["work_modes"] if m == "全职" or rng.random() < 0.3]
        if graduate_only and rng.random() < 0.4:
            modes.append("internship")
        education_min = _EDUCATION_BY_NAME.get(rng.choice(text["education_min"]), "any")
        if graduate_only and _EDUCATION_RANK[education_min] < 4:
            education_min = "associate"
        explicit = None
        if rng.random() < 0.08:
            explicit = dict(self.profiles[category])
            dimension = rng.choice(dimension_keys())
            explicit[dimension] = max(0, explicit[dimension] - 1)
        deadline = self.today + timedelta(days=rng.randint(20, 150))
        if rng.random() < 0.04:
            deadline = self.today - timedelta(days=rng.randint(1, 60))
        suitable = None
        if rng.random() < 0.25:
            suitable = self._suitable_types(category, offered)
        description = "".join(duties) + "福利待遇：" + "".join(benefits)
        requirement_text = "".join(requirements)
        skill_names = rng.sample(text["skills"], k=min(len(text["skills"]), rng.randint(2, 5)))
        skill_ids, _ = skills().normalize("、".join(skill_names))
        return PostingRecord(
            external_id=f"DEMO-P{number:06d}",
            employer=employer.name,
            employer_kind=employer.kind,
            title=title,
            category=category,
            description=description,
            requirements=requirement_text,
            skills=skill_ids,
            skills_text="、".join(skill_names),
            education_min=education_min,
            majors=rng.sample(text["majors"], k=min(len(text["majors"]), rng.randint(0, 3))),
            area_code=area,
            work_modes=list(dict.fromkeys(modes)),
            salary_min=salary_min,
            salary_max=salary_max,
            openings=rng.choices((1, 2, 3, 5, 10), weights=(45, 25, 15, 10, 5))[0],
            deadline=deadline,
            graduate_only=graduate_only,
            suitable_types=suitable,
            accommodations=offered,
            demands=explicit,
        )

    def _suitable_types(self, category: str, offered: list[str]) -> list[str]:
        """The disability types, at grade 3, that the category fits with what is offered."""
        fitting = [
            kind
            for kind in ("visual", "hearing", "speech", "physical", "intellectual", "psychosocial")
            if self._fits(default_capacity([kind], 3), category, offered)
        ]
        return fitting or ["physical"]

    def _campaigns(self) -> list[dict[str, Any]]:
        year, quarter = self.today.year, (self.today.month - 1) // 3 + 1
        start = date(year, 3 * quarter - 2, 1)
        found = []
        for prefecture in self.region.units:
            city = areas().by_code[prefecture].name
            found.append(
                {
                    "name": f"{year}年第{quarter}季度{city}残疾人专场招聘会",
                    "kind": "quarterly_fair",
                    "area_code": prefecture,
                    "starts_on": start + timedelta(days=45),
                    "organizer": f"{city}残疾人联合会",
                    "venue": f"{city}人力资源市场",
                    "venue_accessibility": "无障碍通道、无障碍卫生间、手语翻译",
                    "key": prefecture,
                }
            )
        province = self.region.province
        whole = areas().by_code[province].name
        capital = areas().by_code[self.region.capital].name
        for key, kind, name, organizer in (
            ("soe", "soe_campaign", f"{year}年国有企业助残就业专项行动", f"{whole}国资委"),
            (
                "private",
                "private_campaign",
                f"{year}年民营企业招聘残疾人专项行动",
                f"{whole}工商联",
            ),
            (
                "graduate",
                "graduate_fair",
                f"{year}届残疾人高校毕业生专场招聘会",
                f"{whole}残疾人联合会",
            ),
            ("online", "online_fair", f"{year}年残疾人网络招聘会", f"{whole}残疾人就业服务中心"),
        ):
            found.append(
                {
                    "name": name,
                    "kind": kind,
                    "area_code": province,
                    "key": key,
                    "starts_on": start + timedelta(days=30),
                    "organizer": organizer,
                    "venue": "线上" if kind == "online_fair" else f"{capital}国际会议展览中心",
                    "venue_accessibility": "无障碍通道、读屏友好网页",
                }
            )
        return found

    def _campaigns_for(
        self, record: PostingRecord, employer: EmployerRecord, campaigns: list[dict[str, Any]]
    ) -> list[str]:
        by_key = {c["key"]: c["name"] for c in campaigns}
        names = []
        if record.graduate_only:
            names.append(by_key["graduate"])
        if employer.kind == "soe":
            names.append(by_key["soe"])
        elif employer.kind == "private" and self.rng.random() < 0.3:
            names.append(by_key["private"])
        if "remote" in record.work_modes or self.rng.random() < 0.2:
            names.append(by_key["online"])
        if not names or self.rng.random() < 0.6:
            names.append(by_key[areas().prefecture(record.area_code)])
        return names

    # --- seekers ----------------------------------------------------------------------

    def _fits(self, capacity: dict[str, int], category: str, offered: Sequence[str]) -> bool:
        profile = self.profiles[category]
        for dim, demand in profile.items():
            if demand > capacity[dim] and not any(
                bridged_levels(a).get(dim, -1) >= demand for a in offered
            ):
                return False
        return True

    def seekers(self, count: int) -> tuple[list[SeekerRecord], dict[str, str]]:
        records, truth = [], {}
        settings = self.settings
        for number in range(1, count + 1):
            graduate = self.rng.random() < settings["graduate_share"]
            record, target = self._seeker(number, graduate)
            records.append(record)
            truth[record.external_id] = target
        return records, truth

    def _seeker(self, number: int, graduate: bool) -> tuple[SeekerRecord, str]:
        rng, settings = self.rng, self.settings
        kind = self.choice["graduate_type_shares" if graduate else "disability_type_shares"].pick(
            rng
        )
        types = [kind]
        if kind == "multiple":
            types = rng.sample(
                ["visual", "hearing", "speech", "physical", "intellectual", "psychosocial"], k=2
            )
        grade = int(self.choice["graduate_grade_shares" if graduate else "grade_shares"].pick(rng))
        education = self.choice["graduate_education" if graduate else "other_education"].pick(rng)
        capacity = default_capacity(types, grade)
        assessed = None
        if rng.random() < settings["assessed_share"]:
            # An assessment finds the person more able than the defaults on one dimension.
            assessed = dict(capacity)
            dim = rng.choice(dimension_keys())
            assessed[dim] = min(2, assessed[dim] + 1)
            capacity = assessed
        target = self._target(capacity, education, graduate)
        text = self.posting_text["categories"][target]
        mine = self.seeker_text[target]
        county = self.county()
        gender = "male" if rng.random() < 0.55 else "female"
        if graduate:
            birth_year = self.today.year - rng.randint(21, 26)
            graduation_year = self.today.year - rng.choice((0, 0, 1, 2))
        else:
            birth_year = self.today.year - rng.randint(18, 59)
            graduation_year = None
        birth = date(birth_year, rng.randint(1, 12), rng.randint(1, 28))
        id_number = self.id_number(county, birth, gender)
        cert_type = (
            "7"
            if kind == "multiple"
            else {
                "visual": "1",
                "hearing": "2",
                "speech": "3",
                "physical": "4",
                "intellectual": "5",
                "psychosocial": "6",
            }[kind]
        )
        skill_names = rng.sample(text["skills"], k=min(len(text["skills"]), rng.randint(2, 5)))
        if rng.random() < 0.2:
            other = self.posting_text["categories"][rng.choice(self.categories)]["skills"]
            skill_names.append(rng.choice(other))
        desired = rng.sample(mine["desired_jobs"], k=rng.randint(1, 2))
        if rng.random() < 0.15:
            desired.append(
                rng.choice(self.seeker_text[rng.choice(self.categories)]["desired_jobs"])
            )
        experience = rng.sample(mine["experience"], k=rng.randint(1, 2))
        if rng.random() < 0.5:
            experience.append(rng.choice(self.generic_experience))
        certificates = [c for c in mine["certificates"] if rng.random() < 0.5]
        severity = "severe" if grade <= 2 else "mild"
        needed: list[str] = []
        for t in types:
            needed += settings["accommodations_needed"][t][severity]
        prefecture = areas().prefecture(county)
        roll = rng.random()
        willing = (
            [prefecture]
            if roll < 0.55
            else []
            if roll < 0.8
            else ["*"]
            if roll < 0.9
            else [self.region.capital, prefecture]
        )
        low = text["salary"][0]
        major = ""
        if _EDUCATION_RANK[education] >= 3 and text["majors"] and rng.random() < 0.85:
            major = rng.choice(text["majors"])
        school = ""
        if graduate:
            if kind in {"visual", "hearing"} and rng.random() < 0.5:
                school = rng.choice(self.schools["special_education"])
            else:
                school = self._school(county)
        skill_ids, _ = skills().normalize("、".join(skill_names))
        certificate_ids, _ = skills().normalize("、".join(certificates))
        modes = ["full_time"]
        if occupations().by_key[target].remote_ok and (
            capacity["mobility"] < 2 or rng.random() < 0.3
        ):
            modes.append("remote")
        record = SeekerRecord(
            external_id=f"DEMO-S{number:06d}",
            name=self.person_name(),
            gender=gender,
            birth_year=birth_year,
            id_number=id_number,
            cert_no=f"{id_number}{cert_type}{grade}",
            phone=f"1700{rng.randrange(10**6, 10**7)}",
            disability_types=types,
            disability_grade=grade,
            education=education,
            major=major,
            school=school,
            graduation_year=graduation_year,
            is_graduate=graduate,
            skills=skill_ids,
            skills_text="、".join(skill_names),
            certificates=certificate_ids,
            certificates_text="、".join(certificates),
            experience="".join(experience),
            area_code=county,
            household_area_code=county,
            willing_areas=willing,
            desired_jobs="、".join(dict.fromkeys(desired)),
            min_salary=int(round(rng.uniform(low * 0.8, low * 1.1), -2)),
            work_modes=modes,
            accommodations_needed=list(dict.fromkeys(needed)),
            capabilities=assessed,
            consent=rng.random() < settings["consent_share"],
            employment_status="unemployed",
            contact_preference=_contact_preference(number),
            rural=rng.random() < 0.45,
            low_income=rng.random() < 0.2,
        )
        return record, target

    def _target(self, capacity: dict[str, int], education: str, graduate: bool) -> str:
        key = (tuple(capacity.values()), education, graduate)
        if key not in self._targets:
            self._targets[key] = self._target_weights(capacity, education, graduate)
        candidates, candidate_weights = self._targets[key]
        if not candidates:
            # Severe disabilities that no open job fits: the assisted-employment trades.
            return self.rng.choice(["packaging", "handicraft", "cleaning"])
        return self.rng.choices(candidates, weights=candidate_weights)[0]

    def _target_weights(
        self, capacity: dict[str, int], education: str, graduate: bool
    ) -> tuple[list[str], list[float]]:
        weights = self.settings["category_weights"]
        rank = _EDUCATION_RANK[education]
        candidates, candidate_weights = [], []
        for category in self.categories:
            text = self.posting_text["categories"][category]
            lowest = min(
                _EDUCATION_RANK[_EDUCATION_BY_NAME.get(e, "any")] for e in text["education_min"]
            )
            if lowest > rank or not self._fits(capacity, category, text["accommodations"]):
                continue
            weight = weights[category]
            if graduate and lowest < 3:
                weight *= 0.25  # graduates aim for skilled work more often
            candidates.append(category)
            candidate_weights.append(weight)
        return candidates, candidate_weights


def generate(
    *,
    seekers: int,
    postings: int,
    employers: int | None = None,
    seed: int = 2026,
    today: date | None = None,
    area: str | None = None,
) -> DemoData:
    """Generate the demo data in memory (nothing is written), for ``area`` (any division
    of China; by default the one data/demo/settings.yaml names, Guizhou)."""
    settings = _content()["settings"]
    region = Region.of(area or settings["region"], populations=settings["prefecture_population"])
    generator = _Generator(seed, today or clock.today(), region)
    data = DemoData(region=region)
    if postings:
        data.employers = generator.employers(employers or max(1, postings // 5))
        data.postings, data.posting_campaigns, data.campaigns = generator.postings(
            postings, data.employers
        )
    data.seekers, data.truth = generator.seekers(seekers)
    return data


def write_truth(truth: dict[str, str], path: Path) -> None:
    """Write seeker id -> target category, for the ranker-quality benchmark."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["seeker_id", "target_category"])
        writer.writerows(sorted(truth.items()))
