"""The daily reconciliation: WeChat Pay's trade bill of a day against our WeChat payments and refunds.

Payments are matched by `out_trade_no` (the order number), refunds by `out_refund_no`,
each with its amount in fen. A number on the bill we do not have (`missing_ours`), one
we have that the bill lacks (`missing_bill`), or one whose amounts differ (`amount`) is
a discrepancy: kept per bill day (found once; a later run of the same day that no
longer finds it marks it resolved) and told to the owners once — one notice per run
that found something new, never again for what was told before.
"""
from dataclasses import dataclass, field

from app.clock import utcnow
from app.database import bulk_insert, db, paginate, upsert
from app.finance.bills import parse_trade_bill  # noqa: F401  (part of the face through service.py)
from app.finance.models import PayDiscrepancy, PayReconciliation, describe
from app.notify.service import RECIPIENT_OWNERS
from app.notify.service import enqueue

NOTICE_EXAMPLES = 5


@dataclass(frozen=True)
class OurPayMoney:
    """Our side of a day: {out_trade_no: fen} of the WeChat payments and {out_refund_no: fen} of the WeChat refunds
    made that day, plus those of other days that the bill names (paid just before midnight, say)."""

    payments: dict = field(default_factory=dict)
    refunds: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Discrepancy:
    what: str
    number: str
    kind: str
    bill_fen: int | None
    our_fen: int | None


def compare(bill, ours):
    """The discrepancies between a parsed bill and our money, payments first, each side in number order."""
    found = []
    for what, billed, recorded in (("payment", bill.payments, ours.payments), ("refund", bill.refunds, ours.refunds)):
        for number in sorted(billed.keys() | recorded.keys()):
            bill_fen, our_fen = billed.get(number), recorded.get(number)
            if bill_fen == our_fen:
                continue
            kind = "missing_ours" if our_fen is None else "missing_bill" if bill_fen is None else "amount"
            found.append(Discrepancy(what, number, kind, bill_fen, our_fen))
    return found


def record(*, bill_date, bill, ours):
    """Compare and keep the result of `bill_date`'s run; the owners are told of what is new. Returns the run."""
    found = compare(bill, ours)
    now = utcnow()
    with db.atomic():
        upsert(PayReconciliation, {"bill_date": bill_date, "bill_rows": bill.rows, "payments": len(bill.payments),
                                   "refunds": len(bill.refunds), "discrepancies": len(found), "ran_at": now},
               conflict_fields=[PayReconciliation.bill_date],
               update_fields=[PayReconciliation.bill_rows, PayReconciliation.payments, PayReconciliation.refunds,
                              PayReconciliation.discrepancies, PayReconciliation.ran_at])
        known = {(row.what, row.number): row for row in
                 PayDiscrepancy.select().where(PayDiscrepancy.bill_date == bill_date)}
        current = {(d.what, d.number) for d in found}
        new = [d for d in found if (d.what, d.number) not in known]
        bulk_insert(PayDiscrepancy, [{"bill_date": bill_date, "what": d.what, "number": d.number, "kind": d.kind,
                                      "bill_fen": d.bill_fen, "our_fen": d.our_fen, "found_at": now} for d in new])
        gone = [row.id for key, row in known.items() if key not in current and row.resolved_at is None]
        back = [row.id for key, row in known.items() if key in current and row.resolved_at is not None]
        for ids, resolved_at in ((gone, now), (back, None)):
            for start in range(0, len(ids), 500):
                (PayDiscrepancy.update(resolved_at=resolved_at)
                 .where(PayDiscrepancy.id.in_(ids[start:start + 500])).execute())
        if new:
            _tell_owners(bill_date, new, len(found))
    return PayReconciliation.get_by_id(bill_date)


def _tell_owners(bill_date, new, total):
    first_id = (PayDiscrepancy.select(PayDiscrepancy.id)
                .where(PayDiscrepancy.bill_date == bill_date, PayDiscrepancy.what == new[0].what,
                       PayDiscrepancy.number == new[0].number).scalar())
    enqueue(kind="pay_reconciliation_discrepancies", recipient=RECIPIENT_OWNERS,
            data={"bill_date": bill_date.isoformat(), "new": len(new), "total": total,
                  "examples": [describe(d) for d in new[:NOTICE_EXAMPLES]]},
            dedupe_key=f"pay_reconciliation:{bill_date.isoformat()}:{first_id}")


def get_reconciliation(bill_date):
    """The run of `bill_date`, or None when that day was not reconciled."""
    return PayReconciliation.get_or_none(PayReconciliation.bill_date == bill_date)


def list_reconciliations(*, page=1, per_page=30):
    """Reconciled days, latest first: (items, total)."""
    return paginate(PayReconciliation.select().order_by(PayReconciliation.bill_date.desc()),
                    page=page, per_page=per_page)


def list_discrepancies(*, bill_date=None, open_only=False, page=1, per_page=50):
    """Discrepancies (of one day, or only those not resolved since), latest day first: (items, total)."""
    query = PayDiscrepancy.select()
    if bill_date is not None:
        query = query.where(PayDiscrepancy.bill_date == bill_date)
    if open_only:
        query = query.where(PayDiscrepancy.resolved_at.is_null())
    return paginate(query.order_by(PayDiscrepancy.bill_date.desc(), PayDiscrepancy.id),
                    page=page, per_page=per_page)
