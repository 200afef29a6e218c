"""Expenses the brand records by category, each with an optional receipt kept under the upload directory."""
import os
import uuid

from app.config import get_settings
from app.database import db, paginate
from app.errors import InvalidInput, NotFound, PayloadTooLarge
from app.finance.engine import month_of
from app.finance.models import EXPENSE_CATEGORIES, Expense
from app.money import MAX_FEN
from app.uploads import FILE_TYPES, file_type, served_as

MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
ATTACHMENT_TYPES = ("pdf", "png", "jpg")  # only what a receipt is
CATEGORY_NAMES = {"shipping": "运费", "marketing": "市场推广", "salaries": "工资", "rent": "房租", "other": "其他"}


def _clean(values):
    if "category" in values and values["category"] not in EXPENSE_CATEGORIES:
        raise InvalidInput.on("category", "类别必须是：" + "、".join(EXPENSE_CATEGORIES))
    if "amount_fen" in values and not 0 < values["amount_fen"] <= MAX_FEN:
        raise InvalidInput.on("amount", "金额必须大于0")
    if "spent_on" in values:
        values["period"] = month_of(values["spent_on"])
    if "note" in values:
        values["note"] = (values["note"] or "").strip()[:255]
    return values


def create_expense(*, category, spent_on, amount_fen, note="", actor_id=None):
    """Record an expense."""
    values = _clean({"category": category, "spent_on": spent_on, "amount_fen": amount_fen, "note": note})
    with db.atomic():
        return Expense.create(created_by=actor_id, **values)


def get_expense(expense_id):
    """One expense, or NotFound."""
    expense = Expense.get_or_none(Expense.id == expense_id)
    if expense is None:
        raise NotFound("费用记录不存在", code="expense_not_found")
    return expense


def update_expense(expense_id, **changes):
    """Change some fields of an expense (category, spent_on, amount_fen, note)."""
    get_expense(expense_id)
    values = _clean({k: v for k, v in changes.items() if k in ("category", "spent_on", "amount_fen", "note")})
    with db.atomic():
        if values:
            Expense.update(**values).where(Expense.id == expense_id).execute()
    return get_expense(expense_id)


def _upload_path(stored_name):
    return os.path.join(get_settings().UPLOAD_DIR, "expenses", stored_name)


def delete_expense(expense_id):
    """Delete an expense and its attachment."""
    expense = get_expense(expense_id)
    with db.atomic():
        Expense.delete().where(Expense.id == expense_id).execute()
    _remove(expense.attachment_path)


def _remove(stored_name):
    if stored_name and os.path.exists(_upload_path(stored_name)):
        os.remove(_upload_path(stored_name))


def list_expenses(*, category=None, start=None, end=None, page=1, per_page=50):
    """Expenses, latest date first, optionally of one category and between two local dates: (items, total)."""
    query = Expense.select()
    if category is not None:
        query = query.where(Expense.category == category)
    if start is not None:
        query = query.where(Expense.spent_on >= start)
    if end is not None:
        query = query.where(Expense.spent_on <= end)
    return paginate(query.order_by(Expense.spent_on.desc(), Expense.id.desc()), page=page, per_page=per_page)


def attach(expense_id, *, filename, content):
    """Keep a receipt (PDF, PNG or JPEG, at most 5 MB) with the expense, replacing any earlier one."""
    expense = get_expense(expense_id)
    if len(content) > MAX_ATTACHMENT_BYTES:
        raise PayloadTooLarge("附件不能超过 5 MB", code="attachment_too_large")
    extension = file_type(content, ATTACHMENT_TYPES)
    if extension is None:
        raise InvalidInput.on("file", "附件只能是 PDF、PNG 或 JPEG 文件")
    stored_name = f"{uuid.uuid4().hex}.{extension}"
    os.makedirs(os.path.dirname(_upload_path(stored_name)), exist_ok=True)
    with open(_upload_path(stored_name), "wb") as file:
        file.write(content)
    display_name = os.path.basename((filename or "").replace("\\", "/"))[:128] or stored_name
    with db.atomic():
        (Expense.update(attachment_path=stored_name, attachment_name=display_name, attachment_type=FILE_TYPES[extension][1])
         .where(Expense.id == expense_id).execute())
    _remove(expense.attachment_path)
    return get_expense(expense_id)


def attachment(expense_id):
    """(path on disk, mimetype, download name) of an expense's receipt, or NotFound. The name is ours
    (`expense-<id>.<verified extension>`), not the uploader's."""
    expense = get_expense(expense_id)
    if not expense.attachment_path or not os.path.exists(_upload_path(expense.attachment_path)):
        raise NotFound("该费用没有附件", code="attachment_not_found")
    mimetype, name = served_as(expense.attachment_path, f"expense-{expense.id}")
    return os.path.abspath(_upload_path(expense.attachment_path)), mimetype, name
