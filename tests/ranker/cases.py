"""Hypothesis strategies for small random ranker cases, and helpers to build inputs."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import strategies as st

from matcher.ranker.inputs import PostingInput, Restriction, SeekerInput
from matcher.reference.occupations import occupations
from matcher.reference.profiles import default_capacity, dimension_keys

TODAY = date(2026, 11, 22)
AREAS = ["520102", "520103", "520111", "520100", "520302", "520300", "520000", "500154"]
WILLING = [(), ("520100",), ("*",), ("520300",), ("520102", "520302"), ("500000",)]
CATEGORIES = [
    "customer_service_online",
    "customer_service_phone",
    "massage_wellness",
    "accounting",
    "cleaning",
    "driving",
    "data_annotation",
    "quality_inspection",
]
TYPES = ["visual", "hearing", "speech", "physical", "intellectual", "psychosocial"]
ACCOMMODATIONS = [
    "screen_reader",
    "sign_language",
    "text_channel",
    "step_free",
    "seated_work",
    "flexible_hours",
    "job_coach",
    "remote",
    "assistive_devices",
]
MODES = ["full_time", "part_time", "remote", "internship"]
SKILLS = ["office_software", "wubi_typing", "photoshop", "java", "tuina", "bookkeeping"]
MAJORS = ["会计学", "电子商务", "针灸推拿", "计算机应用技术", ""]
SNIPPETS = [
    "负责在线客服",
    "熟练使用Excel",
    "保健按摩推拿",
    "会计核算出纳",
    "仓库保洁工作",
    "Java开发",
    "数据标注图像",
    "接听客户电话",
    "C1驾照",
    "质量检验",
    "customer service",
]
KINDS = ["government", "institution", "soe", "private", "massage_centre"]


# Titles and wishes that share some words and not others (the title part compares them).
TITLES = ["会计", "总账会计", "出纳员", "客服专员", "在线客服", "仓库管理员", "仓管", "Java开发"]


def text(draw: st.DrawFn) -> str:
    return "，".join(draw(st.lists(st.sampled_from(SNIPPETS), max_size=4)))


@st.composite
def seeker_inputs(draw: st.DrawFn, identity: int, posting_ids: list[int]) -> SeekerInput:
    types = tuple(draw(st.lists(st.sampled_from(TYPES), min_size=1, max_size=2, unique=True)))
    grade = draw(st.integers(1, 4))
    capacity = default_capacity(list(types), grade)
    if draw(st.booleans()):
        capacity[draw(st.sampled_from(dimension_keys()))] = draw(st.integers(0, 2))
    eligible = draw(st.booleans()) or draw(st.booleans())
    major = draw(st.sampled_from(MAJORS))
    return SeekerInput(
        id=identity,
        external_id=f"S{identity}",
        area_code=draw(st.sampled_from(AREAS)),
        willing_areas=draw(st.sampled_from(WILLING)),
        education_rank=draw(st.integers(0, 7)),
        is_graduate=draw(st.booleans()),
        disability_types=types,
        capacity=capacity,
        accommodations_needed=tuple(
            draw(st.lists(st.sampled_from(ACCOMMODATIONS), max_size=2, unique=True))
        ),
        skills=tuple(draw(st.lists(st.sampled_from(SKILLS), max_size=3, unique=True))),
        desired_categories=tuple(
            draw(st.lists(st.sampled_from(CATEGORIES), max_size=2, unique=True))
        ),
        major=major,
        major_categories=tuple(draw(st.lists(st.sampled_from(CATEGORIES), max_size=2, unique=True)))
        if major
        else (),
        text=text(draw),
        desired_text="、".join(draw(st.lists(st.sampled_from(TITLES), max_size=2))),
        min_salary=draw(st.none() | st.integers(1500, 6000)),
        work_modes=tuple(draw(st.lists(st.sampled_from(MODES), max_size=2, unique=True))),
        eligible=eligible,
        ineligible_reason="" if eligible else "no_consent",
        declined=frozenset(draw(st.lists(st.sampled_from(posting_ids), max_size=2))),
        gender=draw(st.sampled_from(["female", "male", ""])),
        birth_year=draw(st.none() | st.integers(TODAY.year - 60, TODAY.year - 16)),
    )


restrictions = st.none() | st.builds(
    Restriction,
    gender=st.sampled_from([None, "female", "male"]),
    age_min=st.none() | st.integers(16, 30),
    age_max=st.none() | st.integers(30, 60),
    reason=st.just("a job reason staff accepted"),
)


@st.composite
def posting_inputs(draw: st.DrawFn, identity: int) -> PostingInput:
    category = draw(st.sampled_from(CATEGORIES))
    demands = occupations().profile(category)
    if draw(st.booleans()):
        demands[draw(st.sampled_from(dimension_keys()))] = draw(st.integers(0, 2))
    salary_min = draw(st.none() | st.integers(1500, 5000))
    return PostingInput(
        id=identity,
        external_id=f"P{identity}",
        employer_id=draw(st.integers(1, 4)),
        employer_kind=draw(st.sampled_from(KINDS)),
        title=draw(st.sampled_from(TITLES)),
        category=category,
        area_code=draw(st.sampled_from(AREAS)),
        work_modes=tuple(draw(st.lists(st.sampled_from(MODES), max_size=2, unique=True))),
        education_rank=draw(st.integers(0, 6)),
        graduate_only=draw(st.booleans()) and draw(st.booleans()),
        suitable_types=draw(
            st.none()
            | st.lists(st.sampled_from(TYPES), min_size=1, max_size=3, unique=True).map(tuple)
        ),
        accommodations=tuple(
            draw(st.lists(st.sampled_from(ACCOMMODATIONS), max_size=3, unique=True))
        ),
        demands=demands,
        intrinsic=tuple(draw(st.lists(st.sampled_from(dimension_keys()), max_size=1))),
        skills=tuple(draw(st.lists(st.sampled_from(SKILLS), max_size=3, unique=True))),
        majors=tuple(draw(st.lists(st.sampled_from(MAJORS[:-1]), max_size=2, unique=True))),
        text=text(draw),
        salary_min=salary_min,
        salary_max=draw(st.none() | st.integers(salary_min or 1500, 9000)),
        openings=draw(st.integers(0, 3)),
        deadline=draw(st.none() | st.integers(-5, 30).map(lambda d: TODAY + timedelta(days=d))),
        status=draw(st.sampled_from(["open", "open", "open", "closed"])),
        age_days=draw(st.floats(0, 90)),
        restriction=draw(restrictions),
    )


@st.composite
def cases(
    draw: st.DrawFn, max_seekers: int = 8, max_postings: int = 10
) -> tuple[list[SeekerInput], list[PostingInput]]:
    n_postings = draw(st.integers(1, max_postings))
    postings = [draw(posting_inputs(100 + k)) for k in range(n_postings)]
    ids = [p.id for p in postings]
    n_seekers = draw(st.integers(1, max_seekers))
    seekers = [draw(seeker_inputs(k + 1, ids)) for k in range(n_seekers)]
    return seekers, postings


def make_posting(
    identity: int,
    category: str,
    *,
    title: str = "",
    text: str = "",
    accommodations: tuple[str, ...] = (),
    area: str = "520102",
    employer: int | None = None,
    openings: int = 3,
    skills: tuple[str, ...] = (),
    work_modes: tuple[str, ...] = ("full_time",),
    education_rank: int = 0,
    graduate_only: bool = False,
    suitable_types: tuple[str, ...] | None = None,
    salary: tuple[int, int] = (3000, 4500),
) -> PostingInput:
    """A posting as the import would read it: demands from its category and text."""
    from matcher.reference.requirements import posting_profile

    title = title or occupations().by_key[category].name_zh
    profile = posting_profile(category=category, text=f"{title}\n{text}")
    return PostingInput(
        id=identity,
        external_id=f"P{identity}",
        employer_id=employer or identity,
        employer_kind="private",
        title=title,
        category=category,
        area_code=area,
        work_modes=work_modes,
        education_rank=education_rank,
        graduate_only=graduate_only,
        suitable_types=suitable_types,
        accommodations=tuple(dict.fromkeys([*accommodations, *profile.text_accommodations])),
        demands=profile.demands,
        intrinsic=tuple(profile.intrinsic),
        skills=tuple(dict.fromkeys([*skills, *profile.text_skills])),
        majors=(),
        text=f"{title}\n{text}",
        salary_min=salary[0],
        salary_max=salary[1],
        openings=openings,
        deadline=None,
        status="open",
        age_days=3.0,
    )


def make_seeker(
    identity: int,
    types: tuple[str, ...],
    grade: int,
    *,
    desired: str = "",
    major: str = "",
    experience: str = "",
    skills: tuple[str, ...] = (),
    needed: tuple[str, ...] = (),
    area: str = "520102",
    graduate: bool = True,
    education_rank: int = 4,
    capacity: dict[str, int] | None = None,
) -> SeekerInput:
    """A seeker as the import would read them: capacity from type and grade."""
    from matcher.reference.requirements import seeker_profile

    profile = seeker_profile(desired_jobs=desired, major=major, experience=experience)
    return SeekerInput(
        id=identity,
        external_id=f"S{identity}",
        area_code=area,
        willing_areas=("520100",),
        education_rank=education_rank,
        is_graduate=graduate,
        disability_types=types,
        capacity=capacity or default_capacity(list(types), grade),
        accommodations_needed=needed,
        skills=tuple(dict.fromkeys([*skills, *profile.text_skills])),
        desired_categories=tuple(profile.desired_categories),
        major=major,
        major_categories=tuple(profile.major_categories),
        text=f"{major}\n{desired}\n{experience}",
        desired_text=desired,
        min_salary=3000,
        work_modes=("full_time",),
        eligible=True,
    )
