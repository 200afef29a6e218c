"""The demo brand's money for `flask seed`: commission rules in force since the demo began, commission released
for completed orders, last month's team bonus, withdrawals in every state and three months of expenses."""
from datetime import timedelta

from app.clock import local_today, travel, utcnow
from app.errors import Conflict
from app.finance import service as finance

DEMO_RULES = {
    "level_difference": {"enabled": True},
    "same_level": {"enabled": True, "rates_bp": [300]},
    "referral": {"enabled": True, "kind": "fixed", "amount_fen": 5000, "scope": "first_order"},
    "team": {"enabled": True, "tiers": [{"from_fen": 5_000_000, "rate_bp": 100},
                                        {"from_fen": 20_000_000, "rate_bp": 300}]},
}
RULES_DAYS_AGO = 91
# (category, days ago, amount in fen, note)
DEMO_EXPENSES = (
    ("rent", 85, 450_000, "仓库租金（季度）"), ("salaries", 60, 900_000, "客服与仓库工资"),
    ("salaries", 30, 900_000, "客服与仓库工资"), ("marketing", 70, 300_000, "朋友圈广告投放"),
    ("marketing", 40, 500_000, "小红书达人推广"), ("marketing", 12, 200_000, "新品试用装"),
    ("shipping", 50, 186_000, "快递月结"), ("shipping", 20, 214_500, "快递月结"), ("other", 8, 45_000, "包装耗材"),
)
# (agent index, withdrawal amount in fen, what became of it)
DEMO_WITHDRAWALS = ((0, 30_000, "paid"), (1, 20_000, "approved"), (2, 15_000, "rejected"), (5, 12_000, "pending"),
                    (8, 10_000, "pending"))


def seed_commission_rules():
    """Put a first rule version in force from the demo's first day."""
    with travel(utcnow() - timedelta(days=RULES_DAYS_AGO)):
        version, _ = finance.create_version(rules=DEMO_RULES, effective_from=local_today(), note="演示规则")
    yield f"commission rules: version {version.id} (级差, 平级奖 3%, 推荐奖 ¥50 on the first order, 团队奖 1%/3%)"


# Goods-payment (货款) top-ups by transfer: (agent index, amount in fen, what became of it)
DEMO_TOP_UPS = ((0, 500_000, "confirmed"), (2, 200_000, "pending"), (6, 80_000, "rejected"))


def seed_demo_money(*, owner, network, proof):
    """Release what the return window let through, award last month's team bonus, and record withdrawals,
    goods-payment top-ups (with `proof`, a transfer screenshot) and expenses; yields what it did."""
    released = finance.release_available_commissions()
    try:
        bonuses = finance.award_team_bonus()
    except Conflict:
        bonuses = 0
    states = []
    for index, amount_fen, outcome in DEMO_WITHDRAWALS:
        agent_id = network[index].id
        if finance.balance(agent_id)["available"] < amount_fen:
            continue
        # To a bank card: the demo's agents never signed in to the mini-program, so WeChat change could not reach
        # them (a brand on WeChat Pay pays those out by 商家转账; these are marked paid by hand).
        payee = {"kind": "bank", "name": network[index].name, "account": f"62220202001122{index:02d}",
                 "bank": "中国工商银行"}
        withdrawal = finance.request_withdrawal(agent_id=agent_id, amount_fen=amount_fen, payee=payee,
                                                request_id=f"demo-{index}")
        if outcome in ("approved", "paid"):
            finance.approve_withdrawal(withdrawal_id=withdrawal.id, actor_id=owner.id)
        if outcome == "paid":
            finance.mark_withdrawal_paid(withdrawal_id=withdrawal.id, actor_id=owner.id,
                                         reference=f"WX{withdrawal.id:010d}")
        elif outcome == "rejected":
            finance.reject_withdrawal(withdrawal_id=withdrawal.id, actor_id=owner.id, reason="收款账户与实名不符")
        states.append(outcome)
    for index, amount_fen, outcome in DEMO_TOP_UPS:
        top_up = finance.submit_transfer_top_up(agent_id=network[index].id, amount_fen=amount_fen, proof_content=proof,
                                                reference="工商银行 尾号2301", request_id=f"demo-{index}")
        if outcome == "confirmed":
            finance.confirm_transfer_top_up(top_up_id=top_up.id, actor_id=owner.id)
        elif outcome == "rejected":
            finance.reject_transfer_top_up(top_up_id=top_up.id, actor_id=owner.id, reason="未查到这笔转账")
    for category, days, amount_fen, note in DEMO_EXPENSES:
        finance.create_expense(category=category, spent_on=local_today() - timedelta(days=days), amount_fen=amount_fen,
                               note=note, actor_id=owner.id)
    _demo_reconciliation()
    yield (f"demo money: commission released for {released} orders, team bonus for {bonuses} agents, "
           f"withdrawals {', '.join(states) or 'none'}, {len(DEMO_TOP_UPS)} goods top-ups, {len(DEMO_EXPENSES)} expenses")


# Yesterday's trade bill as WeChat Pay would have sent it, against our books: one payment matched, one differing
# by ¥50, one only on the bill (a customer paid twice), one refund only in our books. The demo brand has no WeChat
# Pay merchant, so the run is recorded from these figures rather than downloaded.
DEMO_BILL = {"261202000031": 29800, "261202000032": 15900, "261202000099": 8800}
DEMO_OURS = {"261202000031": 29800, "261202000032": 10900}
DEMO_OUR_REFUNDS = {"RF261202000028": 5900}


def _demo_reconciliation():
    finance.reconcile_trade_bill(bill_date=local_today() - timedelta(days=1),
                                 bill=finance.TradeBill(payments=dict(DEMO_BILL), rows=len(DEMO_BILL)),
                                 ours=finance.OurPayMoney(payments=dict(DEMO_OURS), refunds=dict(DEMO_OUR_REFUNDS)))
