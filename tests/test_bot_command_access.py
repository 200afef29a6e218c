"""Who may ask each command that reaches another domain: owners and staff, agents, and unbound followers."""
import pytest

from tests.factories import bound_admin, bound_agent, chat, unique

BRAND_ONLY = ("今日", "库存", "预警", "审核", "通过 S1", "驳回 S1 资料不全")
REFUSED = "不在您可用的指令中"
NOT_BOUND = "还没有绑定"


def sender(role):
    if role == "agent":
        return bound_agent()[1]
    if role == "unbound":
        return unique("openid-")
    return bound_admin(role)[1]


@pytest.mark.parametrize("role", ["owner", "staff"])
@pytest.mark.parametrize("text", BRAND_ONLY + ("订单", "防伪码"))
def test_owners_and_staff_may_ask_every_command(client, role, text):
    reply = chat(client, sender(role), text)
    assert REFUSED not in reply and NOT_BOUND not in reply


@pytest.mark.parametrize("text", BRAND_ONLY)
def test_an_agent_asking_a_brand_command_learns_nothing(client, text):
    reply = chat(client, sender("agent"), text)
    assert reply.startswith(f"「{text.split()[0]}」{REFUSED}")
    assert "今日（" not in reply and "待审核：" not in reply and "预警：" not in reply


@pytest.mark.parametrize("text", ("订单", "防伪码"))
def test_an_agent_may_ask_its_orders_and_codes(client, text):
    reply = chat(client, sender("agent"), text)
    assert REFUSED not in reply and NOT_BOUND not in reply


@pytest.mark.parametrize("text", BRAND_ONLY + ("订单",))
def test_an_unbound_follower_is_told_to_bind(client, text):
    assert NOT_BOUND in chat(client, sender("unbound"), text)


def test_an_unbound_follower_may_check_a_code(client):
    assert "防伪码" in chat(client, sender("unbound"), "防伪码")


def test_the_brand_menu_lists_the_brand_commands(client):
    reply = chat(client, sender("staff"), "帮助")
    for word in ("今日", "库存", "订单", "预警", "审核", "通过", "驳回", "防伪码"):
        assert word in reply
    assert "我的" not in reply


def test_the_agent_menu_lists_only_what_an_agent_may_use(client):
    reply = chat(client, sender("agent"), "帮助")
    assert "订单" in reply and "我的" in reply and "防伪码" in reply
    for word in ("今日", "库存", "预警", "审核", "通过", "驳回"):
        assert word not in reply


def test_a_finance_user_gets_no_brand_figures(client):
    assert REFUSED in chat(client, sender("finance"), "今日")
