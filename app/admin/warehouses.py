"""Console: warehouses, the provinces they serve and their low-stock thresholds."""

from app.admin.stock import READ_ROLES, WRITE_ROLES
from app.http import Blueprint, admin_required
from app.inventory import service as inventory
from app import regions
from app.schemas import Schema, fields, validate

blp = Blueprint("admin_warehouses", __name__, url_prefix="/admin/api/warehouses", description="仓库")



class AdminWarehouseBody(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=64))
    address = fields.String(load_default="", validate=validate.Length(max=255))
    provinces = fields.List(fields.String(validate=validate.OneOf(regions.provinces())), load_default=list,
                            validate=validate.Length(max=len(regions.provinces())))
    active = fields.Boolean(load_default=True)


class AdminWarehousePatchBody(Schema):
    name = fields.String(validate=validate.Length(min=1, max=64))
    address = fields.String(validate=validate.Length(max=255))
    provinces = fields.List(fields.String(validate=validate.OneOf(regions.provinces())),
                            validate=validate.Length(max=len(regions.provinces())))
    active = fields.Boolean()


class AdminWarehouseOut(Schema):
    id = fields.Integer()
    name = fields.String()
    address = fields.String()
    provinces = fields.List(fields.String(), attribute="province_names")
    active = fields.Boolean()


class AdminWarehouseListArgs(Schema):
    active = fields.Boolean()


class AdminThresholdBody(Schema):
    threshold = fields.Integer(required=True, allow_none=True, strict=True, validate=validate.Range(min=0, max=10**9))


@blp.route("", methods=["GET"])
@admin_required(*READ_ROLES)
@blp.arguments(AdminWarehouseListArgs, location="query")
@blp.response(200, AdminWarehouseOut(many=True))
def list_warehouses(args):
    """Every warehouse with the provinces it serves."""
    return inventory.list_warehouses(active=args.get("active"))


@blp.route("", methods=["POST"])
@admin_required(*WRITE_ROLES)
@blp.arguments(AdminWarehouseBody)
@blp.response(201, AdminWarehouseOut)
def create_warehouse(body):
    """Create a warehouse."""
    return inventory.create_warehouse(**body)


@blp.route("/<id:warehouse_id>", methods=["GET"])
@admin_required(*READ_ROLES)
@blp.response(200, AdminWarehouseOut)
def get_warehouse(warehouse_id):
    """One warehouse."""
    return inventory.get_warehouse(warehouse_id)


@blp.route("/<id:warehouse_id>", methods=["PATCH"])
@admin_required(*WRITE_ROLES)
@blp.arguments(AdminWarehousePatchBody)
@blp.response(200, AdminWarehouseOut)
def update_warehouse(body, warehouse_id):
    """Change a warehouse; `active: false` retires it (its history stays)."""
    return inventory.update_warehouse(warehouse_id, **body)


@blp.route("/<id:warehouse_id>/thresholds/<id:product_id>", methods=["PUT"])
@admin_required(*WRITE_ROLES)
@blp.arguments(AdminThresholdBody)
@blp.response(204)
def set_threshold(body, warehouse_id, product_id):
    """This warehouse's low-stock threshold for a product (null: the product's default)."""
    inventory.set_threshold(warehouse_id=warehouse_id, product_id=product_id, threshold=body["threshold"])
