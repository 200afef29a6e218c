"""The goods-payment balance (货款): an agent's prepaid money for buying goods, and its ledger.

Every change is a GoodsEntry (reason, reference, signed amount) written with the
balance row it moves, in the caller's transaction; the balance row equals the sum
of its entries (`check`). A debit is one guarded UPDATE (`balance_fen >= amount`),
the last statement of the step, so two payments at once never spend the same
money twice. Each entry's key is "<direction>:<reason>:<reference>": asking again
for the same reference changes nothing and answers the first entry.

`credit` and `debit` are steps: they run inside the caller's transaction (refusing to run
outside one), so a 转货 debits the buyer and credits the upline in one unit of work, and the use
case that opened it (`atomic_with_retry`) retries the whole of it when it loses a deadlock or, on
a Galera cluster, certification at COMMIT.
"""
from dataclasses import dataclass
from functools import lru_cache

from peewee import IntegrityError, fn

from app.clock import utcnow
from app.database import db, for_update, paginate
from app.errors import Conflict, InvalidInput
from app.finance.models import GoodsBalance, GoodsEntry
from app.money import MAX_FEN, format_yuan

# What a credit or a debit may be for; the reference names the thing (a top-up, an order, a 转货).
CREDIT_REASONS = {"topup": "充值", "transfer": "下级转货货款", "refund": "订单退款", "adjustment": "调整",
                  "reversal": "转货撤销退回"}
DEBIT_REASONS = {"order": "订单付款", "transfer": "转货付款", "adjustment": "调整", "reversal": "转货撤销扣回"}
WITHDRAWAL_REASONS = {"withdrawal_hold": "提现申请", "withdrawal_rejected": "提现被拒退回",
                      "withdrawal_paid": "提现已打款", "withdrawal_failed": "微信转账未成功退回"}
REASON_NAMES = {**{f"in:{k}": v for k, v in CREDIT_REASONS.items()},
                **{f"out:{k}": v for k, v in DEBIT_REASONS.items()}, **WITHDRAWAL_REASONS}


@dataclass(frozen=True)
class GoodsMove:
    """One entry of an agent's goods balance; `applied` is False when the reference had moved it before."""

    entry_id: int
    agent_id: int
    reason: str
    reference: str
    amount_fen: int
    applied: bool


@dataclass(frozen=True)
class GoodsBalanceView:
    """An agent's goods balance: what it may spend and what open withdrawal requests hold (fen)."""

    agent_id: int
    balance_fen: int
    held_fen: int


def _checked(amount_fen, reason, reasons, reference):
    if type(amount_fen) is not int or not 0 < amount_fen <= MAX_FEN:
        raise InvalidInput.on("amount", "金额须大于0且不超过上限")
    if reason not in reasons:
        raise ValueError(f"unknown goods-balance reason {reason!r}")
    reference = reference.strip() if isinstance(reference, str) else ""
    if not reference or len(reference) > 64:
        raise ValueError(f"a goods-balance reference is 1-64 characters: {reference!r}")
    return reference


def _move(entry, first):
    return GoodsMove(entry.id, entry.agent_id, entry.reason, entry.reference, entry.amount_fen, first)


def _existing(key, agent_id, balance_delta, *, locked):
    query = GoodsEntry.select().where(GoodsEntry.key == key)
    entry = (for_update(query, shared=True) if locked else query).first()
    if entry is None:
        return None
    if entry.agent_id != agent_id or entry.amount_fen != balance_delta:
        raise Conflict("该业务单号已记过另一笔货款", code="goods_reference_reused")
    return _move(entry, False)


@lru_cache(maxsize=4)
def _statements(database_type):
    """The statements of a posting (and of a payment's pair of entries), written once per kind of database (the query builder would cost more
    Python time than the statements take to run, on the hottest rows of 转货)."""
    database = db.obj
    (left, right), param = database.quote, database.param

    def name(text):
        return f"{left}{text}{right}"
    columns = ("key", "agent_id", "reason", "reference", "amount_fen", "held_fen", "memo", "actor", "created_at")
    entry = (f"INSERT INTO {name('goods_entry')} ({', '.join(map(name, columns))}) "
             f"VALUES ({', '.join([param] * len(columns))})")
    balance, held, agent = name("balance_fen"), name("held_fen"), name("agent_id")
    guarded = (f"UPDATE {name('goods_balance')} SET {balance} = {balance} + {param}, {held} = {held} + {param} "
               f"WHERE {agent} = {param} AND {balance} + {param} >= 0 AND {held} + {param} >= 0")
    upsert = f"INSERT INTO {name('goods_balance')} ({agent}, {balance}, {held}) VALUES ({param}, {param}, 0) "
    upsert += (f"ON DUPLICATE KEY UPDATE {balance} = {balance} + VALUES({balance})" if database_type.endswith(
        "MySQLDatabase") else f"ON CONFLICT ({agent}) DO UPDATE SET {balance} = {balance} + excluded.{balance}")
    pair = entry + f", ({', '.join([param] * len(columns))})"
    return entry, guarded, upsert, pair


def _post(*, key, agent_id, reason, reference, balance_delta, held_delta=0, actor, memo):
    """Write one entry and move the balance row by (balance_delta, held_delta): a credit upserts the row; anything
    else is one UPDATE guarded so that neither column goes below zero, refused (Conflict) when it would.

    Two statements, as the raw floor: the entry's INSERT (its unique key makes a repeat fail at once, and the
    first entry is answered) and the balance's UPDATE, the hot row last. A refused UPDATE takes its entry back
    (never seen outside this transaction), so nothing is left behind.
    """
    if not db.in_transaction():
        # A transaction of its own could fail at COMMIT with nobody to retry it: the use case opens one.
        raise RuntimeError("a goods-balance posting runs inside the caller's transaction")
    insert_entry, guarded_update, upsert_balance, _ = _statements(type(db.obj).__name__)
    try:
        entry_id = db.execute_sql(insert_entry, (key, agent_id, reason, reference, balance_delta, held_delta,
                                                 memo[:255], str(actor)[:64], str(utcnow()))).lastrowid
    except IntegrityError:
        # Posted before (or by another transaction, which has committed meanwhile): the first entry answers.
        previous = _existing(key, agent_id, balance_delta, locked=True)
        if previous is None:
            raise
        return previous
    if held_delta == 0 and balance_delta > 0:  # a credit: the row is created the first time
        db.execute_sql(upsert_balance, (agent_id, balance_delta))
    elif not db.execute_sql(guarded_update, (balance_delta, held_delta, agent_id, balance_delta,
                                             held_delta)).rowcount:
        GoodsEntry.delete().where(GoodsEntry.id == entry_id).execute()
        if balance_delta < 0:
            raise _short(agent_id, -balance_delta)
        raise Conflict("提现冻结的货款不足", code="goods_hold_missing")
    return GoodsMove(entry_id, agent_id, reason, reference, balance_delta, True)


def _short(agent_id, needed_fen):
    """The refusal of a debit the balance cannot cover; `fields.shortfall` (yuan) is what a top-up must bring, so
    that a client can offer to pay just that (the pickup page does, by WeChat Pay)."""
    have = balance(agent_id=agent_id).balance_fen
    return Conflict(f"货款余额不足：余额{format_yuan(have)}元，还差{format_yuan(needed_fen - have)}元",
                    code="insufficient_goods_balance", fields={"shortfall": format_yuan(needed_fen - have)})


def credit(*, agent_id, amount_fen, reason, reference, actor="system", memo=""):
    """Add `amount_fen` to the agent's goods balance for `reason` ("topup"; "transfer": a downline's 转货 paid to
    this upline; "refund"; "adjustment") identified by `reference`; once per (reason, reference).

    Runs inside the caller's transaction. Returns a GoodsMove (applied False when it was credited before).
    """
    reference = _checked(amount_fen, reason, CREDIT_REASONS, reference)
    return _post(key=f"in:{reason}:{reference}", agent_id=agent_id, reason=f"in:{reason}", reference=reference,
                 balance_delta=amount_fen, actor=actor, memo=memo or CREDIT_REASONS[reason])


def debit(*, agent_id, amount_fen, reason, reference, actor="system", memo=""):
    """Take `amount_fen` from the agent's goods balance for `reason` ("order", "transfer", "adjustment") identified
    by `reference`; once per (reason, reference). One guarded UPDATE (balance ≥ amount): when the balance is short,
    Conflict (409, code insufficient_goods_balance) naming the shortfall, and nothing is written.

    Runs inside the caller's transaction. Returns a GoodsMove (applied False when it was debited before;
    its amount_fen is then negative, as every debit's).
    """
    reference = _checked(amount_fen, reason, DEBIT_REASONS, reference)
    return _post(key=f"out:{reason}:{reference}", agent_id=agent_id, reason=f"out:{reason}", reference=reference,
                 balance_delta=-amount_fen, actor=actor, memo=memo or DEBIT_REASONS[reason])


def pay(*, payer_id, payee_id, amount_fen, reason, reference, actor="system", memo="", payee_first=False):
    """Move `amount_fen` from the payer's goods balance to the payee's for `reason` ("transfer": a downline paying
    its upline for a 转货; "reversal": a 转货 undone) identified by `reference`, once per (reason, reference): the payer's debit and the payee's
    credit, as `debit` and `credit` would write them, in three statements — both entries in one INSERT, the payer's
    guarded UPDATE, then the payee's upsert (the hot row when many pay one payee, so it comes last; the row is
    created the first time). When the payer is short: Conflict (insufficient_goods_balance), nothing written.

    `payee_first`: the payee's row is written before the payer's — a 转货 undone pays the downline back and takes
    the two rows in the 转货's order (the downline's, then the upline's), so the two never wait on each other.

    Runs inside the caller's transaction."""
    if not db.in_transaction():
        raise RuntimeError("a goods-balance payment runs inside the caller's transaction")
    reference = _checked(amount_fen, reason, DEBIT_REASONS, reference)
    _checked(amount_fen, reason, CREDIT_REASONS, reference)
    _, guarded_update, upsert_balance, insert_pair = _statements(type(db.obj).__name__)
    now, actor = str(utcnow()), str(actor)[:64]
    keys = (f"out:{reason}:{reference}", f"in:{reason}:{reference}")
    try:
        db.execute_sql(insert_pair, (keys[0], payer_id, f"out:{reason}", reference, -amount_fen, 0,
                                     (memo or DEBIT_REASONS[reason])[:255], actor, now, keys[1], payee_id,
                                     f"in:{reason}", reference, amount_fen, 0, (memo or CREDIT_REASONS[reason])[:255],
                                     actor, now))
    except IntegrityError:   # paid before: each side finds its first entry
        debit(agent_id=payer_id, amount_fen=amount_fen, reason=reason, reference=reference, actor=actor, memo=memo)
        credit(agent_id=payee_id, amount_fen=amount_fen, reason=reason, reference=reference, actor=actor, memo=memo)
        return
    # The upsert, not an UPDATE falling back to an INSERT: under REPEATABLE READ an UPDATE that finds no row
    # takes a gap lock, and two first payments to a new payee deadlocked on it (bench/cloud.py).
    if payee_first:
        db.execute_sql(upsert_balance, (payee_id, amount_fen))
    if not db.execute_sql(guarded_update, (-amount_fen, 0, payer_id, -amount_fen, 0)).rowcount:
        GoodsEntry.delete().where(GoodsEntry.key.in_(keys)).execute()
        if payee_first:  # the credit written, taken back (the caller may go on with its transaction)
            db.execute_sql(guarded_update, (-amount_fen, 0, payee_id, -amount_fen, 0))
        raise _short(payer_id, amount_fen)
    if not payee_first:
        db.execute_sql(upsert_balance, (payee_id, amount_fen))


def hold_for_withdrawal(*, agent_id, amount_fen, withdrawal_id, actor):
    """Move `amount_fen` from the balance to held for a withdrawal request (guarded like a debit); inside the
    caller's transaction."""
    _post(key=f"hold:withdrawal:{withdrawal_id}", agent_id=agent_id, reason="withdrawal_hold",
          reference=f"withdrawal:{withdrawal_id}", balance_delta=-amount_fen, held_delta=amount_fen, actor=actor,
          memo=f"提现申请 #{withdrawal_id}")


def end_withdrawal_hold(*, agent_id, amount_fen, withdrawal_id, outcome, actor, memo):
    """A withdrawal's held amount goes back to the balance ("rejected", or "failed": a WeChat transfer that did not
    go through) or out ("paid"); inside the caller's transaction."""
    _post(key=f"{outcome}:withdrawal:{withdrawal_id}", agent_id=agent_id, reason=f"withdrawal_{outcome}",
          reference=f"withdrawal:{withdrawal_id}", balance_delta=amount_fen if outcome in ("rejected", "failed") else 0,
          held_delta=-amount_fen, actor=actor, memo=memo)


def balance(*, agent_id):
    """The agent's goods balance (zero when it never had one)."""
    row = GoodsBalance.get_or_none(GoodsBalance.agent == agent_id)
    return GoodsBalanceView(agent_id, row.balance_fen if row else 0, row.held_fen if row else 0)


def ledger(*, agent_id, page=1, per_page=50):
    """The agent's goods entries, newest first: (items, total); each item's `reason_name` is the Chinese reason."""
    query = (GoodsEntry.select().where(GoodsEntry.agent == agent_id)
             .order_by(GoodsEntry.created_at.desc(), GoodsEntry.id.desc()))
    items, total = paginate(query, page=page, per_page=per_page)
    for item in items:
        item.reason_name = REASON_NAMES.get(item.reason, item.reason)
    return items, total


@dataclass(frozen=True)
class Difference:
    """Something `check` found wrong."""

    what: str
    detail: str


def check():
    """Every goods balance equals the sum of its entries and none is negative; the differences."""
    sums = {agent_id: (int(amount), int(held)) for agent_id, amount, held in
            GoodsEntry.select(GoodsEntry.agent, fn.SUM(GoodsEntry.amount_fen), fn.SUM(GoodsEntry.held_fen))
            .group_by(GoodsEntry.agent).tuples()}
    differences = []
    for row in GoodsBalance.select():
        amount, held = sums.pop(row.agent_id, (0, 0))
        if (row.balance_fen, row.held_fen) != (amount, held):
            differences.append(Difference("goods_balance", f"agent {row.agent_id}: balance {row.balance_fen} held "
                                          f"{row.held_fen}, entries {amount} held {held}"))
        if row.balance_fen < 0 or row.held_fen < 0:
            differences.append(Difference("goods_negative", f"agent {row.agent_id}: balance {row.balance_fen} "
                                          f"held {row.held_fen}"))
    for agent_id, (amount, held) in sums.items():
        if amount or held:
            differences.append(Difference("goods_balance", f"agent {agent_id} has goods entries {amount} held "
                                          f"{held} but no balance row"))
    return differences
