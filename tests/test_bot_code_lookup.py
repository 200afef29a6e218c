"""A bare authenticity code in the chat gets the scan verdict, recorded as a scan from chat, never naming the agent."""
from app.codes.codec import check_character
from app.codes.models import CodeMiss, CodeScan, Violation
from tests.factories import bound_agent, chat, make_batch, make_product, mistype, settings_changed, shipped, unique


def a_code(**product_fields):
    return shipped(make_batch(1, product=make_product(**product_fields)), bound_agent(name="卖货代理")[0])[0]


def test_a_bare_code_gets_the_genuine_verdict(client):
    code = a_code(name="玫瑰面霜")
    reply = chat(client, unique("openid-"), code)
    assert reply.startswith(f"{code}：正品验证通过") and "商品：玫瑰面霜" in reply and "批次：" in reply


def test_a_code_from_chat_is_recorded_as_a_chat_scan_of_the_sender(client):
    code, openid = a_code(), unique("openid-")
    chat(client, openid, code)
    scan = CodeScan.get()
    assert (scan.channel, scan.openid, scan.code.code) == ("chat", openid, code)


def test_a_code_checked_before_says_when_and_how_often(client):
    code = a_code()
    chat(client, unique("openid-"), code)
    reply = chat(client, unique("openid-"), code)
    assert "该防伪码已被查询过" in reply and "此前已被查询 1 次" in reply


def test_many_checks_warn_the_consumer(client):
    code = a_code()
    with settings_changed(SCAN_WARN_AFTER=1):
        chat(client, unique("openid-"), code)
        assert "请谨慎核实" not in chat(client, unique("openid-"), code)
        assert "请谨慎核实" in chat(client, unique("openid-"), code)


def test_the_verdict_never_names_the_agent(client):
    code = a_code()
    assert "卖货代理" not in chat(client, unique("openid-"), code)


def test_a_code_typed_in_lower_case_with_spaces_is_recognised(client):
    code = a_code()
    typed = " ".join(code[i:i + 4] for i in range(0, len(code), 4)).lower()
    assert chat(client, unique("openid-"), typed).startswith(f"{code}：正品验证通过")


def test_a_mistyped_code_is_told_to_check_it(client):
    code = mistype(a_code())
    assert chat(client, unique("openid-"), code) == f"{code}：请检查输入"


def test_an_unknown_code_is_a_warning_and_counts_as_a_miss_of_the_sender(client):
    openid, body = unique("openid-"), "23456789ABCDEFGH"
    unknown = body + check_character(body)
    assert chat(client, openid, unknown) == f"{unknown}：未查询到, 谨防假冒"
    assert CodeMiss.get().openid == openid


def test_the_code_command_also_takes_a_code(client):
    code = a_code()
    assert chat(client, unique("openid-"), f"防伪码 {code}").startswith(f"{code}：正品验证通过")


def test_a_place_written_after_the_code_is_recorded_on_the_senders_word(client):
    code = a_code()
    chat(client, unique("openid-"), f"{code} 四川成都")
    scan = CodeScan.get()
    assert (scan.province, scan.city, scan.place_source) == ("四川省", "成都市", "chat")


def test_a_place_the_chat_names_alone_opens_a_cross_region_violation_to_review(client):
    code = a_code()
    chat(client, unique("openid-"), f"防伪码 {code} 四川")
    assert (Violation.get().status, Violation.get().place_source) == ("review", "chat")
