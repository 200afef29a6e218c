"""Codes in the mini-program: a consumer's look-up (the scan page as JSON), PIN and report; an agent's retail
sales (checked against the level's price range)."""
from flask import g, request

from app.authorization import service as authorization
from app.codes import service as codes
from app.http import Blueprint, agent_required, client_ip, wechat_login_optional
from app.orders import service as orders
from app.ratelimit import lookup_limited
from app.schemas import PageArgs, RowId, Schema, UtcDateTime, Yuan, fields, page_body, page_schema, validate

blp = Blueprint("mp_codes", __name__, url_prefix="/api/mp/codes", description="防伪查询")
sales_blp = Blueprint("mp_retail_sales", __name__, url_prefix="/api/mp/retail-sales", description="零售登记")


class MpCodeLookupArgs(Schema):
    province = fields.String(load_default="", validate=validate.Length(max=32))
    city = fields.String(load_default="", validate=validate.Length(max=32))


class MpCodeMyOrderOut(Schema):
    id = fields.Integer()
    order_no = fields.Function(orders.order_no)
    shipped_at = UtcDateTime(allow_none=True)


class MpCodeVerdictOut(Schema):
    verdict = fields.String()
    genuine = fields.Boolean()
    message = fields.String()
    code = fields.String()
    brand = fields.String()
    product_name = fields.String()
    product_spec = fields.String()
    product_image = fields.String(metadata={"description": "the product's first photo (absolute URL), or empty"})
    lot = fields.String()
    scans_before = fields.Integer()
    first_scan_at = UtcDateTime(allow_none=True)
    first_scan_place = fields.String()
    warning = fields.Boolean()
    has_pin = fields.Boolean()
    unshipped = fields.Boolean(metadata={"description": "the code was never shipped: its labels may have leaked"})
    report_token = fields.String(allow_none=True)
    my_order = fields.Nested(MpCodeMyOrderOut, allow_none=True,
                             metadata={"description": "for a signed-in agent's own goods: the order they came in"})
    authorization_url = fields.String(allow_none=True, metadata={
        "description": "the verification page (/a/<授权编号>) of the agent the goods were shipped to, where the brand "
                       "allows it (SCAN_SHOWS_AUTHORIZATION); else null"})


class MpCodePinBody(Schema):
    pin = fields.String(required=True, validate=validate.Length(min=1, max=16))


class MpCodePinOut(Schema):
    result = fields.String()


class MpCodeReportBody(Schema):
    report_token = fields.String(required=True, validate=validate.Length(min=1, max=512))
    province = fields.String(load_default="", validate=validate.Length(max=32))
    city = fields.String(load_default="", validate=validate.Length(max=32))
    price = Yuan(load_default=None, allow_none=True)
    place = fields.String(load_default="", validate=validate.Length(max=64))


class MpRetailItemBody(Schema):
    product_id = RowId(required=True)
    quantity = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=10000))
    unit_price = Yuan(required=True, data_key="unit_price", attribute="unit_fen")


class MpRetailSaleBody(Schema):
    client_ref = fields.String(required=True, validate=validate.Length(min=1, max=64))
    customer_name = fields.String(required=True, validate=validate.Length(min=1, max=64))
    customer_phone = fields.String(load_default="", validate=validate.Length(max=20))
    items = fields.List(fields.Nested(MpRetailItemBody), required=True, validate=validate.Length(min=1, max=50))
    codes = fields.List(fields.String(validate=validate.Length(min=1, max=64)), load_default=list,
                        validate=validate.Length(max=500),
                        metadata={"description": "item codes scanned into the sale (optional), each shipped to me"})


class MpRetailLineOut(Schema):
    product_id = fields.Integer()
    quantity = fields.Integer()
    unit_price = Yuan(attribute="unit_fen")


class MpRetailSaleOut(Schema):
    id = fields.Integer()
    client_ref = fields.String()
    customer_name = fields.String()
    customer_phone = fields.String()
    total = Yuan(attribute="total_fen")
    at = UtcDateTime()
    lines = fields.List(fields.Nested(MpRetailLineOut))
    codes = fields.Function(lambda sale: [row.code.code for row in sale.codes])


class MpRetailSaleResultOut(Schema):
    sale = fields.Nested(MpRetailSaleOut)
    repeated = fields.Boolean()
    out_of_range = fields.Integer()


class _WithMyOrder:
    """A verdict as the signed-in agent sees it: the consumer's answer plus the order of its own goods, and the
    link to the seller's authorization where the scan page shows it."""

    def __init__(self, verdict, my_order, authorization_url):
        self._verdict, self.my_order, self.authorization_url = verdict, my_order, authorization_url

    def __getattr__(self, name):
        return getattr(self._verdict, name)


@blp.route("/<string:code>", methods=["GET"])
@wechat_login_optional
@lookup_limited
@blp.arguments(MpCodeLookupArgs, location="query")
@blp.response(200, MpCodeVerdictOut)
def look_up(args, code):
    """Check a code (the scan page as JSON); the scan is recorded with the user's openid when signed in, and a
    signed-in agent checking goods of its own also sees the order they were shipped in (my_order)."""
    verdict = codes.look_up(text=code[:64], ip=client_ip(), user_agent=request.headers.get("User-Agent", ""),
                            openid=g.openid, province=args["province"], city=args["city"], channel="mp")
    my_order = orders.order_shipped_with_code(code[:64], wechat_user_id=g.wechat_user.id if g.wechat_user else None)
    url = (authorization.verify_url_for_agent(agent_id=verdict.agent_id)
           if verdict.genuine and not verdict.unshipped else None)
    return _WithMyOrder(verdict, my_order, url)


@blp.route("/<string:code>/pin", methods=["POST"])
@wechat_login_optional
@lookup_limited
@blp.arguments(MpCodePinBody)
@blp.response(200, MpCodePinOut)
def check_pin(body, code):
    """Check a code's scratch-off PIN: correct, wrong, locked or no_pin."""
    return {"result": codes.check_pin(text=code[:64], pin=body["pin"], ip=client_ip(), openid=g.openid)}


@blp.route("/<string:code>/report", methods=["POST"])
@wechat_login_optional
@lookup_limited
@blp.arguments(MpCodeReportBody)
@blp.response(204)
def report(body, code):
    """After a look-up: the consumer's region, the price paid and where they bought."""
    codes.report(text=code[:64], token=body["report_token"], province=body["province"], city=body["city"],
                 price_fen=body["price"], place=body["place"])


@sales_blp.route("", methods=["POST"])
@agent_required
@sales_blp.arguments(MpRetailSaleBody)
@sales_blp.response(201, MpRetailSaleResultOut)
def record_sale(body):
    """Record a sale to a customer; prices outside the level's range are reported to the brand."""
    sale, found, repeated = codes.record_retail_sale(agent_id=g.agent.id, **body)
    return {"sale": sale, "repeated": repeated, "out_of_range": len(found)}


@sales_blp.route("", methods=["GET"])
@agent_required
@sales_blp.arguments(PageArgs, location="query")
@sales_blp.response(200, page_schema(MpRetailSaleOut))
def list_sales(args):
    """The calling agent's recorded sales, newest first."""
    return page_body(codes.list_retail_sales(agent_id=g.agent.id, page=args["page"], per_page=args["per_page"]),
                     args)
