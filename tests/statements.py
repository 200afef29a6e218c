"""SQL statements per use case (issue 15's budgets): a count is deterministic where a time is not.

Each use case runs once to warm what is cached per process (settings, levels, rules), then is counted on a
second, identical run. Transaction control (BEGIN, COMMIT, SAVEPOINT …) is not counted: it differs between
the databases while the work does not.
"""
import contextlib
import re

from app import reference
from app.database import db
from app.orders import refunds, service as order_service
from tests.factories import (ADDRESS, advanced, agent_headers, in_cloud, make_agent, make_batch, make_level, orderable,
                             place, scan_client, settings_changed, shipped, with_goods)
from tests.factories import unique

TRANSACTION_CONTROL = re.compile(r"\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|START TRANSACTION)\b", re.I)

# Today's counts, held by tests/test_statement_budgets.py so they can only fall; issue 15's targets beside them.
# Before the money paths became one unit of work each: confirm_payment 20, refund_order 34, cancel_order 22,
# ship_order 13 (two-line orders, as below). Before reference data was kept across processes (app/reference.py)
# and the sign-in became one statement: place_order 10, agent_order_list 4, cloud_transfer 13.
# A WeChat Pay notification was 17 before it read the reference versions with its payment, and, on MySQL, wrote the
# order, its lines' paid_at and its payment in one UPDATE (confirm_payment 15: the order and its lines).
# A code's first scan was 4, as every scan, before it skipped looking for scans before it (it has none).
BUDGETS = {"place_order": 6, "confirm_payment": 14, "refund_order": 22, "cancel_order": 18, "ship_order": 11,
           "first_scan_of_a_code": 3, "scan_known_code": 4, "agent_order_list": 3, "cloud_transfer": 11,
           "wechat_pay_notification": 14}
# SQLite has no multi-table UPDATE: there the payment writes the order, its lines and its WeChat payment each in an
# UPDATE of its own (MySQL's counts above are the production ones).
SQLITE_EXTRA = {"confirm_payment": 1, "wechat_pay_notification": 2}
TARGETS = {"place_order": 10, "confirm_payment": 15, "refund_order": 22, "cancel_order": 18, "ship_order": 11,
           "scan_known_code": 6, "agent_order_list": 4}


def budget(use_case):
    """The use case's budget on the bound database."""
    from app.database import is_mysql

    return BUDGETS[use_case] + (0 if is_mysql() else SQLITE_EXTRA.get(use_case, 0))


class Statements(list):
    """The statements seen inside `counted()`."""


@contextlib.contextmanager
def counted():
    """Collect the SQL statements issued inside the block (transaction control left out)."""
    seen = Statements()

    def hook(event):
        if not TRANSACTION_CONTROL.match(event.sql):
            seen.append(event.sql)

    hooks = db.obj.query_hooks
    hooks.append(hook)
    try:
        yield seen
    finally:
        hooks.remove(hook)


def _second_run(work):
    """Each run as one request: under one reading of the reference versions (app/reference.py)."""
    with reference.scope():
        work()
    with reference.scope(), counted() as seen:
        work()
    return seen


def per_use_case(app, fake_wechat, fake_pay):
    """{use case: the statements of its second run} on a small world built here (`fake_pay`: the fake APIv3
    server, `.merchant_settings` the app's settings as its merchant)."""
    client = app.test_client()
    headers, agent = agent_headers(client, fake_wechat, level=make_level())
    # Both products in one warehouse: the payment reserves them there (the usual path, not the stock-short one).
    first, warehouse = orderable(100)
    second, _ = orderable(80, warehouse=warehouse)
    batch = make_batch(3, product=first)
    code, *unscanned = shipped(batch, agent)
    never_scanned = iter(unscanned)

    def place_order():
        return place(agent, (first, 1), (second, 1), consignee=ADDRESS, key=unique("bench-"))

    orders = [place_order(), place_order()]
    payable = iter(orders)
    def confirm_payment():
        order = next(payable)
        order_service.confirm_payment(order.id, actor="admin:1", method="offline", amount_fen=order.total_fen)

    def one_after_another(action, orders):
        waiting = iter(orders)
        return lambda: action(next(waiting).id)

    # The money paths after payment, each on orders taken there beforehand (not counted).
    refundable = [advanced(place_order(), "pay") for _ in range(2)]
    cancellable = [advanced(place_order(), "pay") for _ in range(2)]
    picked = [advanced(place_order(), "pay", "pick") for _ in range(2)]
    paid_through_wechat = [place_order() for _ in range(2)]
    refund_order = one_after_another(
        lambda order_id: refunds.refund(order_id, actor="admin:1", reason="质量问题"), refundable)
    cancel_order = one_after_another(
        lambda order_id: order_service.cancel(order_id, actor="admin:1", reason="客户取消"), cancellable)
    ship_order = one_after_another(
        lambda order_id: order_service.ship(order_id, actor="admin:1", carrier="顺丰", tracking_no=unique("SF")),
        picked)

    counts = {
        "place_order": _second_run(place_order),
        "confirm_payment": _second_run(confirm_payment),
        "refund_order": _second_run(refund_order),
        "cancel_order": _second_run(cancel_order),
        "ship_order": _second_run(ship_order),
        # From a new address each time: a refresh by the same visitor is not a new scan. A code's first scan (the
        # usual one) looks for no scan before it; scan_known_code counts a code's second.
        "first_scan_of_a_code": _second_run(lambda: _ok(scan_client(app).get(f"/v/{next(never_scanned)}"))),
        "scan_known_code": _second_run(lambda: _ok(scan_client(app).get(f"/v/{code}"))),
        "agent_order_list": _second_run(lambda: _ok(client.get("/api/mp/orders", headers=headers))),
        "cloud_transfer": _second_run(_cloud_transfer()),
    }
    with settings_changed(**fake_pay.merchant_settings):
        counts["wechat_pay_notification"] = _second_run(
            _wechat_pay_notification(app, fake_pay, headers, paid_through_wechat))
    return counts


def _cloud_transfer():
    """A downline buying one unit from its upline's cloud stock (转货)."""
    from app.catalog import service as catalog
    from app.cloud import service as cloud

    top = make_level()
    low = make_level()
    upline = make_agent(level=top)
    downline = with_goods(1_000_000, agent=make_agent(level=low, upline=upline))
    product, _ = orderable(100)
    for level, fen in ((top, 6000), (low, 9000)):
        catalog.set_level_price(product_id=product.id, level_id=level.id, price_fen=fen)
    in_cloud(upline, product, 10)
    return lambda: cloud.transfer_from_upline(downline=downline, product_id=product.id, quantity=1,
                                              idempotency_key=unique("transfer-"))


def _wechat_pay_notification(app, fake_pay, headers, orders):
    """WeChat Pay's TRANSACTION.SUCCESS for the next of `orders`, whose payments the agent started here (not
    counted), handled at the v3 notify URL: verified, decrypted, the payment found, the order confirmed."""
    from app.orders.wechat_payments import NOTIFY_PATH

    client = app.test_client()
    signed = []
    for order in orders:
        _ok(client.post(f"/api/mp/orders/{order.id}/wechat-payment", headers=headers))
        fake_pay.pay(order_service.order_no(order), notify=False)
        signed.append(fake_pay.payment_notification(order_service.order_no(order)))
    waiting = iter(signed)

    def notified():
        notification_headers, body = next(waiting)
        answer = client.post(NOTIFY_PATH, data=body, headers=notification_headers)
        assert answer.status_code == 204, answer.get_data(as_text=True)[:300]
    return notified


def _ok(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response
