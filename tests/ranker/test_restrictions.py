"""A gender or age limit that staff accepted as job-related is a hard constraint, and
"why not" gives the reason they recorded."""

from dataclasses import replace

from matcher.ranker.engine import Ranker
from matcher.ranker.explain import describe_exclusion
from matcher.ranker.inputs import Restriction
from matcher.ranker.reference import ReferenceRanker
from matcher.ranker.run import rank_with
from matcher.ranker.weights import load_settings
from tests.ranker.cases import TODAY, make_posting, make_seeker

SETTINGS = load_settings()
REASON = "女生宿舍管理，需进入宿舍区"


def people():
    woman = replace(make_seeker(1, ("physical",), 4), gender="female", birth_year=TODAY.year - 30)
    man = replace(make_seeker(2, ("physical",), 4), gender="male", birth_year=TODAY.year - 30)
    unrecorded = replace(make_seeker(3, ("physical",), 4), gender="", birth_year=None)
    older = replace(make_seeker(4, ("physical",), 4), gender="female", birth_year=TODAY.year - 51)
    return woman, man, unrecorded, older


def test_the_limit_excludes_whom_it_names_and_says_why():
    posting = replace(
        make_posting(10, "data_entry"),
        restriction=Restriction(gender="female", age_max=50, reason=REASON),
    )
    woman, man, unrecorded, older = people()
    reference = ReferenceRanker([posting], SETTINGS, today=TODAY)
    assert reference.feasible(woman, posting) and reference.feasible(unrecorded, posting)
    (by_gender,) = reference.exclusions(man, posting)
    (by_age,) = reference.exclusions(older, posting)
    assert (by_gender.code, by_age.code) == ("restriction_gender", "restriction_age")
    said = describe_exclusion(by_gender, man, posting)
    assert REASON in said["zh"] and "女性" in said["zh"] and "female" in said["en"]
    assert "50岁以下" in describe_exclusion(by_age, older, posting)["zh"]

    ranker = Ranker([posting], SETTINGS, today=TODAY, min_df=1, max_df=1.0)
    seekers = ranker.seeker_set([woman, man, unrecorded, older])
    assert ranker.feasible_matrix(seekers)[:, 0].tolist() == [True, False, True, False]
    recommended = {row["seeker_id"] for row in rank_with(ranker, seekers).rows}
    assert recommended == {woman.id, unrecorded.id}


def test_a_posting_without_a_limit_is_open_to_all():
    assert Restriction.of(None) is None
    assert Restriction.of({"gender": None, "age_min": None, "age_max": None, "reason": "x"}) is None
    limit = Restriction.of({"gender": "", "age_min": 18, "age_max": None, "reason": "夜班保安"})
    assert limit is not None and limit.age_min == 18
    assert not limit.admits("male", TODAY.year - 17, TODAY) and limit.admits("male", None, TODAY)
