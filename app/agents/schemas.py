"""Request and response shapes the console and the mini-program share for agents."""
from app.schemas import PeriodDate, Schema, UtcDateTime, Yuan, fields, validate


class AgentPageQuery(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class AgentPeriodQuery(Schema):
    start = PeriodDate(load_default=None)
    end = PeriodDate(load_default=None)


class AgentOut(Schema):
    id = fields.Integer()
    name = fields.String()
    phone = fields.String()
    province = fields.String()
    city = fields.String()
    upline_id = fields.Integer(allow_none=True)
    level_id = fields.Integer()
    level_name = fields.String(attribute="level.name")
    status = fields.String()
    term_start = fields.Date(allow_none=True)
    term_end = fields.Date(allow_none=True)
    invite_code = fields.String()
    joined_at = UtcDateTime()


class AgentTeamQuery(AgentPageQuery):
    max_depth = fields.Integer(load_default=None, validate=validate.Range(min=1, max=1000))


class AgentTeamMemberOut(AgentOut):
    depth = fields.Integer()


class AgentTeamOut(Schema):
    class DepthCount(Schema):
        depth = fields.Integer()
        count = fields.Integer()

    class LevelCount(Schema):
        level_id = fields.Integer()
        level_name = fields.String()
        count = fields.Integer()

    agent_id = fields.Integer()
    total = fields.Integer()
    direct = fields.Integer()
    by_depth = fields.List(fields.Nested(DepthCount))
    by_level = fields.List(fields.Nested(LevelCount))
    members = fields.List(fields.Nested(AgentTeamMemberOut))
    page = fields.Integer()
    per_page = fields.Integer()


class AgentPerformanceOut(Schema):
    agent_id = fields.Integer()
    start = fields.Date()
    end = fields.Date()
    own_purchase = Yuan()
    team_purchase = Yuan(allow_none=True)
    recruits = fields.Integer()
    retail = Yuan()


class AgentApplicationOut(Schema):
    id = fields.Integer()
    name = fields.String()
    phone = fields.String()
    province = fields.String()
    city = fields.String()
    inviter_id = fields.Integer()
    level_id = fields.Integer()
    status = fields.String()
    decision_reason = fields.String()
    agent_id = fields.Integer(allow_none=True)
    created_at = UtcDateTime()
    decided_at = UtcDateTime(allow_none=True)
