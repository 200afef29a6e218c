"""Request/response schema plumbing: Chinese validation messages and the money field.

Every door validates bodies with marshmallow schemas (through flask-smorest, which
also writes the OpenAPI document). Users read these messages, so they are Chinese.
"""
from datetime import date, datetime, time

from marshmallow import Schema, ValidationError, fields, validate

from app.clock import isoformat
from app.money import format_yuan, parse_yuan

_FIELD_MESSAGES = {
    fields.Field: {"required": "必填", "null": "不能为空", "validator_failed": "值无效"},
    fields.String: {"invalid": "必须是字符串", "invalid_utf8": "不是有效的 UTF-8 字符串"},
    fields.Number: {"invalid": "必须是数字", "too_large": "数值过大"},
    fields.Integer: {"invalid": "必须是整数"},
    fields.Float: {"special": "不能是 NaN 或无穷大"},
    fields.Decimal: {"special": "不能是 NaN 或无穷大"},
    fields.Boolean: {"invalid": "必须是 true 或 false"},
    fields.DateTime: {"invalid": "日期时间格式不正确", "invalid_awareness": "日期时间格式不正确",
                      "format": "日期时间格式不正确"},
    fields.Date: {"invalid": "日期格式不正确，应为 YYYY-MM-DD", "format": "日期格式不正确"},
    fields.List: {"invalid": "必须是列表"},
    fields.Tuple: {"invalid": "必须是列表"},
    fields.Nested: {"type": "必须是对象"},
    fields.Mapping: {"invalid": "必须是对象"},
    fields.Url: {"invalid": "网址格式不正确"},
    fields.Email: {"invalid": "邮箱格式不正确"},
    fields.UUID: {"invalid_uuid": "UUID 格式不正确"},
}


def _use_chinese_messages():
    for field_class, messages in _FIELD_MESSAGES.items():
        field_class.default_error_messages = {**field_class.default_error_messages, **messages}
    Schema._default_error_messages = {**Schema._default_error_messages,
                                      "type": "必须是 JSON 对象", "unknown": "未知字段"}
    validate.Length.message_min = "长度不能少于 {min}"
    validate.Length.message_max = "长度不能超过 {max}"
    validate.Length.message_all = "长度必须在 {min} 到 {max} 之间"
    validate.Length.message_equal = "长度必须为 {equal}"
    validate.Range.message_min = "必须{min_op} {{min}}"
    validate.Range.message_max = "必须{max_op} {{max}}"
    validate.Range.message_all = "必须{min_op} {{min}} 且{max_op} {{max}}"
    validate.Range.message_gte, validate.Range.message_gt = "大于等于", "大于"
    validate.Range.message_lte, validate.Range.message_lt = "小于等于", "小于"
    validate.OneOf.default_message = "必须是以下之一：{choices}"
    validate.Regexp.default_message = "格式不正确"
    validate.Email.default_message = "邮箱格式不正确"
    validate.URL.default_message = "网址格式不正确"
    validate.Equal.default_message = "必须等于 {other}"
    validate.Predicate.default_message = "值无效"
    validate.NoneOf.default_message = "值无效"


_use_chinese_messages()


class Yuan(fields.Field):
    """Money: "12.34" yuan in JSON, 1234 integer fen inside."""

    default_error_messages = {"invalid": "金额格式不正确，应为最多两位小数的数字字符串，如 \"12.34\""}

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else format_yuan(value)

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return parse_yuan(value)
        except ValueError as exc:
            raise self.make_error("invalid") from exc


class ErrorBodySchema(Schema):
    """The one error shape (documented for OpenAPI)."""

    class ErrorSchema(Schema):
        code = fields.String(required=True)
        message = fields.String(required=True)
        fields = fields.Dict(keys=fields.String(), values=fields.String())

    error = fields.Nested(ErrorSchema, required=True)


def flatten_messages(messages, prefix=""):
    """marshmallow's nested {"items": {0: {"qty": ["必填"]}}} as {"items.0.qty": "必填"}."""
    flat = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            flat.update(flatten_messages(value, path))
    elif isinstance(messages, list) and messages and all(isinstance(m, str) for m in messages):
        flat[prefix or "_body"] = "；".join(messages)
    elif isinstance(messages, list):
        for index, value in enumerate(messages):
            flat.update(flatten_messages(value, f"{prefix}.{index}" if prefix else str(index)))
    else:
        flat[prefix or "_body"] = str(messages)
    return flat


__all__ = ["Schema", "ValidationError", "fields", "validate", "Yuan", "UtcDateTime", "RowId", "ErrorBodySchema",
           "flatten_messages", "PageArgs", "page_schema", "page_body", "PeriodDate", "PeriodDateTime"]


class UtcDateTime(fields.DateTime):
    """A stored (naive UTC) datetime, written as ISO 8601 with its +00:00 offset."""

    def _serialize(self, value, attr, obj, **kwargs):
        return isoformat(value)


EARLIEST_DATE, LATEST_DATE = date(2000, 1, 1), date(2099, 12, 31)


class PeriodDate(fields.Date):
    """A local date bounding a report or filter, within 2000–2099.

    The services turn it into UTC instants (a day in Asia/Shanghai starts the day before in
    UTC) and add a day to an end date: 0001-01-01 or 9999-12-31 would overflow into a 500.
    """

    def __init__(self, **kwargs):
        super().__init__(validate=validate.Range(min=EARLIEST_DATE, max=LATEST_DATE,
                                                 error="日期应在 2000-01-01 至 2099-12-31 之间"), **kwargs)


class PeriodDateTime(fields.NaiveDateTime):
    """An instant (naive UTC) bounding a filter, within the same years as PeriodDate, for the same reason."""

    def __init__(self, **kwargs):
        super().__init__(validate=validate.Range(min=datetime.combine(EARLIEST_DATE, time.min),
                                                 max=datetime.combine(LATEST_DATE, time.max),
                                                 error="时间应在 2000-01-01 至 2099-12-31 之间"), **kwargs)


MAX_ROW_ID = 2**63 - 1


class RowId(fields.Integer):
    """A row id: a positive integer that fits BIGINT (a larger one would overflow the database driver)."""

    def __init__(self, **kwargs):
        super().__init__(validate=validate.Range(min=1, max=MAX_ROW_ID), **kwargs)


class PageArgs(Schema):
    """?page=&per_page= on every listing (per_page at most 200)."""

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


def page_schema(item_schema):
    """The schema of one page of `item_schema` items: {"items", "total", "page", "per_page"}."""
    return Schema.from_dict({"items": fields.List(fields.Nested(item_schema)), "total": fields.Integer(),
                             "page": fields.Integer(), "per_page": fields.Integer()},
                            name=item_schema.__name__.removesuffix("Out") + "PageOut")


def page_body(items_and_total, args):
    """The response body of a page: a service's (items, total) and the request's page arguments."""
    items, total = items_and_total
    return {"items": items, "total": total, "page": args["page"], "per_page": args["per_page"]}
