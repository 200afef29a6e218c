"""The JSON shapes of certificates and verifications, shared by the mini-program's and the console's doors."""
from app.schemas import Schema, UtcDateTime, fields


class CertificateOut(Schema):
    number = fields.String()
    agent_name = fields.String()
    level_name = fields.String()
    province = fields.String()
    city = fields.String()
    region = fields.String()
    term_start = fields.Date(allow_none=True)
    term_end = fields.Date(allow_none=True)
    issued_at = UtcDateTime()
    current = fields.Boolean()


class AgentCertificateOut(Schema):
    certificate = fields.Nested(CertificateOut)
    status = fields.String(metadata={"description": "active, suspended, expired, pending or left"})
    status_text = fields.String()
    brand = fields.String()
    verify_url = fields.String()
    wechat_id = fields.String(metadata={"description": "the WeChat ID consumers may search by (never shown to them)"})


class VerificationOut(Schema):
    result = fields.String(metadata={"description": "authorized, changed, expired, suspended, revoked, "
                                                    "unauthorized, not_found or invalid"})
    authorized = fields.Boolean()
    message = fields.String()
    number = fields.String()
    masked_name = fields.String()
    level_name = fields.String()
    region = fields.String()
    term_start = fields.Date(allow_none=True)
    term_end = fields.Date(allow_none=True)
    status = fields.String()
    status_text = fields.String()
    brand = fields.String()
