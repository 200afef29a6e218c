"""Console: expenses by category, each with an optional receipt (PDF, PNG or JPEG)."""
from flask import g, request, send_file

from app.errors import InvalidInput
from app.finance import service as finance
from app.http import Blueprint, admin_required
from app.schemas import PageArgs, PeriodDate, Schema, UtcDateTime, Yuan, fields, page_body, page_schema, validate

blp = Blueprint("admin_expenses", __name__, url_prefix="/admin/api/finance/expenses", description="费用")

CATEGORY = validate.OneOf(finance.EXPENSE_CATEGORIES)
POSITIVE = validate.Range(min=1)


class AdminExpensePatchBody(Schema):
    category = fields.String(validate=CATEGORY)
    spent_on = fields.Date()
    amount_fen = Yuan(data_key="amount", validate=POSITIVE)
    note = fields.String(validate=validate.Length(max=255))


class AdminExpenseBody(AdminExpensePatchBody):
    category = fields.String(required=True, validate=CATEGORY)
    spent_on = fields.Date(required=True)
    amount_fen = Yuan(data_key="amount", required=True, validate=POSITIVE)


class AdminExpenseOut(AdminExpensePatchBody):
    id = fields.Integer()
    has_attachment = fields.Function(lambda expense: bool(expense.attachment_path))
    attachment_name = fields.String()
    created_at = UtcDateTime()


class AdminExpenseQuery(PageArgs):
    category = fields.String(validate=CATEGORY)
    start = PeriodDate()
    end = PeriodDate()


@blp.route("", methods=["GET"])
@admin_required("finance")
@blp.arguments(AdminExpenseQuery, location="query")
@blp.response(200, page_schema(AdminExpenseOut))
def expenses(query):
    """Expenses, latest first (?category=&start=&end=)."""
    return page_body(finance.list_expenses(**query), query)


@blp.route("", methods=["POST"])
@admin_required("finance")
@blp.arguments(AdminExpenseBody)
@blp.response(201, AdminExpenseOut)
def create(body):
    """Record an expense."""
    return finance.create_expense(actor_id=g.admin.id, **body)


@blp.route("/<id:expense_id>", methods=["GET"])
@admin_required("finance")
@blp.response(200, AdminExpenseOut)
def expense(expense_id):
    """One expense."""
    return finance.get_expense(expense_id)


@blp.route("/<id:expense_id>", methods=["PATCH"])
@admin_required("finance")
@blp.arguments(AdminExpensePatchBody)
@blp.response(200, AdminExpenseOut)
def update(body, expense_id):
    """Change an expense."""
    return finance.update_expense(expense_id, **body)


@blp.route("/<id:expense_id>", methods=["DELETE"])
@admin_required("finance")
@blp.response(204)
def delete(expense_id):
    """Delete an expense and its receipt."""
    finance.delete_expense(expense_id)


@blp.route("/<id:expense_id>/attachment", methods=["POST"])
@admin_required("finance")
@blp.response(200, AdminExpenseOut)
def upload(expense_id):
    """Attach a receipt (multipart field `file`: PDF, PNG or JPEG, at most 5 MB), replacing any earlier one."""
    upload = request.files.get("file")
    if upload is None:
        raise InvalidInput.on("file", "请上传附件（PDF、PNG 或 JPEG）")
    return finance.attach(expense_id, filename=upload.filename, content=upload.read())


@blp.route("/<id:expense_id>/attachment", methods=["GET"])
@admin_required("finance")
def download(expense_id):
    """The receipt of an expense."""
    path, mimetype, name = finance.attachment(expense_id)
    return send_file(path, mimetype=mimetype, as_attachment=True, download_name=name)
