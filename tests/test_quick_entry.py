"""Quick entry: chat text in, a draft order with a confidence on every field out."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.orders.quick_entry import HIGH, LOW, MAX_INPUT_CHARS, MEDIUM, parse_order_text
from tests.quick_entry_samples import CATALOGUE, SAMPLES


def parse(text, products=CATALOGUE):
    return parse_order_text(text, products)


def read_back(draft):
    region = "/".join((draft.province.value, draft.city.value, draft.district.value))
    items = tuple((item.product_id, item.quantity) for item in draft.items)
    return draft.name.value, draft.phone.value, region, draft.address.value, items


@pytest.mark.parametrize("sample", SAMPLES, ids=str)
def test_a_real_looking_message_is_read_into_the_expected_fields(sample):
    assert read_back(parse(sample.text)) == (sample.name, sample.phone, sample.region, sample.address, sample.items)


def test_the_sample_set_covers_at_least_thirty_messages():
    assert len(SAMPLES) >= 30


def test_fields_read_from_clear_text_are_marked_high():
    draft = parse("张三 13812345678 广东省深圳市南山区科技园路1号 玫瑰面霜x2")
    fields = (draft.name, draft.phone, draft.province, draft.city, draft.district, draft.address)
    assert {field.confidence for field in fields} == {HIGH}
    assert draft.items[0].confidence == draft.items[0].quantity_confidence == HIGH


def test_a_missing_quantity_defaults_to_one_with_low_confidence():
    item = parse("玫瑰面霜 张三 13812345678").items[0]
    assert (item.quantity, item.quantity_confidence) == (1, LOW)


@pytest.mark.parametrize("written, quantity", [
    ("x2", 2), ("X2", 2), ("×2", 2), ("*2", 2), ("2瓶", 2), ("两瓶", 2), ("二盒", 2), ("3件", 3), ("十二支", 12),
])
def test_a_quantity_written_after_the_product_is_read(written, quantity):
    assert parse(f"美白面膜{written}").items[0].quantity == quantity


def test_a_quantity_written_before_the_product_is_read():
    assert parse("三盒美白面膜").items[0].quantity == 3


def test_a_part_of_a_product_name_matches_it_with_medium_confidence():
    item = parse("修护 x2", [(9, "修护眼霜", [])]).items[0]
    assert (item.product_id, item.quantity, item.confidence) == (9, 2, MEDIUM)


def test_a_fragment_that_fits_several_products_is_low_and_names_the_others():
    item = parse("眼霜 x1", [(1, "修护眼霜", []), (2, "紧致眼霜", [])]).items[0]
    assert item.confidence == LOW and "也可能是" in item.reason


def test_a_landline_is_read_with_medium_confidence():
    phone = parse("电话：0755-86001234").phone
    assert (phone.value, phone.confidence) == ("0755-86001234", MEDIUM)


def test_a_second_phone_number_lowers_confidence_and_is_named_in_the_reason():
    phone = parse("13812345678 或 13987654321").phone
    assert (phone.value, phone.confidence) == ("13812345678", MEDIUM) and "13987654321" in phone.reason


def test_a_district_shared_by_cities_without_context_is_low_and_says_so():
    draft = parse("朝阳区建国路88号 张三 13812345678")
    assert (draft.city.value, draft.city.confidence) == ("北京市", LOW) and "长春市" in draft.city.reason


def test_a_province_inferred_from_a_city_says_so():
    province = parse("深圳市南山区科技园路1号").province
    assert province.value == "广东省" and "推断" in province.reason


def test_a_labelled_remark_is_kept_apart_from_the_address():
    draft = parse("广州市天河区体育西路1号 备注：周末送货")
    assert (draft.address.value, draft.remark.value) == ("体育西路1号", "周末送货")


def test_text_that_fits_no_field_is_returned_as_unparsed():
    assert parse("张三 13812345678 谢谢亲").unparsed == ("谢谢亲",)


def test_a_region_and_street_are_given_adcode_for_shipping_rules():
    assert parse("广东省深圳市南山区科技园路1号").adcode == "440305"


def test_an_address_without_a_region_is_kept_with_low_confidence():
    address = parse("科技园路1号 张三 13812345678").address
    assert (address.value, address.confidence) == ("科技园路1号", LOW)


def test_long_input_is_cut_and_flagged():
    draft = parse("张三 13812345678 " + "啊" * (MAX_INPUT_CHARS * 50))
    assert draft.truncated and draft.phone.value == "13812345678"


def test_the_draft_turns_into_plain_json_data():
    data = parse(SAMPLES[0].text).to_dict()
    assert data["phone"] == {"value": "13812345678", "confidence": HIGH, "reason": "手机号"}
    assert data["items"][0]["product_id"] == 1


def test_an_empty_catalogue_reads_no_items():
    assert parse(SAMPLES[0].text, []).items == ()


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_text_gives_a_draft(text):
    assert parse(text).unparsed is not None


FRAGMENTS = [sample.text for sample in SAMPLES] + ["x", "×", "*", "两", "十", "号", "86", "+", "收", ":", "\n", "【"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=8), max_size=12).map("".join))
def test_any_mix_of_real_fragments_gives_a_draft(text):
    assert parse(text).unparsed is not None


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(), st.text(max_size=12), st.lists(st.text(max_size=6), max_size=3)),
                max_size=6), st.text(max_size=100))
def test_any_catalogue_gives_a_draft(products, text):
    assert parse(text, products).unparsed is not None


def test_what_looks_like_a_quantity_never_leaves_the_address_at_high():
    draft = parse_order_text("王五 13712345678 广东省广州市天河区体育西路100号 送礼袋2个", CATALOGUE)
    assert draft.address.value.endswith("送礼袋2个")
    assert (draft.address.confidence, draft.address.reason) == ("medium", "详细地址里像是写了商品或数量，请核对")


def test_a_room_number_after_the_building_stays_in_the_address_at_high():
    draft = parse_order_text("王五 13712345678 广东省广州市天河区体育西路100号3栋1205", CATALOGUE)
    assert (draft.address.value, draft.address.confidence) == ("体育西路100号3栋1205", "high")


@pytest.mark.parametrize("written, items", [
    ("面霜2 洁面1", [(1, 2), (3, 1)]), ("精华1", [(2, 1)]), ("玫瑰霜×1", [(1, 1)]), ("面霜 x 两盒", [(1, 2)])])
def test_loose_names_glued_to_a_count_are_items_not_address(written, items):
    demo = [(1, "玫瑰面霜", ()), (2, "精华液", ()), (3, "洁面乳", ())]
    draft = parse_order_text(f"张三 13912345678 广东省深圳市南山区科技园路1号 {written}", demo)
    assert [(item.product_id, item.quantity) for item in draft.items] == items
    assert draft.address.value == "科技园路1号"
