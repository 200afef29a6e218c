"""Agent levels: the owner configures them; every console role may read them."""

from app.agents import service as agents
from app.http import Blueprint, admin_required
from app.schemas import Schema, UtcDateTime, Yuan, fields, validate

blp = Blueprint("admin_levels", __name__, url_prefix="/admin/api/levels", description="代理等级")

NON_NEGATIVE = validate.Range(min=0)


class AdminLevelPatchBody(Schema):
    name = fields.String(validate=validate.Length(min=1, max=32))
    rank = fields.Integer(validate=validate.Range(min=1, max=1000))
    may_recruit = fields.Boolean()
    orders_need_upline_approval = fields.Boolean()
    may_see_team = fields.Boolean()
    min_first_purchase_fen = Yuan(data_key="min_first_purchase", validate=NON_NEGATIVE)
    auto_approve_applications = fields.Boolean()
    active = fields.Boolean()
    term_days = fields.Integer(validate=validate.Range(min=1, max=3650))
    review_window_days = fields.Integer(validate=validate.Range(min=1, max=366))
    promote_purchase_fen = Yuan(data_key="promote_purchase", allow_none=True, validate=NON_NEGATIVE)
    promote_recruits = fields.Integer(allow_none=True, validate=validate.Range(min=1, max=100000))
    demote_below_purchase_fen = Yuan(data_key="demote_below_purchase", allow_none=True, validate=NON_NEGATIVE)
    level_changes_need_approval = fields.Boolean()


class AdminLevelBody(AdminLevelPatchBody):
    name = fields.String(required=True, validate=validate.Length(min=1, max=32))
    rank = fields.Integer(required=True, validate=validate.Range(min=1, max=1000))


class AdminLevelOut(AdminLevelPatchBody):
    id = fields.Integer()
    created_at = UtcDateTime()


@blp.route("", methods=["GET"])
@admin_required("staff", "finance", "warehouse")
@blp.response(200, AdminLevelOut(many=True))
def list_levels():
    """Every level, highest first."""
    return agents.list_levels()


@blp.route("", methods=["POST"])
@admin_required("owner")
@blp.arguments(AdminLevelBody)
@blp.response(201, AdminLevelOut)
def create_level(body):
    """Create a level."""
    return agents.create_level(**body)


@blp.route("/<id:level_id>", methods=["GET"])
@admin_required("staff", "finance", "warehouse")
@blp.response(200, AdminLevelOut)
def get_level(level_id):
    """One level."""
    return agents.get_level(level_id)


@blp.route("/<id:level_id>", methods=["PATCH"])
@admin_required("owner")
@blp.arguments(AdminLevelPatchBody)
@blp.response(200, AdminLevelOut)
def update_level(body, level_id):
    """Change some of a level's settings."""
    return agents.update_level(level_id, **body)


@blp.route("/<id:level_id>", methods=["DELETE"])
@admin_required("owner")
@blp.response(204)
def delete_level(level_id):
    """Delete a level no agent holds (409 otherwise)."""
    agents.delete_level(level_id)
