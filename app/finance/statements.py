"""Per-agent monthly statements: opening balance, every movement of the month, closing balance; .xlsx and PDF."""
from datetime import timedelta
from io import BytesIO

from peewee import fn
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate, Spacer, Table, TableStyle

from app.agents import service as agents
from app.clock import to_local, utc_start_of_local_day
from app.database import reads_replica
from app.exports import xlsx_bytes
from app.finance.models import AGENT_ACCOUNTS, JournalEntry, Posting
from app.finance.reports import first_day
from app.finance.team_bonus import check_period, last_day
from app.money import format_yuan
from app.pdf import FONT, paragraph, use_font

SHOWN_ACCOUNTS = ("pending", "available", "held")  # what the brand still owes the agent; `withdrawn` has left
HEADERS = ("日期", "摘要", "待结算", "可提现", "提现中", "余额")


def _sums(query):
    found = dict.fromkeys(AGENT_ACCOUNTS, 0)
    for account, total in query.tuples():
        found[account] = int(total or 0)
    return found


@reads_replica
def statement(*, agent_id, period):
    """The agent's statement of month YYYYMM: opening and closing balances per account, and the lines between."""
    check_period(period)
    agent = agents.get_agent(agent_id)
    start = utc_start_of_local_day(first_day(period))
    end = utc_start_of_local_day(last_day(period) + timedelta(days=1))
    own = Posting.select().join(JournalEntry).where(Posting.agent == agent_id)
    opening = _sums(own.select(Posting.account, fn.SUM(Posting.amount_fen))
                    .where(JournalEntry.created_at < start).group_by(Posting.account))
    lines, running = [], dict(opening)
    rows = (own.select(JournalEntry.id, JournalEntry.created_at, JournalEntry.memo, JournalEntry.order_id,
                       Posting.account, Posting.amount_fen)
            .where(JournalEntry.created_at >= start, JournalEntry.created_at < end)
            .order_by(JournalEntry.created_at, JournalEntry.id).tuples())
    for entry_id, at, memo, order_id, account, amount in rows:
        if not lines or lines[-1]["entry_id"] != entry_id:
            lines.append({"entry_id": entry_id, "at": at, "memo": memo, "order_id": order_id,
                          "changes": dict.fromkeys(AGENT_ACCOUNTS, 0)})
        lines[-1]["changes"][account] += amount
        running[account] += amount
        lines[-1]["balance"] = sum(running[a] for a in SHOWN_ACCOUNTS)
    return {"agent_id": agent.id, "agent_name": agent.name, "month": f"{period // 100}-{period % 100:02d}",
            "opening": opening, "closing": running, "lines": lines,
            "opening_balance": sum(opening[a] for a in SHOWN_ACCOUNTS),
            "closing_balance": sum(running[a] for a in SHOWN_ACCOUNTS)}


def _table(data):
    def row(label, memo, changes, balance):
        return [label, memo] + [format_yuan(changes[a]) for a in SHOWN_ACCOUNTS] + [format_yuan(balance)]

    rows = [row("期初", "期初余额", data["opening"], data["opening_balance"])]
    rows += [row(f"{to_local(line['at']):%Y-%m-%d %H:%M}", line["memo"], line["changes"], line["balance"])
             for line in data["lines"]]
    rows.append(row("期末", "期末余额", data["closing"], data["closing_balance"]))
    return rows


def statement_xlsx(data):
    """The statement as an .xlsx workbook."""
    return xlsx_bytes(HEADERS, _table(data), title=f"{data['month']} 佣金对账单")


def statement_pdf(data):
    """The statement as a one-table A4 PDF (reportlab's built-in Chinese font, no font file needed)."""
    use_font()
    buffer = BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=12 * mm, rightMargin=12 * mm,
                                 topMargin=15 * mm, bottomMargin=15 * mm,
                                 title=f"{data['agent_name']} {data['month']} 佣金对账单")
    title = ParagraphStyle("title", fontName=FONT, fontSize=16, leading=22)
    body = ParagraphStyle("body", fontName=FONT, fontSize=8, leading=10)
    cells = [[paragraph(text, body) if index == 1 else text for index, text in enumerate(row)]
             for row in _table(data)]
    table = Table([list(HEADERS)] + cells, colWidths=[28 * mm, 76 * mm, 20 * mm, 20 * mm, 20 * mm, 22 * mm],
                  repeatRows=1)
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), FONT, 8),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef7")),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("ALIGN", (2, 0), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]))
    summary = (f"代理：{data['agent_name']}（编号 {data['agent_id']}）　月份：{data['month']}　"
               f"期初余额 ¥{format_yuan(data['opening_balance'])}　期末余额 ¥{format_yuan(data['closing_balance'])}")
    document.build([paragraph(f"{data['month']} 佣金对账单", title), paragraph(summary, body), Spacer(1, 4 * mm),
                    table])
    return buffer.getvalue()
