"""Authorization certificates (授权书) and their public verification (授权查询) at /a/<授权编号> and /a?q=."""
import re
import subprocess
from datetime import timedelta

import pytest

from app.agents import service as agents
from app.agents.models import Agent
from app.authorization import service as authorization
from app.clock import local_today
from app.errors import Conflict, InvalidInput
from app.notify import service as notify
from tests.factories import (codes_of, make_agent, make_batch, make_level, overridden_settings, scan_client,
                             shipped)


def _number(agent):
    return authorization.certificate_for_agent(agent_id=agent.id).certificate.number


def _verify(text, ip="10.9.8.7"):
    return authorization.verify(text=text, ip=ip)


def _page(app, path):
    response = scan_client(app).get(path)
    return response.status_code, response.get_data(as_text=True)


def test_an_active_agent_gets_a_number_of_the_documented_shape_once():
    agent = make_agent()
    first = _number(agent)
    assert re.fullmatch(r"SQ\d{4}[2-9A-HJ-NP-Z]{8}", first)
    assert _number(agent) == first


def test_every_agent_gets_its_own_number():
    assert _number(make_agent()) != _number(make_agent())


def test_the_certificate_states_level_region_and_term():
    level = make_level("区域代理")
    agent = make_agent(level=level, province="浙江省", city="杭州市", term_start=local_today(),
                       term_end=local_today() + timedelta(days=365))
    certificate = authorization.certificate_for_agent(agent_id=agent.id).certificate
    assert (certificate.level_name, certificate.region, certificate.term_end) == (
        "区域代理", "浙江省杭州市", local_today() + timedelta(days=365))


def test_a_level_change_issues_a_new_number_and_the_old_one_says_changed():
    agent = make_agent()
    old = _number(agent)
    higher = make_level("总代理X", rank=0)
    agents.change_level(agent_id=agent.id, level_id=higher.id, reason="升级", actor_id=None)
    new = _number(agent)
    answer = _verify(old)[0]
    assert new != old
    assert (answer.result, answer.number, answer.level_name) == ("changed", new, "总代理X")
    assert "已变更" in answer.message


def test_a_region_change_issues_a_new_number():
    agent = make_agent()
    old = _number(agent)
    Agent.update(province="福建省", city="厦门市").where(Agent.id == agent.id).execute()
    assert _verify(old)[0].region == "福建省厦门市"
    assert _number(agent) != old


def test_a_renewed_term_issues_a_new_number():
    agent = make_agent(term_start=local_today(), term_end=local_today() + timedelta(days=30))
    old = _number(agent)
    agents.renew_term(agent_id=agent.id, actor_id=None)
    assert _number(agent) != old
    assert _verify(old)[0].result == "changed"


def test_a_change_of_status_alone_keeps_the_number():
    agent = make_agent()
    number = _number(agent)
    agents.change_status(agent_id=agent.id, status="suspended", reason="违规", actor_id=None)
    agents.change_status(agent_id=agent.id, status="active", reason="恢复", actor_id=None)
    assert _number(agent) == number


def test_the_current_number_answers_authorized_with_a_masked_name():
    agent = make_agent(name="陈小美")
    answer = _verify(_number(agent))[0]
    assert (answer.result, answer.masked_name, answer.authorized) == ("authorized", "陈**", True)


def test_a_suspended_agent_is_told_as_suspended():
    agent = make_agent()
    number = _number(agent)
    agents.change_status(agent_id=agent.id, status="suspended", reason="违规", actor_id=None)
    answer = _verify(number)[0]
    assert (answer.result, answer.status_text, answer.authorized) == ("suspended", "已暂停", False)


def test_an_agent_past_its_term_is_told_as_expired_before_the_nightly_job():
    agent = make_agent(term_start=local_today() - timedelta(days=400), term_end=local_today() + timedelta(days=1))
    number = _number(agent)
    Agent.update(term_end=local_today() - timedelta(days=1)).where(Agent.id == agent.id).execute()
    answer = _verify(number)[0]
    assert (answer.result, answer.status_text) == ("expired", "已过期")


def test_an_agent_who_left_is_told_as_revoked():
    agent = make_agent()
    number = _number(agent)
    agents.leave(agent_id=agent.id, reason="退出", actor_id=None)
    assert _verify(number)[0].result == "revoked"


def test_a_pending_agent_has_no_certificate():
    agent = make_agent(status="pending")
    with pytest.raises(Conflict) as refused:
        _number(agent)
    assert refused.value.code == "no_certificate"


def test_a_number_typed_loosely_is_found():
    number = _number(make_agent())
    typed = " " + number[:6].lower() + "-" + number[6:].translate(str.maketrans("ABCDEFGH", "ＡＢＣＤＥＦＧＨ")) + " "
    assert _verify(typed)[0].number == number


def test_a_phone_typed_with_country_code_and_spaces_finds_the_agent():
    agent = make_agent(phone="13912345678", name="王小明")
    _number(agent)
    answer = _verify("+86 139 1234 5678")[0]
    assert (answer.result, answer.masked_name) == ("authorized", "王**")


def test_a_wechat_id_finds_its_agent_whatever_its_case():
    agent = make_agent()
    authorization.set_wechat_id(agent_id=agent.id, wechat_id="Rose_Shop88")
    assert _verify("rose_shop88")[0].number == _number(agent)


def test_a_wechat_id_another_agent_holds_is_refused():
    authorization.set_wechat_id(agent_id=make_agent().id, wechat_id="rose_shop88")
    with pytest.raises(Conflict) as refused:
        authorization.set_wechat_id(agent_id=make_agent().id, wechat_id="ROSE_shop88")
    assert refused.value.code == "wechat_id_taken"


def test_changing_ones_own_wechat_id_frees_the_old_one():
    agent, other = make_agent(), make_agent()
    authorization.set_wechat_id(agent_id=agent.id, wechat_id="rose_shop88")
    authorization.set_wechat_id(agent_id=agent.id, wechat_id="rose_shop99")
    authorization.set_wechat_id(agent_id=other.id, wechat_id="rose_shop88")
    assert _verify("rose_shop99")[0].number == _number(agent)


@pytest.mark.parametrize("text", ["a", "1abcdef", "²²²²²²²²²²²", "abc def", "x" * 30])
def test_a_malformed_wechat_id_is_refused(text):
    with pytest.raises(InvalidInput):
        authorization.set_wechat_id(agent_id=make_agent().id, wechat_id=text)


def test_an_unknown_number_is_not_found():
    assert _verify("SQ2026ABCDEFGH")[0].result == "not_found"


@pytest.mark.parametrize("text", ["", "???", "²" * 11, "<script>", "1" * 64])
def test_text_that_is_no_number_wechat_id_or_phone_is_invalid(text):
    assert _verify(text)[0].result == "invalid"


def test_every_look_up_is_logged_with_what_was_asked_and_answered():
    agent = make_agent()
    number = _number(agent)
    _verify(number, ip="10.1.2.3")
    _verify("SQ2026ABCDEFGH", ip="10.1.2.3")
    rows, total = authorization.list_checks()
    assert total == 2
    assert [(r.query_kind, r.result, r.agent_id, r.ip) for r in rows] == [
        ("number", "not_found", None, "10.1.2.3"), ("number", "authorized", agent.id, "10.1.2.3")]


def test_many_misses_from_one_address_alert_the_owners_once(caplog):
    with overridden_settings(ENUMERATION_MISSES=3):
        for index in range(5):
            _verify(f"1380000{index:04d}", ip="10.5.5.5")
    assert "authorization enumeration" in caplog.text
    assert len(notify.queued("authorization_enumeration")) == 1


def test_the_verify_page_shows_the_answer_in_chinese(app):
    agent = make_agent(name="陈小美", province="广东省", city="深圳市")
    status, html = _page(app, f"/a/{_number(agent)}")
    assert status == 200
    assert "已授权" in html and "陈**" in html and "广东省深圳市" in html


def test_the_verify_page_never_holds_a_phone_a_wechat_id_or_the_full_name(app):
    agent = make_agent(name="陈小美", phone="13912345678")
    authorization.set_wechat_id(agent_id=agent.id, wechat_id="rose_shop88")
    number = _number(agent)
    pages = [_page(app, path)[1] for path in (f"/a/{number}", "/a?q=13912345678", "/a?q=139+1234+5678",
                                              "/a?q=rose_shop88", "/a?q=ROSE_SHOP88")]
    assert all("已授权" in html for html in pages)
    for html in pages:
        assert "13912345678" not in html and "1234" not in html.replace(number, "")
        assert "rose_shop88" not in html.lower() and "陈小美" not in html


def test_an_unknown_search_says_beware_of_fakes(app):
    status, html = _page(app, "/a?q=13800000000")
    assert status == 200 and "未查询到授权信息" in html and "谨防假冒" in html


def test_the_search_form_shows_without_a_query(app):
    status, html = _page(app, "/a")
    assert status == 200 and "输入授权编号、代理的微信号或手机号" in html


def test_the_verify_page_loads_nothing_from_elsewhere(app):
    response = scan_client(app).get(f"/a/{_number(make_agent())}")
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"


def test_look_ups_beyond_the_limit_answer_a_chinese_page(app):
    client = scan_client(app)
    with overridden_settings(AUTHORIZATION_RATE_LIMIT="2/minute"):
        pages = [client.get("/a?q=13800000000") for _ in range(3)]
    assert [page.status_code for page in pages] == [200, 200, 429]
    assert "查询过于频繁" in pages[-1].get_data(as_text=True)


def test_the_scan_page_links_to_the_shipped_agents_authorization_where_the_brand_allows(app):
    agent = make_agent()
    code = shipped(make_batch(1), agent)[0]
    with overridden_settings(SCAN_SHOWS_AUTHORIZATION=True):
        _, html = _page(app, f"/v/{code}")
    assert f'href="/a/{_number(agent)}"' in html


def test_the_scan_page_does_not_link_to_the_agent_by_default(app):
    code = shipped(make_batch(1), make_agent())[0]
    _, html = _page(app, f"/v/{code}")
    assert 'href="/a/' not in html


def test_the_mini_programs_scan_answer_carries_the_agents_authorization_link_where_the_brand_allows(app):
    agent = make_agent()
    code = shipped(make_batch(1), agent)[0]
    with overridden_settings(SCAN_SHOWS_AUTHORIZATION=True):
        shown = scan_client(app).get(f"/api/mp/codes/{code}").get_json()
    hidden = scan_client(app).get(f"/api/mp/codes/{code}").get_json()
    assert shown["authorization_url"].endswith(f"/a/{_number(agent)}") and hidden["authorization_url"] is None


def test_an_unshipped_code_links_to_no_agent(app):
    code = codes_of(make_batch(1))[0]
    with overridden_settings(SCAN_SHOWS_AUTHORIZATION=True):
        _, html = _page(app, f"/v/{code}")
    assert 'href="/a/' not in html


def test_the_png_is_the_size_for_moments():
    from io import BytesIO

    from PIL import Image

    number, png = authorization.certificate_png(agent_id=make_agent().id)
    with Image.open(BytesIO(png)) as image:
        assert (image.format, image.size) == ("PNG", (750, 1060))


def test_the_pdf_holds_the_certificate_in_chinese(tmp_path):
    agent = make_agent(name="陈小美")
    number, pdf = authorization.certificate_pdf(agent_id=agent.id)
    path = tmp_path / "certificate.pdf"
    path.write_bytes(pdf)
    try:
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    except FileNotFoundError:
        pytest.skip("poppler's pdftotext is not installed")
    assert "授" in text and "陈小美" in text and number in text


def test_an_agents_history_keeps_every_number_it_was_issued():
    agent = make_agent()
    old = _number(agent)
    Agent.update(city="广州市").where(Agent.id == agent.id).execute()
    new = _number(agent)
    history = authorization.certificate_history(agent_id=agent.id)
    assert [(c.number, c.current) for c in history] == [(new, True), (old, False)]


def test_issue_all_gives_every_active_agent_a_certificate():
    active, pending = make_agent(), make_agent(status="pending")
    authorization.issue_all()
    assert authorization.certificate_history(agent_id=active.id)
    assert not authorization.certificate_history(agent_id=pending.id)


@pytest.mark.parametrize("name, masked", [("张三", "张*"), ("王小明", "王**"), ("欧阳娜娜", "欧**"), ("李", "李*"),
                                          ("", "*")])
def test_names_are_masked_without_telling_their_length(name, masked):
    assert authorization.mask_name(name) == masked


def test_flask_certificates_issue_issues_every_active_agents_certificate(app):
    agent = make_agent()
    result = app.test_cli_runner().invoke(args=["certificates", "issue"])
    assert result.exit_code == 0 and "active agents checked: 1" in result.output
    assert authorization.certificate_history(agent_id=agent.id)[0].current


def test_the_certificate_and_its_verification_name_the_brand_of_the_brand_settings(tmp_path):
    from io import BytesIO

    from PIL import Image

    from app.brand import service as brand

    buffer = BytesIO()
    Image.new("RGB", (64, 64), (200, 30, 30)).save(buffer, "PNG")
    with overridden_settings(UPLOAD_DIR=str(tmp_path)):
        brand.update_brand(name="玫瑰之约")
        brand.set_logo(content=buffer.getvalue())
        agent = make_agent()
        _, png = authorization.certificate_png(agent_id=agent.id)
        _, pdf = authorization.certificate_pdf(agent_id=agent.id)
    assert authorization.certificate_for_agent(agent_id=agent.id).brand == "玫瑰之约"
    assert _verify(_number(agent))[0].brand == "玫瑰之约"
    assert png.startswith(b"\x89PNG") and pdf.startswith(b"%PDF")


def test_a_suspended_agent_whose_level_changed_shows_its_current_level_and_no_valid_number():
    agent = make_agent()
    old = _number(agent)
    agents.change_status(agent_id=agent.id, status="suspended", reason="违规", actor_id=None)
    agents.change_level(agent_id=agent.id, level_id=make_level("总代理Y", rank=0).id, reason="调整", actor_id=None)
    answer = _verify(old)[0]
    assert (answer.result, answer.level_name, answer.number) == ("suspended", "总代理Y", "")


def test_a_look_up_is_logged_where_its_address_is(behind_nginx, located_scans):
    from tests.test_code_scans import SICHUAN

    behind_nginx.get("/a?q=13800000000", headers={"X-Forwarded-For": SICHUAN})
    [check], _ = authorization.list_checks()
    assert (check.ip, check.province, check.city) == (SICHUAN, "四川省", "成都市")
