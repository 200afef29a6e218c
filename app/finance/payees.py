"""Where a withdrawal is paid: the agent's WeChat change, a bank card or an Alipay account.

Account numbers are shown whole only to the agent who owns them and to finance paying an
approved request; lists, exports and logs carry the masked form (the last four characters).
"""
import re
from dataclasses import dataclass

from app.errors import InvalidInput

PAYEE_KINDS = {"wechat": "微信零钱", "bank": "银行卡", "alipay": "支付宝"}
_BANK_CARD = re.compile(r"[0-9]{12,19}")
_ALIPAY = re.compile(r"1[3-9][0-9]{9}|[A-Za-z0-9._%+-]{1,48}@[A-Za-z0-9.-]{1,40}\.[A-Za-z]{2,8}")


@dataclass(frozen=True)
class Payee:
    """A withdrawal's payee; `account` and `bank` are empty for WeChat change (paid to the agent's own WeChat)."""

    kind: str = "wechat"
    name: str = ""
    account: str = ""
    bank: str = ""

    @property
    def account_masked(self):
        return mask(self.account)

    @property
    def kind_name(self):
        return PAYEE_KINDS.get(self.kind, self.kind)


def mask(account):
    """"6222 0212 3456 7890" as "**** 7890"; short or empty accounts stay hidden or empty."""
    if not account:
        return ""
    return "**** " + account[-4:] if len(account) > 4 else "****"


def checked_payee(*, kind="wechat", name="", account="", bank=""):
    """A Payee from what the agent typed, or InvalidInput naming the field (spaces in card numbers are dropped)."""
    if kind not in PAYEE_KINDS:
        raise InvalidInput.on("payee.kind", "收款方式须是微信零钱、银行卡或支付宝")
    name = (name or "").strip()
    if kind != "wechat" and not 1 <= len(name) <= 32:
        raise InvalidInput.on("payee.name", "请填写收款人姓名（不超过32个字）")
    if kind == "wechat":
        return Payee("wechat", name[:32])
    account = re.sub(r"[\s-]", "", account or "") if kind == "bank" else (account or "").strip()
    if kind == "bank" and not _BANK_CARD.fullmatch(account):
        raise InvalidInput.on("payee.account", "银行卡号须是12到19位数字")
    if kind == "alipay" and not _ALIPAY.fullmatch(account):
        raise InvalidInput.on("payee.account", "支付宝账号须是手机号或邮箱")
    bank = (bank or "").strip()
    if kind == "bank" and not 1 <= len(bank) <= 32:
        raise InvalidInput.on("payee.bank", "请填写开户银行（不超过32个字）")
    return Payee(kind, name, account, bank if kind == "bank" else "")
