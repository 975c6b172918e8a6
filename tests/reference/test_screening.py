"""Screening postings for requirements that exclude disabled people
(matcher/reference/screening.py)."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
import yaml

from bench import screening_quality as quality
from matcher.core.paths import data_dir
from matcher.reference import screening
from matcher.reference.screening import rules, screen

RULES_FILE = data_dir() / "screening_rules.yaml"
CJK = re.compile(r"[\u4e00-\u9fff]")


def flagged(*texts: str) -> set[str]:
    return {f.rule for f in screen(*texts) if f.severity == "flag"}


def noted(*texts: str) -> set[str]:
    return {f.rule for f in screen(*texts) if f.severity == "note"}


# Several phrasings per rule, many beyond the labelled set's wording (| separates them).
FIRES = {
    "height": "身高165cm以上|净身高不低于158|身高:≥160cm|男1.75米以上|一米七以上|个子不低于170",
    "weight": "体重不超过60公斤|体重≤55kg|偏胖者勿扰|BMI正常|体重适中",
    "appearance": (
        "五官端正|形象气质佳|身材匀称|容貌端庄|长相甜美|颜值在线|面部无明显疤痕|体健貌端|外形条件好|"
        "面容姣好|无明显外貌缺陷|形象气质俱佳"
    ),
    "general_health": "身体健康|身体素质好|身体条件良好|身心健康|体格健壮|健康状况良好|身强体壮",
    "no_disability": (
        "身体健全|四肢健全|无残疾|无身体缺陷|非残疾人|残疾人勿扰|不招聋哑人|无肢体残疾|"
        "有残疾证者不予录用"
    ),
    "medical_history": (
        "无重大疾病史|无精神病史|无高血压、糖尿病|乙肝携带者勿扰|无家族遗传病史|无慢性病|"
        "乙肝两对半阴性"
    ),
    "vision": "视力良好|矫正视力5.0以上|无色盲色弱|裸眼视力4.8及以上|辨色正常|视力较好",
    "hearing": "听力正常|双耳听力良好|听觉灵敏|无听力障碍|听力无问题|听力较好",
    "age": (
        "35岁以下|年龄18-30周岁|年龄在20至35岁之间|年龄25~40|"
        "不超过40周岁|三十五周岁以内|90后优先|年龄35岁(含)以下|"
        "1990年1月1日以后出生|45岁以上勿扰|年龄：28—40岁|年龄≤35岁|40岁之前|不得超过35周岁|"
        "年龄上限35岁"
    ),
    "gender": (
        "限男性|男性优先|女士优先|性别：女|只招女生|要求男士|限招男性|女性员工优先|"
        "男，35岁以下|适合男生"
    ),
}

# Legitimate text: accommodation language, negations, other senses of the words.
CLEAN = (
    "欢迎残疾人报考|适合肢体残疾人|无障碍设施完善|不限性别|年龄不限|身体健康状况不作要求|"
    "不要求身高|身高体重不限|对身高、体重、外貌无要求|不设身高体重限制|男女不限|不限男女|"
    "性别年龄不限|有无残疾均可|无残疾人限制|非残疾人也可报名|残疾人优先|"
    "具有正常履行职责的身体条件|年满18周岁|16周岁以上|年龄18至60岁|"
    "负责3-6岁儿童英语教学|照顾0至3岁婴幼儿|经验3-5年|月薪4000-6000元|"
    "男装设计师|妇女儿童活动中心|女职工权益保护|维护品牌形象良好|形象设计师|体重秤销售|"
    "体重管理师|为学生测量身高体重|能搬抬体重60公斤的成人|关注员工身体健康|"
    "提倡身体健康的生活方式|仪容仪表整洁|能搬运25公斤货物（仓储岗位）|需长时间站立|"
    "普通话标准，口齿清晰|视力障碍者可使用读屏软件|视力保健产品销售|公司每年组织免费体检|"
    "听力残疾人优先|宝妈优先"
)


@pytest.mark.parametrize(
    ("key", "phrase"),
    [(key, phrase) for key, phrases in FIRES.items() for phrase in phrases.split("|")],
)
def test_each_rule_fires_on_several_phrasings(key: str, phrase: str) -> None:
    assert key in flagged(f"任职要求：大专以上学历；{phrase}；能适应加班。")


@pytest.mark.parametrize("phrase", CLEAN.split("|"))
def test_legitimate_text_is_not_flagged(phrase: str) -> None:
    assert flagged(f"任职要求：{phrase}。") == set()


def test_an_exception_cancels_only_the_match_it_overlaps() -> None:
    assert flagged("身高不限，年龄35岁以下") == {"age"}
    assert flagged("年龄不限，身高160cm以上") == {"height"}
    assert flagged("男女不限，五官端正") == {"appearance"}
    assert flagged("品牌形象好", "要求形象气质佳") == {"appearance"}


def test_full_width_digits_and_punctuation() -> None:
    text = "要求：年龄２０－３０周岁，身高１６５ｃｍ以上"
    found = screen(text)
    assert {f.rule for f in found} == {"age", "height"}
    age = next(f for f in found if f.rule == "age")
    assert age.phrase == "年龄２０－３０周岁" == text[age.start : age.end]


def test_offsets_and_field_point_into_the_text_as_given() -> None:
    texts = ("行政文员", "负责日常行政。", "本科 以上；身 体 健 康；\n\n限女性")
    found = screen(*texts)
    assert [(f.rule, f.field) for f in found] == [("general_health", 2), ("gender", 2)]
    for f in found:
        assert texts[f.field][f.start : f.end] == f.phrase
    assert found[0].phrase == "身 体 健 康"


def test_a_stated_job_reason_turns_a_flag_into_a_note() -> None:
    found = screen("电工", "", "需辨别电线颜色，无色盲色弱")
    assert [(f.rule, f.severity) for f in found] == [("vision", "note")]
    assert "电线颜色" in (found[0].job_reason or "")
    vision = next(rule for rule in rules() if rule.key == "vision")
    assert found[0].explanation_zh == vision.job_reason_zh != vision.explanation_zh
    assert flagged("行政文员", "", "视力良好，无色盲色弱") == {"vision"}
    assert noted("话务员", "接听客户来电", "听力正常") == {"hearing"}
    assert noted("井下采掘工", "", "限男性（井下作业属女职工禁忌从事的劳动）") == {"gender"}
    # The requirement itself is no reason: 辨色 in 辨色正常 does not excuse it.
    assert flagged("辨色正常") == {"vision"}


def test_lawful_conditions_are_notes_not_flags() -> None:
    assert noted("持有健康证（餐饮行业法定要求）") == {"health_certificate"}
    assert flagged("持有健康证（餐饮行业法定要求）") == set()
    assert noted("体检合格") == {"medical_exam"}
    assert noted("无传染病") == {"health_certificate"}


def test_flags_carry_explanation_and_citations_and_are_frozen() -> None:
    (flag,) = screen("四肢健全")
    assert flag.rule == "no_disability" and flag.severity == "flag"
    assert flag.explanation_zh and flag.explanation_en and flag.citations
    with pytest.raises(dataclasses.FrozenInstanceError):
        flag.rule = "other"  # type: ignore[misc]
    assert screen() == [] and screen("", "") == []
    assert screen("身体健康", "五官端正") == screen("身体健康", "五官端正")


def test_the_yaml_loads_and_every_pattern_compiles() -> None:
    raw = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))
    macros = raw["macros"]
    keys = [rule["key"] for rule in raw["rules"]]
    assert len(keys) == len(set(keys)) == len(rules())
    for rule in raw["rules"]:
        assert rule["severity"] in ("flag", "note")
        assert rule["patterns"], rule["key"]
        for part in ("patterns", "exceptions", "job_reasons"):
            for pattern in rule.get(part) or []:
                assert screening._compile([pattern], macros, rule["key"]) is not None
        if rule.get("job_reasons"):
            assert rule["job_reason_zh"] and rule["job_reason_en"], rule["key"]


def test_every_rule_cites_its_source_in_chinese_and_english() -> None:
    for rule in rules():
        assert CJK.search(rule.explanation_zh) and not CJK.search(rule.explanation_en), rule.key
        assert rule.citations, rule.key
        for cited in rule.citations:
            for zh in (cited.document_zh, cited.clause_zh, cited.quote_zh):
                assert CJK.search(zh), rule.key
            for en in (cited.document_en, cited.clause_en, cited.quote_en):
                assert en and not CJK.search(en) and re.search("[A-Za-z]", en), rule.key


def test_a_broken_pattern_is_refused_with_its_rule(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    text = RULES_FILE.read_text(encoding="utf-8").replace("'身高'", "'身高('", 1)
    (tmp_path / "screening_rules.yaml").write_text(text, encoding="utf-8")
    monkeypatch.setenv("JOBBRIDGE_DATA_DIR", str(tmp_path))
    rules.cache_clear()
    try:
        with pytest.raises(ValueError, match="rule height patterns"):
            rules()
    finally:
        monkeypatch.delenv("JOBBRIDGE_DATA_DIR")
        rules.cache_clear()


# The rules this labelled set has examples of; the later ones (voice, household
# registration, photo) are measured on data/corpus (test_the_corpus_flags_are_found).
LABELLED_HERE = {
    "height", "weight", "appearance", "general_health", "no_disability", "medical_history",
    "vision", "hearing", "age", "gender",
}  # fmt: skip


def test_the_labelled_set_is_large_varied_and_split() -> None:
    postings = quality.load_postings()
    assert len(postings) >= 240
    assert {p.split for p in postings} == {"dev", "test"}
    share = sum(bool(p.flags) for p in postings) / len(postings)
    assert 0.4 <= share <= 0.6
    flag_rules = {r.key for r in rules() if r.severity == "flag"}
    all_rules = {r.key for r in rules()}
    for p in postings:
        assert p.flags <= flag_rules and p.notes <= all_rules, p.id
    for split in ("dev", "test"):
        part = quality.in_split(postings, split)
        for key in flag_rules & LABELLED_HERE:
            assert sum(key in p.flags for p in part) >= 3, (split, key)
    assert len({p.texts[2] for p in postings}) == len(postings)


@pytest.fixture(scope="module")
def predictions() -> dict[str, dict[str, quality.Prediction]]:
    postings = quality.load_postings()
    return {name: {p.id: f(p) for p in postings} for name, f in quality.METHODS.items()}


@pytest.mark.parametrize("split", ["all", "test"])
def test_quality_floor_on_the_labelled_set(split: str, predictions) -> None:  # type: ignore[no-untyped-def]
    postings = quality.in_split(quality.load_postings(), split)
    score = quality.posting_level(postings, predictions["JobBridge screen()"])
    assert score.precision >= 0.9 and score.recall >= 0.9, score
    for rule in rules():
        if rule.severity == "flag" and rule.key in LABELLED_HERE:
            per_rule = quality.per_rule(postings, predictions["JobBridge screen()"], rule.key)
            assert per_rule.f1 >= 0.8, (rule.key, per_rule)


def test_the_baselines_are_worse(predictions) -> None:  # type: ignore[no-untyped-def]
    postings = quality.load_postings()
    mine = quality.posting_level(postings, predictions["JobBridge screen()"]).f1
    for name in quality.METHODS:
        if name.startswith("baseline"):
            assert quality.posting_level(postings, predictions[name]).f1 < mine - 0.1, name
