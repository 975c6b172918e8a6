"""Golden cases written from domain knowledge of disability employment."""

import numpy as np
import pytest

from matcher.ranker.engine import Ranker
from matcher.ranker.explain import ReasonWriter
from matcher.ranker.reference import ReferenceRanker
from matcher.ranker.run import rank_with
from matcher.ranker.weights import load_settings
from matcher.reference.occupations import occupations
from matcher.reference.profiles import default_capacity, dimension_keys
from tests.ranker.cases import TODAY, make_posting, make_seeker

SETTINGS = load_settings()


def recommend(seeker, postings):
    ranker = Ranker(postings, SETTINGS, today=TODAY, min_df=1, max_df=1.0)
    ranked = rank_with(ranker, ranker.seeker_set([seeker]))
    return [row["posting_id"] for row in sorted(ranked.rows, key=lambda r: r["rank"])], ranked


def categories(ids, postings):
    by_id = {p.id: p.category for p in postings}
    return [by_id[i] for i in ids]


def test_a_blind_massage_graduate_gets_massage_and_never_driving_or_inspection():
    seeker = make_seeker(
        1,
        ("visual",),
        1,
        desired="保健按摩师、推拿",
        major="针灸推拿",
        experience="在盲人按摩店实习，熟悉推拿手法。",
        skills=("tuina", "health_massage"),
        needed=("screen_reader",),
    )
    postings = [
        make_posting(10, "massage_wellness", text="为顾客提供保健按摩。", skills=("tuina",)),
        make_posting(11, "massage_wellness", title="盲人保健按摩师", text="欢迎视障按摩师。"),
        make_posting(
            12, "massage_medical", text="医疗按摩治疗。", accommodations=("screen_reader",)
        ),
        make_posting(13, "driving", text="持C1驾照，负责接送。", accommodations=("screen_reader",)),
        make_posting(
            14,
            "quality_inspection",
            text="外观检验，无色盲色弱。",
            accommodations=("screen_reader",),
        ),
        make_posting(15, "customer_service_online", accommodations=("screen_reader",)),
        make_posting(16, "data_entry", text="录入表格。"),
    ]
    chosen, _ = recommend(seeker, postings)
    kinds = categories(chosen, postings)
    assert kinds[0].startswith("massage") and kinds[1].startswith("massage")
    assert "driving" not in kinds and "quality_inspection" not in kinds
    assert 16 not in chosen  # data entry needs sight and offers no screen reader
    reference = ReferenceRanker([], SETTINGS, today=TODAY)
    codes = {e.code for e in reference.exclusions(seeker, postings[3])}
    assert "intrinsic" in codes  # a screen reader does not make driving possible


def test_a_deaf_graduate_never_gets_phone_work_without_a_text_channel():
    seeker = make_seeker(
        2,
        ("hearing",),
        1,
        desired="数据标注、在线客服",
        experience="在电商公司做过文字客服，熟练打字。",
        needed=("text_channel",),
    )
    postings = [
        make_posting(20, "customer_service_phone", text="接听客户来电。"),
        make_posting(
            21,
            "customer_service_phone",
            text="接听客户来电。",
            employer=99,
            accommodations=("text_channel",),
        ),
        make_posting(22, "customer_service_online", text="通过在线聊天回复顾客咨询。"),
        make_posting(23, "data_annotation", text="图像标注与数据清洗。"),
        make_posting(24, "accounting", text="负责账务，需要接听客户电话。"),
        make_posting(25, "cleaning"),
    ]
    chosen, _ = recommend(seeker, postings)
    assert 20 not in chosen and 24 not in chosen
    assert set(chosen[:2]) == {22, 23}
    reference = ReferenceRanker([], SETTINGS, today=TODAY)
    assert reference.feasible(seeker, postings[1])  # the text channel bridges it


def test_a_wheelchair_user_never_gets_standing_work_without_seated_work():
    seeker = make_seeker(
        3,
        ("physical",),
        1,
        desired="会计、文员",
        major="会计学",
        needed=("step_free", "seated_work"),
    )
    postings = [
        make_posting(30, "cleaning"),
        make_posting(31, "cleaning", accommodations=("step_free",)),
        make_posting(
            32,
            "retail_sales",
            text="需长时间站立接待顾客。",
            accommodations=("assistive_devices", "step_free"),
        ),
        make_posting(
            33,
            "retail_sales",
            text="需长时间站立接待顾客。",
            accommodations=("assistive_devices", "seated_work"),
        ),
        make_posting(34, "accounting", text="需长时间站立盘点库存。"),
        make_posting(35, "accounting", text="负责账务核算。", accommodations=("step_free",)),
        make_posting(36, "data_entry"),
    ]
    chosen, _ = recommend(seeker, postings)
    assert not {30, 31, 32, 34} & set(chosen)  # standing or walking, no seated work
    assert chosen[0] == 35
    assert 33 in chosen  # seated work bridges the demand to stand


@pytest.mark.parametrize(
    "kind", ["visual", "hearing", "speech", "physical", "intellectual", "psychosocial"]
)
def test_grade_4_is_not_over_restricted(kind):
    capacity = default_capacity([kind], 4)
    fits = [
        o.key for o in occupations() if all(o.profile[d] <= capacity[d] for d in dimension_keys())
    ]
    assert len(fits) >= 32, f"grade-4 {kind} fits only {len(fits)} of 64 categories"
    severe = default_capacity([kind], 1)
    assert sum(
        all(o.profile[d] <= severe[d] for d in dimension_keys()) for o in occupations()
    ) < len(fits)


def test_graduates_get_three_to_five_and_one_posting_per_employer():
    seeker = make_seeker(4, ("physical",), 3, desired="在线客服", major="电子商务")
    postings = [
        make_posting(
            40 + k, "customer_service_online", employer=1 if k < 4 else k, text=f"在线客服岗位{k}。"
        )
        for k in range(8)
    ]
    chosen, _ = recommend(seeker, postings)
    assert 3 <= len(chosen) <= 5
    employers = [next(p.employer_id for p in postings if p.id == c) for c in chosen]
    assert len(employers) == len(set(employers))


def test_every_recommendation_carries_two_to_four_reasons_in_both_languages():
    seeker = make_seeker(
        5,
        ("hearing",),
        2,
        desired="会计",
        major="会计学",
        skills=("bookkeeping",),
        needed=("text_channel",),
    )
    postings = [
        make_posting(
            50,
            "accounting",
            text="会计核算。",
            skills=("bookkeeping",),
            accommodations=("text_channel",),
        )
    ]
    _, ranked = recommend(seeker, postings)
    reasons = ranked.rows[0]["reasons"]
    assert 2 <= len(reasons) <= 4
    text = " ".join(r["zh"] for r in reasons)
    assert "技能匹配" in text and "提供文字沟通" in text and "符合求职意向" in text
    assert all(r["en"] and r["zh"] for r in reasons)
    assert np.isclose(
        ranked.rows[0]["score"],
        sum(SETTINGS.weights[p] * v for p, v in ranked.rows[0]["parts"].items()),
        atol=1e-4,
    )


def test_a_lexical_reason_names_the_words_that_matched():
    """Wishes and experience in words no vocabulary knows still match, and the reasons say
    which words: the wish closest to the title, the phrases both texts share."""
    seeker = make_seeker(
        6,
        ("physical",),
        3,
        desired="做账、财务类工作",
        experience="负责凭证录入和月末结账，熟悉金蝶系统。",
    )
    postings = [
        make_posting(
            60,
            "accounting",
            title="总账财务专员",
            text="负责凭证录入，月末结账，编制报表。使用金蝶系统。",
        ),
        make_posting(61, "warehouse", title="仓库理货员", text="负责货物上架与盘点。"),
    ]
    chosen, ranked = recommend(seeker, postings)
    assert chosen[0] == 60
    first = next(r for r in ranked.rows if r["posting_id"] == 60)
    assert first["parts"]["title"] > 0 and first["parts"]["text"] > 0
    said = {r["code"]: r for r in first["reasons"]}
    assert "凭证录入" in said["text"]["zh"] and "月末结账" in said["text"]["zh"]
    assert said["text"]["zh"].startswith("经历与岗位描述相近：")
    assert "金蝶系统" in said["text"]["en"]
    # the title's reason, when it is among the chosen, names the closest wish
    ranker = Ranker(postings, SETTINGS, today=TODAY, min_df=1, max_df=1.0)
    writer = ReasonWriter(SETTINGS)
    key = writer._key("title", seeker, postings[0], 0.45, 0, 0, ranker)
    assert writer._make(key)["zh"] == "求职意向“财务类工作”与岗位名称相近"
