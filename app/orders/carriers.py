"""The carriers a shipment may name: one list, with 快递100's company codes and the names people use.

A shipment names its carrier by code (`shunfeng`) or by any of its names (顺丰, 顺丰速运, SF);
the order keeps the short Chinese name and the parcel the code the provider knows.
"""
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Carrier:
    """A carrier: 快递100 company code, the short Chinese name shown everywhere, and other names it goes by."""

    code: str
    name: str
    aliases: tuple = ()
    needs_phone: bool = False  # 快递100 answers these carriers' traces only with the consignee's phone


CARRIERS = (
    Carrier("shunfeng", "顺丰", ("顺丰速运", "顺丰快递", "sf", "sf express"), needs_phone=True),
    Carrier("zhongtong", "中通", ("中通快递", "zto")),
    Carrier("yuantong", "圆通", ("圆通速递", "圆通快递", "yto")),
    Carrier("yunda", "韵达", ("韵达快递", "韵达速递")),
    Carrier("shentong", "申通", ("申通快递", "sto")),
    Carrier("jtexpress", "极兔", ("极兔速递", "极兔快递", "j&t", "jt")),
    Carrier("ems", "EMS", ("中国邮政ems", "邮政ems", "ems快递")),
    Carrier("jd", "京东", ("京东快递", "京东物流")),
    Carrier("youzhengguonei", "邮政", ("邮政快递包裹", "中国邮政", "邮政包裹", "邮政快递")),
    Carrier("debangwuliu", "德邦", ("德邦快递", "德邦物流")),
    Carrier("zhaijisong", "宅急送", ()),
    Carrier("danniao", "丹鸟", ("丹鸟快递",)),
)

_BY_WORD = {}
for _carrier in CARRIERS:
    for _word in (_carrier.code, _carrier.name, *_carrier.aliases):
        _BY_WORD[_word.casefold()] = _carrier


def carrier_named(text):
    """The carrier a code or name means (spaces, width and case ignored), or None."""
    word = unicodedata.normalize("NFKC", text or "").strip().casefold() if isinstance(text, str) else ""
    return _BY_WORD.get(word)


def carrier_of_code(code):
    """The carrier with this 快递100 code, or None."""
    carrier = _BY_WORD.get((code or "").casefold())
    return carrier if carrier is not None and carrier.code == code else None


def names_list():
    """The carriers' short names, for a message listing them."""
    return "、".join(carrier.name for carrier in CARRIERS)
