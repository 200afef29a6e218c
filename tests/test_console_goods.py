"""Console pages for the goods-payment balance: the top-up queue, an agent's goods entries, the agent's page."""
import pytest

from app.finance import service as finance
from app.finance.models import GoodsTopUp
from app.orders.service import order_no
from tests.factories import console_login, console_post, goods_of, make_admin, make_agent, orderable, place, with_goods

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def signed_in(client, role):
    console_login(client, make_admin(role))
    return client


def transfer_top_up(amount_fen=50000):
    agent = make_agent()
    return finance.submit_transfer_top_up(agent_id=agent.id, amount_fen=amount_fen, proof_content=PNG,
                                          reference="工行尾号1234")


@pytest.mark.parametrize("path", ["/admin/finance/goods/top-ups", "/admin/finance/agents/1/goods"])
def test_warehouse_staff_may_not_open_goods_pages(client, path):
    assert signed_in(client, "warehouse").get(path).status_code == 403


def test_the_queue_lists_a_pending_transfer_with_its_proof_and_actions(client):
    top_up = transfer_top_up()
    page = signed_in(client, "finance").get("/admin/finance/goods/top-ups?status=pending").get_data(as_text=True)
    assert "500.00" in page and "待确认" in page and "确认到账" in page and "工行尾号1234" in page
    assert f"/admin/finance/goods/top-ups/{top_up.id}/proof" in page


def test_finance_opens_the_proof_image(client):
    top_up = transfer_top_up()
    image = signed_in(client, "finance").get(f"/admin/finance/goods/top-ups/{top_up.id}/proof")
    assert image.status_code == 200 and image.data == PNG


def test_finance_confirms_a_transfer_and_the_agent_is_credited(client):
    top_up = transfer_top_up()
    response = console_post(signed_in(client, "finance"), f"/admin/finance/goods/top-ups/{top_up.id}/confirm")
    assert response.status_code == 302
    assert finance.goods_balance(agent_id=top_up.agent_id).balance_fen == 50000


def test_rejecting_without_a_reason_is_marked_next_to_its_field(client):
    top_up = transfer_top_up()
    response = console_post(signed_in(client, "finance"), f"/admin/finance/goods/top-ups/{top_up.id}/reject")
    assert response.status_code == 422 and '<em class="error">' in response.get_data(as_text=True)
    assert GoodsTopUp.get_by_id(top_up.id).status == "pending"


def test_confirming_twice_is_refused_on_the_page(client):
    top_up = transfer_top_up()
    signed_in(client, "finance")
    console_post(client, f"/admin/finance/goods/top-ups/{top_up.id}/confirm")
    response = console_post(client, f"/admin/finance/goods/top-ups/{top_up.id}/confirm")
    assert response.status_code == 409 and "已到账" in response.get_data(as_text=True)
    assert finance.goods_balance(agent_id=top_up.agent_id).balance_fen == 50000


def test_the_agents_goods_page_shows_its_balance_and_entries(client):
    agent = with_goods(50000)
    product, _ = orderable(120)
    order = place(agent, (product, 1))
    finance.debit_goods(agent_id=agent.id, amount_fen=12000, reason="order", reference=f"order:{order.id}")
    page = signed_in(client, "finance").get(f"/admin/finance/agents/{agent.id}/goods").get_data(as_text=True)
    assert "380.00" in page and "订单付款" in page
    assert f'<a href="/admin/orders/{order.id}">{order_no(order)}</a>' in page and f"order:{order.id}" not in page


def test_the_agent_page_shows_the_goods_balance_to_finance(client):
    agent = with_goods(50000)
    page = signed_in(client, "finance").get(f"/admin/agents/{agent.id}").get_data(as_text=True)
    assert "货款余额" in page and "500.00" in page


def test_a_goods_withdrawal_says_its_source_in_the_queue(client):
    agent = with_goods(50000)
    finance.request_withdrawal(agent_id=agent.id, amount_fen=20000, source="goods")
    page = signed_in(client, "finance").get("/admin/finance/withdrawals").get_data(as_text=True)
    assert "货款" in page and f"/admin/finance/agents/{agent.id}/goods" in page
    assert goods_of(agent) == (30000, 20000)


def test_the_agent_page_keeps_the_goods_balance_from_warehouse_staff(client):
    agent = with_goods(50000)
    page = signed_in(client, "warehouse").get(f"/admin/agents/{agent.id}").get_data(as_text=True)
    assert "货款余额" not in page


def test_the_dashboard_counts_transfer_top_ups_waiting_for_finance(client):
    transfer_top_up()
    page = signed_in(client, "finance").get("/admin/").get_data(as_text=True)
    assert "待确认货款充值" in page and "/admin/finance/goods/top-ups?status=pending&amp;method=transfer" in page
