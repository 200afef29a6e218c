"""Console login, logout, password change and the signed-in user."""
from flask import g

from app.accounts import service as accounts
from app.http import Blueprint, admin_required, client_ip
from app.schemas import Schema, fields, validate

blp = Blueprint("admin_auth", __name__, url_prefix="/admin/api/auth", description="后台登录")


class AdminLoginBody(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, validate=validate.Length(min=1, max=256))


class AdminOut(Schema):
    id = fields.Integer()
    username = fields.String()
    role = fields.String()
    display_name = fields.String()


class AdminLoginOut(Schema):
    token = fields.String()
    expires_in = fields.Integer()
    user = fields.Nested(AdminOut)


class AdminPasswordBody(Schema):
    old_password = fields.String(required=True, validate=validate.Length(max=256))
    new_password = fields.String(required=True, validate=validate.Length(max=256))


@blp.route("/login", methods=["POST"])
@blp.arguments(AdminLoginBody)
@blp.response(200, AdminLoginOut)
def login(body):
    """Sign in with username and password."""
    user, session = accounts.login_admin(username=body["username"], password=body["password"], ip=client_ip())
    return {"token": session.token, "expires_in": session.expires_in, "user": user}


@blp.route("/me", methods=["GET"])
@admin_required()
@blp.response(200, AdminOut)
def me():
    """The signed-in console user."""
    return g.admin


@blp.route("/logout", methods=["POST"])
@admin_required()
@blp.response(204)
def logout():
    """Revoke every token of the signed-in user."""
    accounts.logout_admin(g.admin)


@blp.route("/password", methods=["POST"])
@admin_required()
@blp.arguments(AdminPasswordBody)
@blp.response(204)
def change_password(body):
    """Change one's password; every earlier token stops working."""
    accounts.change_admin_password(g.admin, old_password=body["old_password"], new_password=body["new_password"])
