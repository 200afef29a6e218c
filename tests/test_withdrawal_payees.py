"""A withdrawal names where the money goes; accounts are masked everywhere but for their owner and for paying."""
import pytest

from tests.factories import admin_headers, agent_headers, console_login, make_admin, with_available

BANK = {"kind": "bank", "name": "张三", "account": "6222 0212 3456 7890", "bank": "招商银行"}


@pytest.fixture
def agent(client, fake_wechat):
    headers, agent = agent_headers(client, fake_wechat, agent=with_available(50000))
    return headers


def withdraw(client, headers, payee=None, amount="200.00"):
    body = {"amount": amount, **({"payee": payee} if payee is not None else {})}
    return client.post("/api/mp/finance/withdrawals", headers=headers, json=body)


def test_a_bank_card_payee_is_recorded_and_shown_masked(client, agent):
    response = withdraw(client, agent, BANK)
    assert response.status_code == 201
    assert response.get_json()["payee"] == {"kind": "bank", "kind_name": "银行卡", "name": "张三",
                                            "account_masked": "**** 7890", "bank": "招商银行"}
    listed = client.get("/api/mp/finance/withdrawals", headers=agent).get_json()["items"][0]
    assert listed["payee"]["account_masked"] == "**** 7890" and "6222" not in str(listed)


def test_without_a_payee_the_money_goes_to_my_wechat_change(client, agent):
    payee = withdraw(client, agent).get_json()["payee"]
    assert (payee["kind"], payee["kind_name"], payee["account_masked"]) == ("wechat", "微信零钱", "")


def test_my_last_payee_prefills_the_next_withdrawal_unmasked(client, agent):
    assert client.get("/api/mp/finance/payees/last", headers=agent).status_code == 404
    withdraw(client, agent, {"kind": "alipay", "name": "张三", "account": "13912345678"})
    last = client.get("/api/mp/finance/payees/last", headers=agent).get_json()
    assert last == {"kind": "alipay", "kind_name": "支付宝", "name": "张三", "account": "13912345678", "bank": ""}


@pytest.mark.parametrize("payee, field", [
    ({"kind": "bank", "name": "张三", "account": "6222²0212345678", "bank": "招商银行"}, "payee.account"),
    ({"kind": "bank", "name": "张三", "account": "1234", "bank": "招商银行"}, "payee.account"),
    ({"kind": "bank", "name": "张三", "account": "6222021234567890"}, "payee.bank"),
    ({"kind": "bank", "account": "6222021234567890", "bank": "招商银行"}, "payee.name"),
    ({"kind": "alipay", "name": "张三", "account": "not an account"}, "payee.account"),
])
def test_a_payee_that_cannot_be_paid_is_422_naming_the_field(client, agent, payee, field):
    response = withdraw(client, agent, payee)
    assert response.status_code == 422 and field in response.get_json()["error"]["fields"]


def test_an_unknown_payee_kind_is_422(client, agent):
    assert withdraw(client, agent, {"kind": "paypal", "name": "x"}).status_code == 422


def test_finance_lists_the_payee_masked_and_sees_it_whole_when_paying(app, client, agent):
    withdrawal = withdraw(client, agent, BANK).get_json()
    finance = admin_headers(client, make_admin("finance"))
    queue = client.get("/admin/api/finance/withdrawals", headers=finance).get_json()
    assert queue["items"][0]["payee"]["account_masked"] == "**** 7890" and "6222" not in str(queue)
    with app.test_client() as browser:
        console_login(browser, make_admin("finance"))
        pending = browser.get("/admin/finance/withdrawals").get_data(as_text=True)
        client.post(f"/admin/api/finance/withdrawals/{withdrawal['id']}/approve", headers=finance)
        approved = browser.get("/admin/finance/withdrawals").get_data(as_text=True)
    assert "**** 7890" in pending and "6222021234567890" not in pending
    assert "6222021234567890" in approved and "招商银行" in approved
