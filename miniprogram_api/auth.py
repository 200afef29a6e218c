"""Mini-program login: wx.login() code in, bearer token out."""
from flask import g
from marshmallow import validates_schema

from app.accounts import service as accounts
from app.agents import service as agents
from app.http import Blueprint, wechat_login_required
from app.schemas import RowId, Schema, ValidationError, fields, validate

blp = Blueprint("mp_auth", __name__, url_prefix="/api/mp/auth", description="小程序登录")


class MpLoginBody(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=128))


class MpDevLoginBody(Schema):
    agent_id = RowId(load_default=None)
    openid = fields.String(load_default=None, validate=validate.Length(min=1, max=64))

    @validates_schema
    def one_of_agent_or_openid(self, data, **kwargs):
        if (data.get("agent_id") is None) == (data.get("openid") is None):
            raise ValidationError("请提供 agent_id 或 openid 之一", field_name="agent_id")


class MpSessionOut(Schema):
    token = fields.String()
    expires_in = fields.Integer()
    user_id = fields.Integer()


class MpMeOut(Schema):
    user_id = fields.Integer(attribute="id")
    openid = fields.String()


@blp.route("/login", methods=["POST"])
@blp.arguments(MpLoginBody)
@blp.response(200, MpSessionOut)
def login(body):
    """Exchange a wx.login() code for a bearer token."""
    session = accounts.login_wechat_user(body["code"])
    return {"token": session.token, "expires_in": session.expires_in, "user_id": session.user_id}


@blp.route("/dev-login", methods=["POST"])
@blp.arguments(MpDevLoginBody)
@blp.response(200, MpSessionOut)
def dev_login(body):
    """Development only (ENV=development, DEV_LOGIN=1): a token without WeChat, as an agent or an openid; 404 otherwise."""
    session = agents.dev_login(**body)
    return {"token": session.token, "expires_in": session.expires_in, "user_id": session.user_id}


@blp.route("/me", methods=["GET"])
@wechat_login_required
@blp.response(200, MpMeOut)
def me():
    """The signed-in WeChat user."""
    return g.wechat_user
