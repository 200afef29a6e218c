"""Applications to join and level proposals: the owner and staff decide them and run the review."""
from flask import g

from app.admin.agents import MANAGERS, READERS, REASON, AdminAgentOut
from app.agents import service as agents
from app.agents.service import APPLICATION_STATUSES, PROPOSAL_STATUSES
from app.agents.schemas import AgentApplicationOut, AgentPageQuery
from app.http import Blueprint, admin_required
from app.schemas import Schema, UtcDateTime, fields, page_body, page_schema, validate

blp = Blueprint("admin_agent_reviews", __name__, url_prefix="/admin/api/agents", description="代理申请与调级")


class AdminApplicationQuery(AgentPageQuery):
    status = fields.String(validate=validate.OneOf(APPLICATION_STATUSES))


class AdminProposalQuery(AgentPageQuery):
    status = fields.String(validate=validate.OneOf(PROPOSAL_STATUSES))


class AdminReasonBody(Schema):
    reason = REASON




class AdminProposalOut(Schema):
    id = fields.Integer()
    agent_id = fields.Integer()
    from_level_id = fields.Integer()
    to_level_id = fields.Integer()
    direction = fields.String()
    reason = fields.String()
    status = fields.String()
    decision_reason = fields.String()
    decided_by_id = fields.Integer(allow_none=True)
    created_at = UtcDateTime()
    decided_at = UtcDateTime(allow_none=True)


class AdminReviewOut(Schema):
    proposed = fields.Integer()
    applied = fields.Integer()
    waiting = fields.Integer()
    skipped = fields.Integer()


@blp.route("/applications", methods=["GET"])
@admin_required(*READERS)
@blp.arguments(AdminApplicationQuery, location="query")
@blp.response(200, page_schema(AgentApplicationOut))
def list_applications(query):
    """Applications to join, newest first."""
    return page_body(agents.list_applications(**query), query)


@blp.route("/applications/<id:application_id>/approve", methods=["POST"])
@admin_required(*MANAGERS)
@blp.response(200, AdminAgentOut)
def approve_application(application_id):
    """Approve: the applicant becomes an active agent under its inviter."""
    return agents.approve_application(application_id=application_id, actor_id=g.admin.id)


@blp.route("/applications/<id:application_id>/reject", methods=["POST"])
@admin_required(*MANAGERS)
@blp.arguments(AdminReasonBody)
@blp.response(200, AgentApplicationOut)
def reject_application(body, application_id):
    """Reject, saying why."""
    return agents.reject_application(application_id=application_id, actor_id=g.admin.id, **body)


@blp.route("/review", methods=["POST"])
@admin_required(*MANAGERS)
@blp.response(200, AdminReviewOut)
def run_review():
    """Run the promotion and demotion review now."""
    return agents.review_levels()


@blp.route("/proposals", methods=["GET"])
@admin_required(*READERS)
@blp.arguments(AdminProposalQuery, location="query")
@blp.response(200, page_schema(AdminProposalOut))
def list_proposals(query):
    """Promotions and demotions the review proposed, newest first."""
    return page_body(agents.list_proposals(**query), query)


@blp.route("/proposals/<id:proposal_id>/approve", methods=["POST"])
@admin_required(*MANAGERS)
@blp.response(200, AdminProposalOut)
def approve_proposal(proposal_id):
    """Apply a waiting proposal."""
    return agents.approve_proposal(proposal_id=proposal_id, actor_id=g.admin.id)


@blp.route("/proposals/<id:proposal_id>/reject", methods=["POST"])
@admin_required(*MANAGERS)
@blp.arguments(AdminReasonBody)
@blp.response(200, AdminProposalOut)
def reject_proposal(body, proposal_id):
    """Turn a waiting proposal down, saying why."""
    return agents.reject_proposal(proposal_id=proposal_id, actor_id=g.admin.id, **body)
