import pytest

from matcher.reference.areas import ANYWHERE, AreaError, areas


@pytest.mark.parametrize(
    "text",
    [
        "520102",
        "南明区",
        "南明",
        "贵阳市南明区",
        "贵州省贵阳市南明区",
        "贵阳南明区",
        "贵阳市/南明区",
    ],
)
def test_an_area_may_be_given_as_code_name_or_path(text):
    assert areas().resolve(text) == "520102"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("黔南州", "522700"),
        ("贵州省黔南州都匀市", "522701"),
        ("松桃县", "520628"),
        ("开州区", "500154"),  # Chongqing
        ("重庆市开州区", "500154"),
        ("红河州", "532500"),  # Yunnan
        ("盘县", "520281"),  # renamed 盘州市 in 2017: the old name still resolves
        ("广东省", "440000"),
    ],
)
def test_everyday_names_and_renamed_divisions_resolve(text, code):
    assert areas().resolve(text) == code


@pytest.mark.parametrize("word", ["不限", "全国", "any"])
def test_anywhere(word):
    assert areas().resolve(word) == ANYWHERE


def test_an_ambiguous_name_lists_the_candidates():
    with pytest.raises(AreaError, match="楚雄彝族自治州楚雄市"):
        areas().resolve("楚雄")


@pytest.mark.parametrize("text", ["火星市", "999999"])
def test_an_unknown_area_is_refused(text):
    with pytest.raises(AreaError):
        areas().resolve(text)


def test_the_hierarchy_counts():
    index = areas()
    assert index.covers("520100", "520102")  # 贵阳市 covers 南明区
    assert index.covers("520000", "520102")
    assert index.covers(ANYWHERE, "520102")
    assert not index.covers("520200", "520102")
    assert index.prefecture("520102") == "520100"
    assert index.full_name("520102") == "贵州省贵阳市南明区"


def test_the_three_provinces_are_complete_enough():
    counties = [a for a in areas().by_code.values() if a.level == 3]
    by_province = {p: sum(1 for a in counties if a.code.startswith(p)) for p in ("52", "50", "53")}
    assert by_province["52"] >= 85 and by_province["50"] >= 35 and by_province["53"] >= 125
