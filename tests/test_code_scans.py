"""The consumer's look-up: verdicts on the page and as JSON, the scan record, PIN, reports, flags, 窜货, abuse."""
import io
import json
import time
from datetime import timedelta

from itsdangerous import URLSafeTimedSerializer
from PIL import Image

from app.catalog import service as catalog
from app.clock import utcnow
from app.config import get_settings
from app.codes import codec, scans
from app.codes import service as codes
from app.codes.models import CodeFlag, CodeMiss, CodeScan, ConsumerReport, Violation
from app.notify import service as notify
from tests.factories import (codes_of, make_agent, make_batch, make_level, mistype, overridden_settings,
                             scan_client, shipped, wechat_login)

SICHUAN = "61.139.2.69"  # 成都, in the 纯真 database


def _look_up(client, code, **query):
    return client.get(f"/api/mp/codes/{code}", query_string=query).get_json()


def test_first_scan_is_genuine_with_product_lot_and_brand(app):
    batch = make_batch(1, lot="LOT-2024-06")
    body = _look_up(scan_client(app), codes_of(batch)[0])
    assert body["verdict"] == "genuine" and body["genuine"] and body["scans_before"] == 0
    assert body["lot"] == "LOT-2024-06" and body["product_name"] == batch.product.name and body["brand"]


def test_a_later_scan_says_how_often_and_where_it_was_first_checked(app):
    code = codes_of(make_batch(1))[0]
    _look_up(scan_client(app), code, province="广东", city="深圳")
    body = _look_up(scan_client(app), code)
    assert body["verdict"] == "repeat" and body["scans_before"] == 1
    assert body["first_scan_place"] == "广东省深圳市" and body["first_scan_at"]
    assert not body["warning"]


def test_a_warning_only_once_checked_more_than_the_configured_count_before(app):
    code = codes_of(make_batch(1))[0]
    with overridden_settings(SCAN_WARN_AFTER=2):
        bodies = [_look_up(scan_client(app), code) for _ in range(4)]
    assert [body["warning"] for body in bodies] == [False, False, False, True]


def test_a_refresh_by_the_same_visitor_is_not_counted_again(app):
    code, client = codes_of(make_batch(1))[0], scan_client(app)
    _look_up(client, code)
    assert _look_up(client, code)["verdict"] == "genuine"
    assert CodeScan.select().count() == 1


def test_a_mistyped_code_asks_to_check_the_input(app):
    body = _look_up(scan_client(app), mistype(codes_of(make_batch(1))[0]))
    assert body["verdict"] == "mistyped" and body["message"] == "请检查输入" and not body["genuine"]


def test_an_unknown_code_warns_of_counterfeits(app):
    body = _look_up(scan_client(app), codec.new_codes(1)[0])
    assert body["verdict"] == "unknown" and body["message"] == "未查询到, 谨防假冒"
    assert CodeMiss.select().where(CodeMiss.verdict == "unknown").count() == 1


def test_the_page_shows_each_verdict_in_chinese(app):
    code = shipped(make_batch(1), make_agent())[0]
    client = scan_client(app)
    assert "正品验证通过" in client.get(f"/v/{code}").get_data(as_text=True)
    assert "已被查询" in scan_client(app).get(f"/v/{code}").get_data(as_text=True)
    assert "请检查输入" in client.get(f"/v/{mistype(code)}").get_data(as_text=True)
    assert "未查询到, 谨防假冒" in client.get(f"/v/{codec.new_codes(1)[0]}").get_data(as_text=True)


def test_the_page_loads_nothing_from_elsewhere(app):
    page = scan_client(app).get(f"/v/{codes_of(make_batch(1))[0]}")
    html = page.get_data(as_text=True)
    assert "http://" not in html and "https://" not in html and "<script" not in html
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]


def test_neither_page_nor_json_reveals_the_agent(app):
    agent = make_agent(name="张三代理", phone="13912345678")
    code = shipped(make_batch(1), agent)[0]
    html = scan_client(app).get(f"/v/{code}").get_data(as_text=True)
    body = json.dumps(_look_up(scan_client(app), code), ensure_ascii=False)
    for secret in ("张三代理", "13912345678", "agent"):
        assert secret not in html and secret not in body


def test_a_scan_records_address_browser_openid_and_region(app, fake_wechat):
    client = scan_client(app)
    headers, body = wechat_login(client, fake_wechat, openid="openid-consumer-1")
    code = codes_of(make_batch(1))[0]
    client.get(f"/api/mp/codes/{code}?province=浙江&city=杭州", headers={**headers, "User-Agent": "MicroMessenger"})
    scan = CodeScan.get()
    assert (scan.openid, scan.province, scan.city, scan.channel) == ("openid-consumer-1", "浙江省", "杭州市", "mp")
    assert scan.ip.startswith("10.") and scan.user_agent == "MicroMessenger"


def test_the_right_pin_proves_the_label_and_a_wrong_one_does_not(app):
    code = codes_of(make_batch(1, with_pin=True))[0]
    client = scan_client(app)
    right = client.post(f"/api/mp/codes/{code}/pin", json={"pin": codec.pin_for(code)}).get_json()
    wrong = client.post(f"/api/mp/codes/{code}/pin", json={"pin": "000000" if codec.pin_for(code) != "000000"
                                                            else "111111"}).get_json()
    assert (right["result"], wrong["result"]) == ("correct", "wrong")
    page = client.post(f"/v/{code}/pin", data={"pin": codec.pin_for(code)}).get_data(as_text=True)
    assert "刮开码正确" in page


def _pin(client, code, pin, headers=None):
    return client.post(f"/api/mp/codes/{code}/pin", json={"pin": pin}, headers=headers or {}).get_json()["result"]


def test_too_many_wrong_pins_lock_the_source_not_the_code(app):
    code = codes_of(make_batch(1, with_pin=True))[0]
    guesser = scan_client(app)
    with overridden_settings(PIN_MAX_FAILURES=2):
        results = [_pin(guesser, code, "x") for _ in range(3)]
        guessers_right_pin = _pin(guesser, code, codec.pin_for(code))
        owners_right_pin = _pin(scan_client(app), code, codec.pin_for(code))
    assert results == ["wrong", "wrong", "locked"] and guessers_right_pin == "locked"
    assert owners_right_pin == "correct"


def test_wrong_pins_from_one_openid_lock_it_from_every_address(app, fake_wechat):
    code = codes_of(make_batch(1, with_pin=True))[0]
    headers, _ = wechat_login(scan_client(app), fake_wechat)
    with overridden_settings(PIN_MAX_FAILURES=2):
        results = [_pin(scan_client(app), code, "x", headers) for _ in range(3)]
    assert results == ["wrong", "wrong", "locked"]


def test_wrong_pins_from_many_addresses_lock_the_code_and_alert_the_owners_once(app):
    code = codes_of(make_batch(1, with_pin=True))[0]
    with overridden_settings(PIN_LOCK_SOURCES=3):
        results = [_pin(scan_client(app), code, "x") for _ in range(4)]
        owners_right_pin = _pin(scan_client(app), code, codec.pin_for(code))
    assert results == ["wrong", "wrong", "wrong", "locked"] and owners_right_pin == "locked"
    assert CodeFlag.get(CodeFlag.reason == "pin_guessing").status == "open"
    assert [n.dedupe_key.endswith(":pin_guessing") for n in notify.queued("code_flagged")] == [True]


def test_clearing_the_pin_guessing_flag_unlocks_the_code(app):
    code = codes_of(make_batch(1, with_pin=True))[0]
    with overridden_settings(PIN_LOCK_SOURCES=1):
        _pin(scan_client(app), code, "x")
        flag = CodeFlag.get(CodeFlag.reason == "pin_guessing")
        codes.review_flag(flag_id=flag.id, action="clear", note="", actor="admin:1")
        assert _pin(scan_client(app), code, codec.pin_for(code)) == "correct"


def test_a_scan_located_outside_the_agents_province_is_a_cross_region_violation(behind_nginx, located_scans):
    agent = make_agent(province="广东省")
    code = shipped(make_batch(1), agent)[0]
    behind_nginx.get(f"/api/mp/codes/{code}", headers={"X-Forwarded-For": SICHUAN})
    violation = Violation.get()
    assert (violation.agent_id, violation.kind, violation.province) == (agent.id, "cross_region", "四川省")
    assert (violation.status, violation.place_source) == ("open", "network")
    assert [n.recipient for n in notify.queued("violation_cross_region")] == ["owners"]


def test_a_scan_is_placed_where_its_address_is_not_where_the_consumer_says(behind_nginx, located_scans):
    code = shipped(make_batch(1), make_agent(province="四川省"))[0]
    behind_nginx.get(f"/api/mp/codes/{code}", query_string={"province": "广东省"},
                     headers={"X-Forwarded-For": SICHUAN})
    scan = CodeScan.get()
    assert (scan.province, scan.city, scan.place_source) == ("四川省", "成都市", "network")
    assert Violation.select().count() == 0


def test_a_consumers_word_alone_opens_a_cross_region_violation_to_review_without_an_alert(app):
    agent = make_agent(province="广东省")
    code = shipped(make_batch(1), agent)[0]
    _look_up(scan_client(app), code, province="湖南省")
    violation = Violation.get()
    assert (violation.agent_id, violation.province) == (agent.id, "湖南省")
    assert (violation.status, violation.place_source) == ("review", "consumer")
    assert CodeScan.get().place_source == "consumer"
    assert notify.queued("violation_cross_region") == []


def test_a_located_scan_raises_the_alert_a_consumers_word_before_it_did_not(app, behind_nginx, located_scans):
    code = shipped(make_batch(1), make_agent(province="广东省"))[0]
    _look_up(scan_client(app), code, province="四川省")
    behind_nginx.get(f"/api/mp/codes/{code}", headers={"X-Forwarded-For": SICHUAN})
    assert sorted(v.status for v in Violation.select()) == ["open", "review"]
    assert len(notify.queued("violation_cross_region")) == 1


def test_a_scan_inside_the_agents_province_is_no_violation(app):
    code = shipped(make_batch(1), make_agent(province="广东省"))[0]
    _look_up(scan_client(app), code, province="广东", city="广州")
    assert Violation.select().count() == 0


def test_the_upline_hears_of_cross_region_selling_where_configured(behind_nginx, located_scans):
    upline = make_agent()
    code = shipped(make_batch(1), make_agent(upline=upline, province="广东省"))[0]
    with overridden_settings(CROSS_REGION_NOTIFY_UPLINE=True):
        behind_nginx.get(f"/api/mp/codes/{code}", headers={"X-Forwarded-For": SICHUAN})
    assert [n.recipient for n in notify.queued("violation_cross_region_downline")] == [f"agent:{upline.id}"]


def test_a_region_picked_after_the_scan_is_checked_too(app):
    code = shipped(make_batch(1), make_agent(province="广东省"))[0]
    client = scan_client(app)
    token = _look_up(client, code)["report_token"]
    response = client.post(f"/api/mp/codes/{code}/report", json={"report_token": token, "province": "北京"})
    assert response.status_code == 204
    assert Violation.get().province == "北京市" and Violation.get().status == "review"
    assert (CodeScan.get().province, CodeScan.get().place_source) == ("北京市", "consumer")


def test_a_consumers_price_below_the_range_is_a_violation_of_the_agent(app):
    from app.catalog import service as catalog

    level = make_level()
    agent = make_agent(level=level)
    batch = make_batch(1)
    catalog.set_price_range(product_id=batch.product_id, level_id=level.id, min_fen=9900, max_fen=12900)
    code = shipped(batch, agent)[0]
    client = scan_client(app)
    token = _look_up(client, code)["report_token"]
    client.post(f"/api/mp/codes/{code}/report", json={"report_token": token, "price": "59.00", "place": "拼多多"})
    violation = Violation.get()
    assert (violation.agent_id, violation.kind, violation.source, violation.price_fen) == (
        agent.id, "price_low", "consumer_report", 5900)
    assert json.loads(violation.evidence)["place"] == "拼多多"
    assert ConsumerReport.get().place == "拼多多"


def test_a_report_needs_the_token_of_a_scan_of_that_code(app):
    first, second = codes_of(make_batch(2))
    client = scan_client(app)
    token = _look_up(client, first)["report_token"]
    forged = client.post(f"/api/mp/codes/{second}/report", json={"report_token": token, "price": "10"})
    garbage = client.post(f"/api/mp/codes/{first}/report", json={"report_token": "x", "price": "10"})
    assert forged.status_code == 404 and garbage.status_code == 404


def test_a_report_token_is_the_one_itsdangerous_would_sign(app):
    # The tokens' serializer leaves zlib out only where it could not have come out shorter.
    secret = get_settings().SECRET_KEY
    ours, theirs = scans._token_serializer(), URLSafeTimedSerializer(secret, salt="code-scan-report-v1")
    for scan_id in (1, 42, 1_111_111_111, 9_999_999_999, 11_111_111_111_111, 2**40):
        assert ours.dump_payload(scan_id) == theirs.dump_payload(scan_id)
        assert theirs.loads(ours.dumps(scan_id)) == scan_id


def test_one_report_per_scan(app):
    code = codes_of(make_batch(1))[0]
    client = scan_client(app)
    token = _look_up(client, code)["report_token"]
    client.post(f"/api/mp/codes/{code}/report", json={"report_token": token, "price": "10"})
    again = client.post(f"/api/mp/codes/{code}/report", json={"report_token": token, "price": "10"})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_reported"


def test_the_page_form_reports_price_and_place(app):
    code = codes_of(make_batch(1))[0]
    client = scan_client(app)
    token = _look_up(client, code)["report_token"]
    page = client.post(f"/v/{code}/report", data={"token": token, "price": "99.5", "place": "朋友圈"})
    assert "感谢您的反馈" in page.get_data(as_text=True)
    assert (ConsumerReport.get().price_fen, ConsumerReport.get().place) == (9950, "朋友圈")


def test_many_scans_flag_the_code_for_review_without_calling_it_fake(app):
    code = shipped(make_batch(1), make_agent())[0]
    with overridden_settings(CLONE_FLAG_SCANS=3):
        bodies = [_look_up(scan_client(app), code) for _ in range(4)]
    flag = CodeFlag.get()
    assert flag.reason == "many_scans" and flag.status == "open"
    assert all(body["genuine"] for body in bodies)
    assert len(notify.queued("code_flagged")) == 1


def test_scans_from_distant_provinces_in_a_short_time_flag_the_code(app):
    code = shipped(make_batch(1), make_agent())[0]
    _look_up(scan_client(app), code, province="黑龙江省")
    _look_up(scan_client(app), code, province="广东省")
    flag = CodeFlag.get()
    assert flag.reason == "distant_scans" and json.loads(flag.evidence)["distance_km"] > 2000
    assert json.loads(flag.evidence)["place_sources"] == ["consumer", "consumer"]


def test_scans_from_neighbouring_provinces_are_no_flag(app):
    code = shipped(make_batch(1), make_agent())[0]
    _look_up(scan_client(app), code, province="广东省")
    _look_up(scan_client(app), code, province="广西")
    assert CodeFlag.select().count() == 0


def test_distant_scans_far_apart_in_time_are_no_flag(app):
    code = shipped(make_batch(1), make_agent())[0]
    _look_up(scan_client(app), code, province="黑龙江省")
    CodeScan.update(at=utcnow() - timedelta(days=3)).execute()
    _look_up(scan_client(app), code, province="广东省")
    assert CodeFlag.select().count() == 0


def test_a_burst_of_unknown_codes_is_logged_as_enumeration(app, caplog):
    client = scan_client(app)
    with overridden_settings(ENUMERATION_MISSES=5):
        for text in codec.new_codes(5):
            _look_up(client, text)
    assert "enumeration attempt" in caplog.text
    assert len(notify.queued("code_enumeration")) == 1


def test_look_ups_beyond_the_limit_answer_429_as_json(app):
    client = scan_client(app)
    code = codes_of(make_batch(1))[0]
    with overridden_settings(SCAN_RATE_LIMIT="3/minute"):
        statuses = [client.get(f"/api/mp/codes/{code}").status_code for _ in range(4)]
        refused = client.get(f"/api/mp/codes/{code}")
    assert statuses == [200, 200, 200, 429]
    assert refused.get_json()["error"]["code"] == "rate_limited"


def test_look_ups_beyond_the_limit_answer_a_chinese_page(app):
    client = scan_client(app)
    code = codes_of(make_batch(1))[0]
    with overridden_settings(SCAN_RATE_LIMIT="2/minute"):
        pages = [client.get(f"/v/{code}") for _ in range(3)]
    assert [page.status_code for page in pages] == [200, 200, 429]
    assert "查询过于频繁" in pages[-1].get_data(as_text=True)


def test_a_look_up_tells_its_limit_what_remains_and_when_it_resets(app):
    client = scan_client(app)
    code = codes_of(make_batch(1))[0]
    with overridden_settings(SCAN_RATE_LIMIT="3/minute"):
        pages = [client.get(f"/v/{code}") for _ in range(4)]
    assert [page.headers["X-RateLimit-Limit"] for page in pages] == ["3"] * 4
    assert [page.headers["X-RateLimit-Remaining"] for page in pages] == ["2", "1", "0", "0"]
    resets = {int(page.headers["X-RateLimit-Reset"]) - int(time.time()) for page in pages}
    assert all(0 < seconds <= 61 for seconds in resets)
    assert 0 < int(pages[-1].headers["Retry-After"]) <= 61


def test_look_ups_are_limited_per_openid_across_addresses(app, fake_wechat):
    code = codes_of(make_batch(1))[0]
    headers, _ = wechat_login(scan_client(app), fake_wechat)
    with overridden_settings(SCAN_OPENID_RATE_LIMIT="2/minute"):
        statuses = [scan_client(app).get(f"/api/mp/codes/{code}", headers=headers).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_look_ups_on_the_page_and_through_the_api_count_against_one_limit_per_address(app):
    client = scan_client(app)
    code = codes_of(make_batch(1))[0]
    with overridden_settings(SCAN_RATE_LIMIT="2/minute"):
        statuses = [client.get(f"/v/{code}").status_code, client.get(f"/api/mp/codes/{code}").status_code,
                    client.get(f"/v/{code}").status_code]
    assert statuses == [200, 200, 429]


def test_a_changed_look_up_limit_holds_from_the_next_look_up(app):
    client = scan_client(app)
    code = codes_of(make_batch(1))[0]
    with overridden_settings(SCAN_RATE_LIMIT="1/minute"):
        limited = [client.get(f"/v/{code}").status_code for _ in range(2)]
    with overridden_settings(SCAN_RATE_LIMIT="5/minute"):
        raised = client.get(f"/v/{code}")
    assert limited == [200, 429]
    assert (raised.status_code, raised.headers["X-RateLimit-Limit"]) == (200, "5")


def test_a_code_scanned_before_it_was_shipped_says_it_never_left_the_warehouse(app):
    code = codes_of(make_batch(1))[0]
    body = _look_up(scan_client(app), code)
    page = scan_client(app).get(f"/v/{code}").get_data(as_text=True)
    assert body["unshipped"] and body["message"] == "该防伪码尚未从品牌仓库发出，请谨慎核实商品来源"
    assert "尚未出库" in page and "正品验证通过" not in page


def test_scans_before_shipment_flag_the_code_and_alert_the_owners_once(app):
    code = codes_of(make_batch(1))[0]
    for _ in range(2):
        _look_up(scan_client(app), code)
    assert [flag.reason for flag in CodeFlag.select()] == ["unshipped_scan"]
    assert [n.recipient for n in notify.queued("code_flagged")] == ["owners"]


def test_a_shipped_code_is_no_unshipped_scan(app):
    body = _look_up(scan_client(app), shipped(make_batch(1), make_agent())[0])
    assert not body["unshipped"] and CodeFlag.select().count() == 0


def test_a_renamed_product_shows_its_new_name_on_the_next_scan(app):
    batch = make_batch(2)
    _look_up(scan_client(app), codes_of(batch)[0])
    catalog.update_product(batch.product_id, name="新包装面霜", spec="50ml")
    body = _look_up(scan_client(app), codes_of(batch)[1])
    assert (body["product_name"], body["product_spec"]) == ("新包装面霜", "50ml")


def test_a_new_cover_photo_shows_on_the_next_scan(app):
    batch = make_batch(2)
    assert _look_up(scan_client(app), codes_of(batch)[0])["product_image"] == ""
    catalog.add_product_image(product_id=batch.product_id, content=_png())
    assert _look_up(scan_client(app), codes_of(batch)[1])["product_image"].endswith(".jpg")


def _png():
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()
