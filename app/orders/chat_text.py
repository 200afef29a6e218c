"""Recognisers for pieces of chat text: labels, phone numbers, quantities, names.

Pure helpers of the quick-entry parser. They work on text already normalised by
`normalize` (NFKC: full-width digits, letters and punctuation become ASCII), and
on "views" of it where consumed characters are replaced by HARD_BREAK so that
offsets never move.
"""
import re
import unicodedata

from app import phones

HARD_BREAK = "\n"
# Characters that separate the pieces of a chat message (after NFKC).
SEPARATORS = frozenset(" \t\n,;:、|【】[]「」『』<>《》\"'“”‘’!?。…~=")
KEEP_CONTROLS = frozenset("\n\t")

LABEL_KINDS = {
    "name": "收货人姓名 收件人姓名 收货人 收件人 联系人 姓名 名字",
    "phone": "手机号码 联系电话 联系方式 电话号码 手机号 手机 电话 tel mobile",
    "region": "所在地区 省市区 所在地 地区",
    "address": "详细地址 收货地址 收件地址 地址 住址",
    "item": "商品名称 产品名称 商品 产品 宝贝 货品 品名",
    "quantity": "购买数量 数量 件数",
    "remark": "备注 留言",
}
_LABEL_OF = {word: kind for kind, words in LABEL_KINDS.items() for word in words.split()}
# A label stands at the start of the text or after a separator, and may end with ':' or '】'.
LABEL = re.compile(r"(?<![^\s,;、|【\[(])(%s)\s*[:\]】]?" % "|".join(sorted(_LABEL_OF, key=len, reverse=True)))

MOBILE = re.compile(r"(?<!\d)(?:\+?86[\s-]?)?(1[3-9][0-9])[\s-]?([0-9]{4})[\s-]?([0-9]{4})(?!\d)")
LANDLINE = re.compile(r"(?<!\d)(?:\((0\d{2,3})\)|(0\d{2,3}))[\s-]?([2-9]\d{6,7})(?:(?:-|转)(\d{1,5}))?(?!\d)")

CHINESE_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
NUMBER = r"\d{1,4}|[零一二两三四五六七八九十]{1,3}"
UNITS = "瓶盒支件个套袋罐包份箱条只片组提桶管粒枚张双对本台把块束根"
UNIT = f"[{UNITS}]"
# After a product name: "x2", "×2", "*2", "2瓶", "两盒", or a bare "2" that ends there.
QUANTITY_AFTER = re.compile(
    rf"[ \t:(\-]{{0,3}}(?:[x×*]\s*(?P<times>{NUMBER})\s*{UNIT}?|(?P<counted>{NUMBER})\s*{UNIT}"
    rf"|(?P<bare>\d{{1,4}})(?![\d.a-z%]))")
# Before a product name: "2瓶", "两盒".
QUANTITY_BEFORE = re.compile(rf"(?P<counted>{NUMBER})\s*{UNIT}\s*$")
# A piece that is only a quantity: "x2", "3瓶", "2".
QUANTITY_ONLY = re.compile(rf"^(?:[x×*]\s*(?P<times>{NUMBER})\s*{UNIT}?|(?P<counted>{NUMBER})\s*{UNIT}?)$")
QUANTITY_TAIL = re.compile(rf"\s*(?:[x×*]\s*(?:{NUMBER})\s*{UNIT}?|(?:{NUMBER})\s*{UNIT})$")
# A count glued to the end of a piece with no unit ("面霜2", "精华一"): a quantity only when the rest names a product.
BARE_COUNT_TAIL = re.compile(rf"(?<![\d零一二两三四五六七八九十])(?:{NUMBER})$")
# Anything written like a quantity: "x2", "×2", "*2", "2盒", "两瓶".
QUANTITY_MARK = re.compile(rf"[x×*]\s*(?:{NUMBER})|(?:{NUMBER})\s*{UNIT}")

ADDRESS_WORDS = re.compile(
    "单元|小区|社区|花园|大厦|广场|公寓|中心|胡同|工业|学校|大学|医院|公司|宿舍|市场|酒店|驿站|快递|"
    "[路街道巷弄号栋幢楼层室村镇乡苑院座厦庄屯坊湾城里]")
# Characters a house number ends with: a product written straight after one is no longer address.
STREET_ENDINGS = "号室楼栋幢座层弄门户"
# Characters a house number ends with: a product written straight after one is no longer address.
STREET_ENDINGS = "号室楼栋幢座层弄门户"
SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
    "常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴"
    "霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑"
    "景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝")
COMPOUND_SURNAMES = frozenset("欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 令狐 端木 轩辕 独孤 南宫 西门 呼延".split())
HONORIFICS = ("先生", "女士", "小姐", "老师", "阿姨", "姐", "哥")
NAME_SHAPE = re.compile(r"^[\u3400-\u9fff]{2,4}$|^[\u3400-\u9fff]{2,8}·[\u3400-\u9fff]{2,8}$|^[A-Za-z]{2,20}$")


def normalize(text, limit):
    """The text cut to limit characters, NFKC-normalised, controls blanked, lines unified."""
    text = unicodedata.normalize("NFKC", text[:limit])[:limit]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(char if char in KEEP_CONTROLS or unicodedata.category(char)[0] != "C" else " "
                   for char in text)


def ascii_lower(text):
    """Lower-case ASCII letters only, so that offsets never move."""
    return text.translate(_ASCII_LOWER)


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def label_kind(word):
    """The field kind a label word announces ("收货人" → "name")."""
    return _LABEL_OF[ascii_lower(word)]


def chinese_number(text):
    """2 for "2", "二" or "两", 12 for "十二", 20 for "二十"; None when not a number."""
    if text.isdigit():
        return int(text)
    if "十" not in text:
        return CHINESE_DIGITS.get(text) if len(text) == 1 else None
    tens, _, ones = text.partition("十")
    if len(tens) > 1 or len(ones) > 1 or "十" in ones:
        return None
    tens_value = CHINESE_DIGITS.get(tens, None if tens else 1)
    ones_value = CHINESE_DIGITS.get(ones, None if ones else 0)
    if tens_value is None or ones_value is None:
        return None
    return tens_value * 10 + ones_value


def quantity_of(match):
    """The quantity a QUANTITY_* match names, and whether it was written with a unit or "x"."""
    groups = match.groupdict()
    for group in ("times", "counted", "bare"):
        if groups.get(group):
            return chinese_number(groups[group]), group != "bare"
    return None, False


def phone_value(match):
    """The phone number of a MOBILE or LANDLINE match, written the usual way."""
    if match.re is MOBILE:
        return phones.mobile_digits(match.group(0))
    area = match.group(1) or match.group(2)
    extension = f"-{match.group(4)}" if match.group(4) else ""
    return f"{area}-{match.group(3)}{extension}"


def chunks(view, start=0, end=None):
    """(start, end) of each run of characters between separators in view[start:end]."""
    end = len(view) if end is None else end
    runs, run_start = [], None
    for index in range(start, end):
        if view[index] in SEPARATORS:
            if run_start is not None:
                runs.append((run_start, index))
                run_start = None
        elif run_start is None:
            run_start = index
    if run_start is not None:
        runs.append((run_start, end))
    return runs


def only_separators(text):
    """True when text holds nothing but separators (or nothing)."""
    return all(char in SEPARATORS for char in text)


def looks_like_address(text):
    """True when text has a house number or an address word (路, 号, 小区 …)."""
    return bool(ADDRESS_WORDS.search(text)) or any(char.isdigit() for char in text)


def surname_of(name):
    """The surname a Chinese name starts with, or "" when it starts with none we know."""
    if name[:2] in COMPOUND_SURNAMES:
        return name[:2]
    return name[:1] if name[:1] in SURNAMES else ""


def strip_receiver(name):
    """The name without a trailing 收 ("刘备收" → "刘备")."""
    return name[:-1] if len(name) >= 3 and name.endswith("收") else name


def is_name_shaped(text):
    """True for 2–4 Han characters (or 张先生, 买买提·艾力, Lily): the shape of a consignee's name."""
    return bool(NAME_SHAPE.match(text)) or (text.endswith(HONORIFICS) and 2 <= len(text) <= 4
                                            and bool(surname_of(text)))
