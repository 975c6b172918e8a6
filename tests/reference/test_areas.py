from collections import Counter

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
    with pytest.raises(AreaError, match="江苏省南京市鼓楼区"):
        areas().resolve("鼓楼区")
    assert areas().resolve("楚雄") == "532300"  # the prefecture holds its namesake city


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


# --- the whole country ---------------------------------------------------------------------


def test_every_province_prefecture_and_county_of_china_is_there():
    index = areas()
    levels = Counter(area.level for area in index.by_code.values())
    assert levels[1] == 34  # 31 in the statistical list, and Hong Kong, Macao, Taiwan
    assert levels[2] >= 330 and levels[3] >= 2_900
    provinces = {code[:2] for code, area in index.by_code.items() if area.level == 3}
    assert len(provinces) == 31  # counties in every province of the mainland


def test_every_division_resolves_by_code_by_path_and_inside_an_address():
    """Checked against every row of the source list: a division is found by its code, by
    its whole path of names, and by an address that goes on below it; a county by its
    prefecture's name and its own, with a town after them."""
    index = areas()
    for code, area in index.by_code.items():
        path = index.full_name(code)
        assert index.resolve(code) == code
        assert index.resolve(path) == code, path
        if area.level == 3:
            assert index.resolve(path + "人民路12号") == code, path
            parent = index.by_code[area.parent_code].name if area.parent_code else ""
            assert index.resolve(f"{parent}{area.name}城关镇") == code, (parent, area.name)


def test_a_name_resolves_to_its_division_or_lists_it_among_its_namesakes():
    index = areas()
    for code, area in index.by_code.items():
        try:
            assert (
                index.resolve(area.name) == code
                or index.by_code[index.resolve(area.name)].name == area.name
            )
        except AreaError as refused:
            assert index.full_name(code) in str(refused)


def test_former_codes_and_names_resolve_to_the_division_of_today():
    index = areas()
    assert index.resolve("520221") == index.resolve("水城县") == "520204"  # 2020
    assert index.resolve("431024") if "431024" in index.by_code else True
    assert index.resolve("户县") == "610118"  # 鄠邑区, 2016
    assert index.resolve("220381") == "220184"  # 公主岭市 moved to 长春, 2020


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("杭州", "330100"),
        ("南京", "320100"),
        ("上海-徐汇区", "310104"),
        ("北京·朝阳区·望京", "110105"),
        ("重庆 渝北", "500112"),
        ("修文县龙场镇", "520123"),
        ("贵州省贵阳市修文县扎佐镇", "520123"),
        ("广东省深圳市南山区粤海街道", "440305"),
        ("成都市高新区", "510100"),  # no such county: the city it is in
        ("红河州蒙自市文澜镇", "532503"),
        ("东莞市长安镇", "441900"),  # a prefecture-level city without counties
        ("仙桃市", "429004"),  # governed by the province directly
    ],
)
def test_real_place_texts_resolve(text, code):
    assert areas().resolve(text) == code


@pytest.mark.parametrize("text", ["南明路", "南京路1号", "中山大道"])
def test_a_street_named_after_a_place_is_not_that_place(text):
    with pytest.raises(AreaError):
        areas().resolve(text)


def test_namesakes_are_told_apart_by_where_the_text_comes_from():
    with pytest.raises(AreaError, match="北京市朝阳区"):
        areas().resolve("朝阳区")
    assert areas().resolve("朝阳区", near="110000") == "110105"
    assert areas().resolve("朝阳区", near="220100") == "220104"
    assert areas().resolve("鼓楼区", near="320100") == "320106"  # 南京's, of four
