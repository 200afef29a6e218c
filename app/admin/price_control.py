"""Console: price control (控价) and 窜货 — violations per agent, the owner's actions, the summary."""
import json

from flask import g

from app.codes import service as codes
from app.codes.service import VIOLATION_ACTION_NAMES, VIOLATION_KINDS, VIOLATION_STATUSES
from app.http import Blueprint, admin_required
from app.schemas import PageArgs, PeriodDateTime, RowId, Schema, UtcDateTime, Yuan, fields, page_body, page_schema, validate

blp = Blueprint("admin_price_control", __name__, url_prefix="/admin/api/price-control", description="控价与窜货")

READ_ROLES = ("staff", "finance")


class AdminViolationListArgs(PageArgs):
    agent_id = RowId()
    kind = fields.String(validate=validate.OneOf(VIOLATION_KINDS))
    status = fields.String(validate=validate.OneOf(VIOLATION_STATUSES))


class AdminViolationOut(Schema):
    id = fields.Integer()
    agent_id = fields.Integer()
    kind = fields.String()
    source = fields.String()
    code = fields.Function(lambda violation: violation.code.code if violation.code_id else None)
    product_id = fields.Integer(allow_none=True)
    price = Yuan(attribute="price_fen", allow_none=True)
    min_price = Yuan(attribute="min_fen", allow_none=True)
    max_price = Yuan(attribute="max_fen", allow_none=True)
    province = fields.String()
    place_source = fields.String(metadata={"description": "a 窜货's evidence: network (the scan's address), "
                                                          "consumer or chat (the consumer's word)"})
    evidence = fields.Function(lambda violation: json.loads(violation.evidence))
    status = fields.String()
    created_at = UtcDateTime()
    acted_by = fields.String()
    acted_at = UtcDateTime(allow_none=True)
    action_note = fields.String()


class AdminViolationActBody(Schema):
    action = fields.String(required=True, validate=validate.OneOf(list(VIOLATION_ACTION_NAMES)))
    note = fields.String(load_default="", validate=validate.Length(max=255))


class AdminViolationSummaryArgs(Schema):
    since = PeriodDateTime()
    until = PeriodDateTime()


class AdminViolationSummaryOut(Schema):
    agent_id = fields.Integer()
    agent_name = fields.String()
    kind = fields.String()
    count = fields.Integer()
    open = fields.Integer()


@blp.route("/violations", methods=["GET"])
@admin_required(*READ_ROLES)
@blp.arguments(AdminViolationListArgs, location="query")
@blp.response(200, page_schema(AdminViolationOut))
def list_violations(args):
    """Violations, newest first; `agent_id` gives one agent's history."""
    return page_body(codes.list_violations(agent_id=args.get("agent_id"), kind=args.get("kind"),
                                           status=args.get("status"), page=args["page"],
                                           per_page=args["per_page"]), args)


@blp.route("/violations/<id:violation_id>", methods=["GET"])
@admin_required(*READ_ROLES)
@blp.response(200, AdminViolationOut)
def get_violation(violation_id):
    """One violation with its evidence."""
    return codes.get_violation(violation_id)


@blp.route("/violations/<id:violation_id>/act", methods=["POST"])
@admin_required("staff")
@blp.arguments(AdminViolationActBody)
@blp.response(200, AdminViolationOut)
def act(body, violation_id):
    """Warn the agent, note, suspend the agent (a note is the reason) or dismiss."""
    return codes.act_on_violation(violation_id=violation_id, action=body["action"], note=body["note"],
                                  actor_id=g.admin.id)


@blp.route("/summary", methods=["GET"])
@admin_required(*READ_ROLES)
@blp.arguments(AdminViolationSummaryArgs, location="query")
@blp.response(200, AdminViolationSummaryOut(many=True))
def summary(args):
    """Violations per agent and kind, most first."""
    return codes.summary(since=args.get("since"), until=args.get("until"))
