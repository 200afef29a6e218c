"""The owner's agent tasks on console pages: add an agent (then its bind code and bind QR), move it under another
upline, renew its term, and the commission lines of an agent or an order."""
from datetime import timedelta

from app.agents import service as agents
from app.agents.invites import INVITE_PAGE
from app.agents.models import Agent
from app.clock import local_today
from app.orders import service as orders
from tests.factories import (console_as, console_post, make_agent, make_chain, make_level, make_rules, paid, place,
                             priced_product, stocked, unique)
from tests.test_mp_agents import png_text


def added(client, **form):
    level = make_level()
    return console_post(client, "/admin/agents/new", {"name": "周总代", "phone": "13912345678",
                                                      "level_id": str(level.id), **form})


def test_staff_add_an_agent_and_its_page_shows_the_bind_code(client):
    console_as(client, "staff")
    response = added(client, province="广东省", city="广州市")
    assert response.status_code == 302
    agent = Agent.get(Agent.phone == "13912345678")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "已添加代理 周总代" in page and agent.bind_code in page


def test_an_added_agent_goes_under_the_upline_named_by_phone(client):
    upline = make_agent(phone="13700000001")
    console_as(client, "staff")
    added(client, upline="137 0000 0001")
    assert Agent.get(Agent.phone == "13912345678").upline_id == upline.id


def test_an_upline_name_two_agents_share_asks_for_the_phone_and_adds_nobody(client):
    make_agent(name="张伟"), make_agent(name="张伟")
    console_as(client, "staff")
    response = added(client, upline="张伟")
    assert response.status_code == 422
    assert "有多位代理叫「张伟」，请填写手机号" in response.get_data(as_text=True)
    assert not Agent.select().where(Agent.phone == "13912345678").exists()


def test_a_bad_phone_is_marked_on_the_form_and_adds_nobody(client):
    console_as(client, "staff")
    response = added(client, phone="12345")
    assert response.status_code == 422
    assert "手机号格式不正确" in response.get_data(as_text=True)
    assert not Agent.select().where(Agent.name == "周总代").exists()


def test_the_bind_qr_opens_the_join_page_with_the_bind_code(client):
    console_as(client, "staff")
    agent = Agent.get_by_id(agents.create_agent(actor_id=None, name="吴代理", phone="13811112222",
                                                level_id=make_level().id).id)
    response = client.get(f"/admin/agents/{agent.id}/bind-code.png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert png_text(response.data) == {"scene": "b=" + agent.bind_code, "page": INVITE_PAGE}


def test_an_agent_linked_to_wechat_has_no_bind_qr(client):
    console_as(client, "staff")
    response = client.get(f"/admin/agents/{make_agent().id}/bind-code.png")
    assert response.status_code == 409 and "已绑定微信" in response.get_data(as_text=True)


def test_moving_an_agent_under_its_own_downline_is_refused_in_chinese(client):
    top, _, bottom = make_chain(3)
    console_as(client, "staff")
    response = console_post(client, f"/admin/agents/{top.id}/upline", {"upline": bottom.phone, "reason": "调整"})
    assert response.status_code == 409
    assert "不能把代理挂到自己或自己的下级之下" in response.get_data(as_text=True)
    assert Agent.get_by_id(top.id).upline_id is None


def test_a_blank_upline_moves_the_agent_to_the_top(client):
    _, child = make_chain(2)
    console_as(client, "staff")
    response = console_post(client, f"/admin/agents/{child.id}/upline", {"reason": "独立"})
    assert response.status_code == 302
    assert Agent.get_by_id(child.id).upline_id is None


def test_renewing_an_expired_agent_extends_its_term_and_makes_it_active(client):
    agent = make_agent(status="expired", term_end=local_today() - timedelta(days=1))
    console_as(client, "staff")
    until = local_today() + timedelta(days=365)
    response = console_post(client, f"/admin/agents/{agent.id}/renew", {"term_end": until.isoformat(),
                                                                         "reason": "续约一年"})
    assert response.status_code == 302
    renewed = Agent.get_by_id(agent.id)
    assert (renewed.term_end, renewed.status) == (until, "active")


def _order_earning_commission():
    upper, lower = make_level(), make_level()
    product = priced_product({upper: 8000, lower: 10000})
    stocked(10, product=product)
    make_rules(level_difference={})
    upline = make_agent(level=upper, name=unique("上级"))
    order = paid(place(make_agent(level=lower, upline=upline), (product, 1)))
    return upline, order


def test_finance_find_an_agents_commission_lines_by_phone(client):
    upline, order = _order_earning_commission()
    console_as(client, "finance")
    page = client.get("/admin/finance/commissions", query_string={"agent": upline.phone}).get_data(as_text=True)
    assert upline.name in page and orders.order_no(order) in page and "级差" in page


def test_an_order_number_that_names_no_order_is_marked_on_the_filter(client):
    console_as(client, "finance")
    page = client.get("/admin/finance/commissions", query_string={"order": "²"}).get_data(as_text=True)
    assert "没有这个订单号" in page


def test_the_warehouse_cannot_open_the_commission_lines(client):
    console_as(client, "warehouse")
    assert client.get("/admin/finance/commissions").status_code == 403
