"""The region table: names normalised, regions found in free text, ambiguity resolved."""
import csv

import pytest

from app import regions


def test_every_province_of_china_is_listed_once_for_pickers():
    provinces = regions.provinces()
    assert len(provinces) == len(set(provinces)) == 34
    assert {"北京市", "广东省", "内蒙古自治区", "香港特别行政区", "澳门特别行政区", "台湾省"} <= set(provinces)


def test_the_data_file_names_its_source_and_licence():
    header = "".join(line for line in regions.DATA_FILE.read_text(encoding="utf-8").splitlines() if line[:1] == "#")
    assert "cpca" in header and "MIT License" in header


def test_every_row_has_a_unique_adcode_and_its_parents():
    with regions.DATA_FILE.open(encoding="utf-8") as source:
        rows = list(csv.DictReader(line for line in source if not line.startswith("#")))
    assert len({row["adcode"] for row in rows}) == len(rows) > 3000
    assert all(row["province"] and (row["city"] or not row["district"]) for row in rows)


@pytest.mark.parametrize("short, full", [
    ("广东", "广东省"), ("广东省", "广东省"), ("内蒙古", "内蒙古自治区"), ("广西", "广西壮族自治区"),
    ("北京", "北京市"), ("香港", "香港特别行政区"), ("西藏", "西藏自治区"),
])
def test_a_province_name_is_normalised_to_its_full_name(short, full):
    assert regions.normalize_province(short) == full


@pytest.mark.parametrize("short, full", [
    ("深圳", "深圳市"), ("北京", "北京市"), ("延边", "延边朝鲜族自治州"), ("阿里", "阿里地区"), ("仙桃", "仙桃市"),
])
def test_a_city_name_is_normalised_to_its_full_name(short, full):
    assert regions.normalize_city(short) == full


def test_an_unknown_name_normalises_to_none():
    assert regions.normalize_province("火星") is None


def test_a_district_name_shared_by_several_cities_normalises_only_within_its_city():
    assert regions.normalize_district("南山") is None
    assert regions.normalize_district("南山", city="深圳") == "南山区"


def test_a_municipality_is_its_own_city():
    assert regions.cities("北京市") == ["北京市"]
    assert "朝阳区" in regions.districts("北京市", "北京市")


def test_a_county_level_city_governed_by_its_province_has_no_districts():
    assert "仙桃市" in regions.cities("湖北省")
    assert regions.districts("湖北省", "仙桃市") == []


def test_resolve_checks_that_each_part_lies_inside_the_one_before():
    assert regions.resolve("广东", "深圳", "南山").adcode == "440305"
    assert regions.resolve("广东", "杭州") is None


@pytest.mark.parametrize("text, expected", [
    ("广东省深圳市南山区科技园路1号", ("广东省", "深圳市", "南山区")),
    ("深圳南山区科技园", ("广东省", "深圳市", "南山区")),
    ("浙江省 杭州市 西湖区 文三路", ("浙江省", "杭州市", "西湖区")),
    ("吉林省吉林市船营区", ("吉林省", "吉林市", "船营区")),
    ("山东青岛市南区香港中路", ("山东省", "青岛市", "市南区")),
    ("上海浦东新区张江镇", ("上海市", "上海市", "浦东新区")),
    ("湖北仙桃市仙桃大道", ("湖北省", "仙桃市", "")),
    ("延边朝鲜族自治州延吉市", ("吉林省", "延边朝鲜族自治州", "延吉市")),
    ("香港特别行政区九龙弥敦道", ("香港特别行政区", "", "")),
    ("李白山东省济南市历下区", ("山东省", "济南市", "历下区")),
])
def test_the_most_complete_run_of_region_names_is_found_in_free_text(text, expected):
    region = regions.find_region(text).region
    assert (region.province, region.city, region.district) == expected


def test_the_match_spans_the_region_names_only():
    match = regions.find_region("张三广东省深圳市南山区科技园路1号")
    assert (match.start, match.end, match.parts) == (2, 11, ("广东省", "深圳市", "南山区"))


@pytest.mark.parametrize("text, city", [
    ("北京朝阳区建国路", "北京市"), ("长春市朝阳区人民大街", "长春市"), ("吉林省朝阳区", "长春市"),
    ("深圳南山区", "深圳市"), ("鹤岗市南山区", "鹤岗市"),
])
def test_a_shared_district_name_is_resolved_by_the_city_or_province_beside_it(text, city):
    match = regions.find_region(text)
    assert match.region.city == city and match.alternatives == ()


def test_a_shared_district_name_alone_prefers_the_major_city_and_lists_the_others():
    match = regions.find_region("朝阳区建国路88号")
    assert match.region.city == "北京市"
    assert [other.city for other in match.alternatives] == ["长春市"]


def test_a_lone_short_district_name_with_nothing_after_it_is_no_region():
    assert regions.find_region("李南山") is None


def test_text_without_a_region_finds_none():
    assert regions.find_region("玫瑰面霜 x2") is None
