"""The daily reconciliation: WeChat Pay's trade bill against our WeChat payments and refunds."""
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from app import wechat_pay
from app.finance import service as finance
from app.finance.jobs import reconcile_trade_bill
from app.notify.service import queued
from app.orders import payments
from app.orders import service as orders
from tests.factories import (admin_headers, agent_headers, console_login, make_admin, make_agent, orderable,
                             place)
from tests.fake_wechat_pay_v3 import TRADE_BILL_HEADER, trade_bill_csv

KIND = "pay_reconciliation_discrepancies"


def today():
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


@pytest.fixture
def pay(client, wechat_pay_v3):
    """Orders paid, and refunds made, through WeChat Pay APIv3 against the fake, as the agents and finance do."""
    finance_headers = admin_headers(client, make_admin("finance"))

    class Pay:
        fake = wechat_pay_v3

        @staticmethod
        def order(total_yuan=100):
            """A WeChat-paid order of ¥total_yuan: (its number, the order)."""
            agent = make_agent()
            product, _ = orderable(price_yuan=total_yuan)
            order = place(agent, (product, 1))
            payments.start_wechat_payment(order.id, agent=agent, openid="o-payer", client_ip="127.0.0.1")
            number = orders.order_no(order)
            wechat_pay_v3.pay(number, notify=False)
            headers, body = wechat_pay_v3.payment_notification(number)
            assert client.post("/api/pay/wechat/v3/notify", data=body, headers=headers).status_code == 204
            return number, orders.get_order(order.id)

        @staticmethod
        def refund(order):
            """The order refunded whole through WeChat Pay, WeChat saying SUCCESS: its out_refund_no."""
            response = client.post(f"/admin/api/orders/{order.id}/refund", headers=finance_headers,
                                   json={"reason": "客户退货"})
            number = response.get_json()["out_refund_no"]
            wechat_pay_v3.settle_refund(number, notify=False)
            headers, body = wechat_pay_v3.refund_notification(number)
            assert client.post("/api/pay/wechat/v3/refund-notify", data=body, headers=headers).status_code == 204
            return number
    return Pay


def discrepancies(day):
    return {(d.what, d.number, d.kind, d.bill_fen, d.our_fen)
            for d in finance.list_discrepancies(bill_date=day, per_page=200)[0]}


# The bill's format

def test_a_bill_is_read_by_its_column_names_with_backtick_fields_and_its_summary():
    bill = finance.parse_trade_bill(trade_bill_csv(payments=[("261202000001", 10000), ("261202000002", 1)],
                                                   refunds=[("261202000001", "261202000001R7", 2550)]))
    assert bill.payments == {"261202000001": 10000, "261202000002": 1}
    assert bill.refunds == {"261202000001R7": 2550}
    assert bill.refunded_orders == {"261202000001R7": "261202000001"}
    assert (bill.rows, bill.summary["总交易单数"]) == (3, "3")


def test_a_bill_in_utf8_bytes_with_a_bom_reads_the_same():
    text = trade_bill_csv(payments=[("261202000001", 10000)])
    assert finance.parse_trade_bill(("\ufeff" + text).encode()).payments == {"261202000001": 10000}


def test_a_comma_inside_a_field_does_not_shift_the_columns():
    bill = finance.parse_trade_bill(trade_bill_csv(payments=[("261202000001", 12345)], product="面霜,精华,洁面"))
    assert bill.payments == {"261202000001": 12345}


def test_an_unpaid_line_and_a_refund_not_yet_successful_count_for_nothing():
    text = trade_bill_csv(payments=[("261202000001", 100)], refunds=[("261202000001", "R1", 100)])
    text = text.replace("`SUCCESS,`OTHERS", "`NOTPAY,`OTHERS").replace("`ORIGINAL,`SUCCESS", "`ORIGINAL,`PROCESSING")
    bill = finance.parse_trade_bill(text)
    assert (bill.payments, bill.refunds, bill.rows) == ({}, {}, 2)


@pytest.mark.parametrize("text", ["", "not,a,bill\n1,2,3\n", TRADE_BILL_HEADER + "\n`2026-12-02 10:00:00,`wx\n",
                                  trade_bill_csv(payments=[("261202000001", 100)]).replace("`1.00,", "`1.0x,"),
                                  b"\xff\xfe\x00garbage"])
def test_what_is_not_a_trade_bill_is_refused_as_bad(text):
    with pytest.raises(finance.BadBill):
        finance.parse_trade_bill(text)


# The comparison

def test_a_bill_matching_our_payments_and_refunds_has_no_discrepancy(pay, wechat_pay_v3):
    number, order = pay.order(100)
    refund_no = pay.refund(order)
    wechat_pay_v3.put_trade_bill(today(), trade_bill_csv(payments=[(number, 10000)],
                                                         refunds=[(number, refund_no, 10000)]))
    run = reconcile_trade_bill(today())
    assert (run.bill_rows, run.payments, run.refunds, run.discrepancies) == (2, 1, 1, 0)
    assert not queued(KIND)


def test_a_payment_missing_on_either_side_or_differing_is_listed(pay, wechat_pay_v3):
    kept, _ = pay.order(100)
    unbilled, _ = pay.order(50)
    differing, _ = pay.order(80)
    wechat_pay_v3.put_trade_bill(today(), trade_bill_csv(payments=[(kept, 10000), (differing, 7999),
                                                                   ("261201999999", 300)]))
    run = reconcile_trade_bill(today())
    assert run.discrepancies == 3
    assert discrepancies(today()) == {("payment", unbilled, "missing_bill", None, 5000),
                                      ("payment", differing, "amount", 7999, 8000),
                                      ("payment", "261201999999", "missing_ours", 300, None)}


def test_a_refund_the_bill_lacks_or_we_lack_is_listed(pay, wechat_pay_v3):
    number, order = pay.order(100)
    refund_no = pay.refund(order)
    wechat_pay_v3.put_trade_bill(today(), trade_bill_csv(payments=[(number, 10000)],
                                                         refunds=[(number, "999999999999R1", 500)]))
    reconcile_trade_bill(today())
    assert discrepancies(today()) == {("refund", refund_no, "missing_bill", None, 10000),
                                      ("refund", "999999999999R1", "missing_ours", 500, None)}


def test_a_day_without_any_wechat_payment_lists_what_we_recorded(pay, wechat_pay_v3):
    number, _ = pay.order(100)
    run = reconcile_trade_bill(today())  # the fake has no bill: NO_STATEMENT_EXIST
    assert run.bill_rows == 0 and discrepancies(today()) == {("payment", number, "missing_bill", None, 10000)}


def test_a_goods_balance_top_up_paid_by_wechat_is_one_of_our_payments(client, fake_wechat, wechat_pay_v3):
    headers, _ = agent_headers(client, fake_wechat)
    top_up = client.post("/api/mp/finance/goods/top-ups/wechat", headers=headers,
                         json={"amount": "300.00"}).get_json()["top_up"]
    number = f"GT{top_up['id']:010d}"
    wechat_pay_v3.pay(number, notify=False)
    signed_headers, body = wechat_pay_v3.payment_notification(number)
    assert client.post("/api/pay/wechat/v3/goods-notify", data=body, headers=signed_headers).status_code == 204
    wechat_pay_v3.put_trade_bill(today(), trade_bill_csv(payments=[(number, 30000)]))
    assert reconcile_trade_bill(today()).discrepancies == 0
    wechat_pay_v3.put_trade_bill(today(), trade_bill_csv())
    reconcile_trade_bill(today())
    assert discrepancies(today()) == {("payment", number, "missing_bill", None, 30000)}


def test_offline_payments_are_not_in_the_reconciliation(wechat_pay_v3):
    agent = make_agent()
    product, _ = orderable()
    order = place(agent, (product, 1))
    orders.confirm_payment(order.id, actor="admin:1", method="offline", amount_fen=order.total_fen)
    assert reconcile_trade_bill(today()).discrepancies == 0


# Told once

def test_the_owners_are_told_of_the_discrepancies_once_however_often_the_day_is_run(pay, wechat_pay_v3):
    pay.order(50)
    reconcile_trade_bill(today())
    reconcile_trade_bill(today())
    [notice] = queued(KIND)
    assert (notice.recipient, '"new": 1' in notice.data, "系统有、账单无" in notice.data) == ("owners", True, True)


def test_a_new_discrepancy_on_a_later_run_is_told_alone(pay, wechat_pay_v3):
    first, _ = pay.order(50)
    reconcile_trade_bill(today())
    second, _ = pay.order(60)
    reconcile_trade_bill(today())
    latest, earlier = queued(KIND)
    assert second in latest.data and first not in latest.data and first in earlier.data


def test_a_discrepancy_the_bill_later_agrees_with_is_marked_resolved(pay, wechat_pay_v3):
    number, _ = pay.order(50)
    reconcile_trade_bill(today())
    wechat_pay_v3.put_trade_bill(today(), trade_bill_csv(payments=[(number, 5000)]))
    reconcile_trade_bill(today())
    [item] = finance.list_discrepancies(bill_date=today())[0]
    assert item.resolved_at is not None and finance.list_discrepancies(bill_date=today(), open_only=True)[1] == 0


# Faults

def test_a_bill_that_fails_its_hash_is_not_reconciled(wechat_pay_v3):
    wechat_pay_v3.put_trade_bill(today(), trade_bill_csv())
    wechat_pay_v3.state["trade_bill_hash"] = "0" * 40  # the fake's fault: a hash that is not the bill's
    with pytest.raises(wechat_pay.PayUnavailable):
        reconcile_trade_bill(today())
    assert finance.get_reconciliation(today()) is None


def test_wechat_pay_down_leaves_the_day_unreconciled_and_the_command_says_so(app, wechat_pay_v3):
    wechat_pay_v3.fail_next("/v3/bill/tradebill", 500)
    result = app.test_cli_runner().invoke(args=["pay", "reconcile", "--date", today().isoformat()])
    assert result.exit_code == 1 and "微信支付账单获取失败" in result.output
    assert finance.get_reconciliation(today()) is None


def test_the_command_reconciles_a_day_and_fails_on_discrepancies(app, pay, wechat_pay_v3):
    number, _ = pay.order(100)
    wechat_pay_v3.put_trade_bill(today(), trade_bill_csv(payments=[(number, 10000)]))
    clean = app.test_cli_runner().invoke(args=["pay", "reconcile", "--date", today().isoformat()])
    wechat_pay_v3.put_trade_bill(today(), trade_bill_csv())
    unclean = app.test_cli_runner().invoke(args=["pay", "reconcile", "--date", today().isoformat()])
    assert clean.exit_code == 0 and "0 discrepancies" in clean.output
    assert unclean.exit_code == 1 and f"支付 {number}：系统有、账单无" in unclean.output


def test_the_command_refuses_a_date_that_is_no_date(app, wechat_pay_v3):
    result = app.test_cli_runner().invoke(args=["pay", "reconcile", "--date", "2026-13-01"])
    assert result.exit_code != 0 and "日期格式" in result.output


def test_without_wechat_pay_v3_the_job_does_nothing(app):
    assert reconcile_trade_bill(today()) is None


# The console

def test_finance_lists_the_days_and_a_days_discrepancies(client, pay, wechat_pay_v3):
    number, _ = pay.order(100)
    reconcile_trade_bill(today())
    headers = admin_headers(client, make_admin("finance"))
    days = client.get("/admin/api/finance/reconciliations", headers=headers).get_json()
    found = client.get(f"/admin/api/finance/discrepancies?bill_date={today()}&open=true", headers=headers).get_json()
    assert days["items"][0]["discrepancies"] == 1
    assert found["items"][0]["number"] == number and found["items"][0]["our_amount"] == "100.00"
    assert found["items"][0]["bill_amount"] is None and "系统有、账单无" in found["items"][0]["description"]


def test_the_discrepancies_are_for_finance_only(client):
    headers = admin_headers(client, make_admin("warehouse"))
    assert client.get("/admin/api/finance/discrepancies", headers=headers).status_code == 403


def test_a_bad_date_filter_is_422(client):
    headers = admin_headers(client, make_admin("finance"))
    response = client.get("/admin/api/finance/discrepancies?bill_date=2026-02-30", headers=headers)
    assert response.status_code == 422 and "bill_date" in response.get_json()["error"]["fields"]


def test_the_console_page_shows_the_days_discrepancies(app, pay, wechat_pay_v3):
    number, _ = pay.order(100)
    reconcile_trade_bill(today())
    with app.test_client() as browser:
        console_login(browser, make_admin("finance"))
        page = browser.get("/admin/finance/reconciliation").get_data(as_text=True)
    assert "微信支付对账" in page and number in page and "系统有、账单无" in page
