"""Codes packed for a 提货 pickup (cloud stock) name the pickup, carry its agent and region, and scan as shipped."""
import pytest

from app import migrate
from app.codes.models import Code, Violation
from app.database import db
from app.errors import Conflict, InvalidInput
from app.codes import service as codes
from tests.factories import codes_of, make_agent, make_batch, overridden_settings, picked_up, scan_client

SICHUAN = "61.139.2.69"  # 成都, in the 纯真 database


def test_codes_packed_for_a_pickup_name_the_pickup_and_its_agent_not_an_order(app):
    agent = make_agent(province="浙江省", city="杭州市")
    taken, texts = picked_up(agent, 2)
    rows = Code.select().where(Code.code.in_(texts))
    assert {(row.pickup_id, row.order_id, row.agent_id, row.province) for row in rows} == {
        (taken.id, None, agent.id, "浙江省")}


def test_no_code_stores_a_negative_order_id(app):
    picked_up(make_agent(), 3)
    assert Code.select().where(Code.order_id < 0).count() == 0


def test_codes_of_a_pickup_to_a_customer_carry_the_agent_and_the_customers_province(app):
    agent = make_agent(province="浙江省", city="杭州市")
    _, texts = picked_up(agent, 1, consignee={"name": "李四", "phone": "13700000000", "province": "四川省",
                                              "city": "成都市", "address": "春熙路1号"})
    assert (Code.get(Code.code == texts[0]).agent_id, Code.get(Code.code == texts[0]).province) == (
        agent.id, "四川省")


def test_a_code_shipped_by_a_pickup_scans_as_shipped_and_links_to_its_agent(app):
    from app.authorization import service as authorization
    agent = make_agent()
    code = picked_up(agent, 1)[1][0]
    with overridden_settings(SCAN_SHOWS_AUTHORIZATION=True):
        body = scan_client(app).get(f"/api/mp/codes/{code}").get_json()
        html = scan_client(app).get(f"/v/{code}").get_data(as_text=True)
    number = authorization.certificate_for_agent(agent_id=agent.id).certificate.number
    assert body["verdict"] == "genuine" and not body["unshipped"]
    assert body["authorization_url"].endswith(f"/a/{number}") and f'href="/a/{number}"' in html


def test_a_scan_of_a_pickup_code_raises_no_unshipped_flag(app):
    from app.codes.models import CodeFlag
    code = picked_up(make_agent(), 1)[1][0]
    scan_client(app).get(f"/api/mp/codes/{code}")
    assert CodeFlag.select().where(CodeFlag.reason == "unshipped_scan").count() == 0


def test_a_pickup_code_scanned_outside_the_agents_province_is_a_cross_region_violation(behind_nginx, located_scans):
    agent = make_agent(province="广东省", city="深圳市")
    taken, texts = picked_up(agent, 1)
    behind_nginx.get(f"/api/mp/codes/{texts[0]}", headers={"X-Forwarded-For": SICHUAN})
    violation = Violation.get()
    assert (violation.agent_id, violation.kind, violation.province) == (agent.id, "cross_region", "四川省")
    assert '"pickup_id": %d' % taken.id in violation.evidence


def test_a_pickup_code_cannot_be_bound_to_an_order_as_well(app):
    agent = make_agent()
    _, texts = picked_up(agent, 1)
    product_id = Code.get(Code.code == texts[0]).batch.product_id
    with pytest.raises(Conflict) as refused:
        codes.bind_codes_for_shipment(order_id=1, agent_id=agent.id, province="", dropship=False,
                                      expected={product_id: 1}, codes=texts, actor="admin:1")
    assert refused.value.code == "code_already_bound" and refused.value.message == f"防伪码 {texts[0]} 已绑定其他提货单"


def test_a_code_bound_to_another_pickup_is_refused_naming_a_pickup(app):
    agent = make_agent()
    _, texts = picked_up(agent, 1)
    product_id = Code.get(Code.code == texts[0]).batch.product_id
    with pytest.raises(Conflict) as refused:
        codes.bind_codes_for_shipment(pickup_id=999, agent_id=agent.id, province="", dropship=False,
                                      expected={product_id: 1}, codes=texts, actor="admin:1")
    assert refused.value.message == f"防伪码 {texts[0]} 已绑定其他提货单"


def test_a_code_bound_to_an_order_is_refused_for_a_pickup_naming_an_order(app):
    batch, agent = make_batch(1), make_agent()
    texts = codes_of(batch)
    codes.bind_codes_for_shipment(order_id=1, agent_id=agent.id, province="", dropship=False,
                                  expected={batch.product_id: 1}, codes=texts, actor="admin:1")
    with pytest.raises(Conflict) as refused:
        codes.bind_codes_for_shipment(pickup_id=1, agent_id=agent.id, province="", dropship=False,
                                      expected={batch.product_id: 1}, codes=texts, actor="admin:1")
    assert refused.value.message == f"防伪码 {texts[0]} 已绑定其他订单"


def test_a_code_of_another_product_packed_for_a_pickup_is_not_in_this_pickup(app):
    batch, other = make_batch(1), make_batch(1)
    with pytest.raises(InvalidInput) as refused:
        codes.bind_codes_for_shipment(pickup_id=1, agent_id=make_agent().id, province="", dropship=False,
                                      expected={batch.product_id: 1}, codes=codes_of(other), actor="admin:1")
    assert refused.value.message.endswith("，不在本提货单中") and refused.value.code == "code_wrong_product"


def test_the_migration_moves_codes_bound_with_a_negative_order_id_to_their_pickup(app):
    agent = make_agent()
    taken, texts = picked_up(agent, 2)
    Code.update(order_id=-taken.id, pickup_id=None).where(Code.code.in_(texts)).execute()  # as bound before
    migration = next(m for m in migrate.runner().migrations() if m.name == "0250_code_pickup")
    migration.load().move_pickup_codes(db.obj)
    assert {(row.order_id, row.pickup_id) for row in Code.select().where(Code.code.in_(texts))} == {
        (None, taken.id)}
