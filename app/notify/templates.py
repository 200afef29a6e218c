"""Template ids and field mappings come from NOTIFY_TEMPLATES (JSON): WeChat's field keys differ per template.

    {"low_stock": {
        "official":     {"template_id": "…", "fields": {"thing1": "{product}", "number2": "{available}"},
                         "page": "pages/stock/index"},
        "mini_program": {"template_id": "…", "fields": {"thing1": "{product}"}, "page": "pages/stock/index"}}}

`official` is a template message of the official account, `mini_program` a subscribe
message of the mini-program. A field is a pattern whose `{name}` placeholders take the
message's data; the value is cut to 20 characters on one line (WeChat's rules). An `official`
entry may also name `url`, a pattern of the web page a tap opens (`{tracking_url}` for order_shipped), used
when no mini-program `page` is set or WeChat cannot open it.
"""
import json
import re
from dataclasses import dataclass
from functools import lru_cache

from app.config import get_settings

OFFICIAL, MINI_PROGRAM = "official", "mini_program"
FIELD_MAX_CHARS = 20
_PLACEHOLDER = re.compile(r"\{(\w+)\}")

# The kinds of message the system sends, as the owner knows them.
KIND_NAMES = {
    "order_paid": "订单已付款", "order_shipped": "订单已发货", "order_approval_needed": "订单待上级审批",
    "order_approved": "订单已审批", "order_rejected": "订单被驳回", "order_stock_short": "订单缺货",
    "order_digest": "订单汇总", "order_paid_after_close": "关单后付款", "low_stock": "库存不足",
    "agent_application_received": "收到入驻申请", "agent_application_approved": "入驻申请通过",
    "agent_promoted": "代理升级", "agent_demoted": "代理降级", "agent_term_expiring": "代理期限将到",
    "commission_credited": "佣金入账", "commission_available": "佣金可提现", "team_bonus_credited": "团队奖入账",
    "withdrawal_approved": "提现已批准", "withdrawal_rejected": "提现被拒绝", "withdrawal_paid": "提现已打款",
    "withdrawal_hold": "提现冻结", "commission_rules_deep": "佣金规则超过三级", "code_flagged": "防伪码异常",
    "code_enumeration": "防伪码被批量查询", "violation_warning": "控价违规警告", "violation_cross_region": "窜货",
    "join_code_guessing": "邀请码或绑定码被批量尝试", "order_proof_submitted": "代理上传付款凭证",
    "order_payment_amount_mismatch": "微信支付金额不符", "order_refund_failed": "微信退款失败",
    "goods_topup_submitted": "代理提交货款充值", "goods_topup_confirmed": "货款充值到账",
    "goods_topup_rejected": "货款充值被拒绝",
    "violation_cross_region_downline": "下级窜货", "violation_price_low": "低于控价", "violation_price_high": "高于控价",
    "order_cancelled": "订单已取消",
    "cloud_transfer_sold": "下级从云仓进货", "cloud_transfer_reversed": "转货已撤销", "pickup_shipped": "提货已发货",
    "withdrawal_transfer_ready": "提现待确认收款", "withdrawal_failed": "提现转账失败，已退回余额",
    "withdrawal_transfer_mismatch": "转账金额不符", "pay_reconciliation_discrepancies": "微信支付对账差异",
    "parcel_stuck": "包裹停滞", "parcel_returned": "包裹退回",
    "authorization_enumeration": "授权查询被批量尝试",
}


@dataclass(frozen=True)
class Template:
    """One configured template: its id, field patterns and the page a tap opens."""

    template_id: str
    fields: dict
    page: str = ""
    url: str = ""  # official only: the web page a tap opens when no mini-program page is set ("{tracking_url}")


@lru_cache(maxsize=4)
def _parse(raw):
    return json.loads(raw or "{}")


def template_for(kind, channel):
    """The template configured for a kind of message on a channel, or None."""
    entry = (_parse(get_settings().NOTIFY_TEMPLATES).get(kind) or {}).get(channel)
    if not isinstance(entry, dict) or not entry.get("template_id"):
        return None
    return Template(str(entry["template_id"]), dict(entry.get("fields") or {}), str(entry.get("page") or ""),
                    str(entry.get("url") or ""))


def configured_kinds():
    """Every kind of message NOTIFY_TEMPLATES names."""
    return list(_parse(get_settings().NOTIFY_TEMPLATES))


def subscribe_templates():
    """[(kind, template id, Chinese title)] of every kind with a mini-program subscribe template, by kind."""
    found = ((kind, template_for(kind, MINI_PROGRAM)) for kind in sorted(configured_kinds()))
    return [(kind, template.template_id, KIND_NAMES.get(kind, kind)) for kind, template in found if template]


def field_value(pattern, data):
    """A pattern filled from data, on one line and at most FIELD_MAX_CHARS characters."""
    value = _PLACEHOLDER.sub(lambda match: str(data.get(match.group(1), "")), str(pattern))
    value = " ".join(value.split())
    return value if len(value) <= FIELD_MAX_CHARS else value[:FIELD_MAX_CHARS - 1] + "…"


def link_of(template, data):
    """The template's web link filled from data (whole: a link is never cut), or None when it names none or
    its placeholders are empty."""
    value = _PLACEHOLDER.sub(lambda match: str(data.get(match.group(1), "")), template.url).strip()
    return value if value.startswith(("https://", "http://")) else None


def render(template, data):
    """The `data` body WeChat expects: {key: {"value": …}} for every configured field."""
    return {key: {"value": field_value(pattern, data)} for key, pattern in template.fields.items()}
