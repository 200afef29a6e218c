"""Console accounts, managed by the owner."""

from flask import g

from app.accounts import service as accounts
from app.accounts.service import ADMIN_ROLES
from app.admin.auth import AdminOut
from app.http import Blueprint, admin_required
from app.schemas import PageArgs, Schema, fields, page_body, page_schema, validate

blp = Blueprint("admin_users", __name__, url_prefix="/admin/api/users", description="后台账号")


class AdminUserOut(AdminOut):
    active = fields.Boolean()


class AdminUserCreateBody(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, validate=validate.Length(min=8, max=256))
    role = fields.String(required=True, validate=validate.OneOf(ADMIN_ROLES))
    display_name = fields.String(load_default="", validate=validate.Length(max=64))


@blp.route("", methods=["GET"])
@admin_required("owner")
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_schema(AdminUserOut))
def list_users(args):
    """Console accounts, oldest first, a page at a time."""
    return page_body(accounts.list_admin_users(**args), args)


@blp.route("", methods=["POST"])
@admin_required("owner")
@blp.arguments(AdminUserCreateBody)
@blp.response(201, AdminUserOut)
def create_user(body):
    """Create a console account."""
    return accounts.create_admin_user(**body)


class AdminUserRoleBody(Schema):
    role = fields.String(required=True, validate=validate.OneOf(ADMIN_ROLES))


class AdminUserActiveBody(Schema):
    active = fields.Boolean(required=True)


class AdminUserPasswordBody(Schema):
    password = fields.String(required=True, validate=validate.Length(min=8, max=256))


@blp.route("/<id:user_id>/role", methods=["PUT"])
@admin_required("owner")
@blp.arguments(AdminUserRoleBody)
@blp.response(200, AdminUserOut)
def change_role(body, user_id):
    """Give an account another role; the owner cannot demote itself or the last owner (409)."""
    return accounts.change_admin_role(actor=g.admin, user_id=user_id, **body)


@blp.route("/<id:user_id>/active", methods=["PUT"])
@admin_required("owner")
@blp.arguments(AdminUserActiveBody)
@blp.response(200, AdminUserOut)
def set_active(body, user_id):
    """Disable an account (its tokens stop working) or enable it; never one's own or the last owner (409)."""
    return accounts.set_admin_active(actor=g.admin, user_id=user_id, **body)


@blp.route("/<id:user_id>/password", methods=["PUT"])
@admin_required("owner")
@blp.arguments(AdminUserPasswordBody)
@blp.response(200, AdminUserOut)
def reset_password(body, user_id):
    """Set a new password for another account; its earlier sessions end (one's own: /admin/api/auth/password)."""
    return accounts.reset_admin_password(actor=g.admin, user_id=user_id, **body)
