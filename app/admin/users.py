"""Console accounts, managed by the owner."""
from flask_smorest import Blueprint

from app.accounts import service as accounts
from app.admin.auth import AdminOut
from app.http import admin_required
from app.schemas import Schema, fields, validate

blp = Blueprint("admin_users", __name__, url_prefix="/admin/api/users", description="后台账号")


class AdminUserCreateBody(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, validate=validate.Length(min=8, max=256))
    role = fields.String(required=True, validate=validate.OneOf(["owner", "staff", "finance", "warehouse"]))
    display_name = fields.String(load_default="", validate=validate.Length(max=64))


@blp.route("", methods=["GET"])
@admin_required("owner")
@blp.response(200, AdminOut(many=True))
def list_users():
    """Every console account."""
    return accounts.list_admin_users()


@blp.route("", methods=["POST"])
@admin_required("owner")
@blp.arguments(AdminUserCreateBody)
@blp.response(201, AdminOut)
def create_user(body):
    """Create a console account."""
    return accounts.create_admin_user(**body)
