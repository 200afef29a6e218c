"""Phone numbers as people type them: the one reading every phone input goes through.

Typed numbers come with +86, spaces, dashes and full-width digits; all of them
are read the same way, and stored as 11 ASCII digits (a landline, accepted only
where a consignee's phone is asked, as area-number).
"""
import re
import unicodedata

from app.errors import InvalidInput

MOBILE = re.compile(r"1[3-9][0-9]{9}")
LANDLINE = re.compile(r"(0[0-9]{2,3})-?([0-9]{7,8})")
# A nationwide service number (400/800), the usual 客服电话 of a brand.
SERVICE_LINE = re.compile(r"([48]00)-?([0-9]{3})-?([0-9]{4})")
# NFKC turns full-width digits, "＋" and "－" into ASCII; the other dashes stay and are dropped here.
_SPACING = re.compile(r"[\s\-\u2010-\u2015]")
_COUNTRY = re.compile(r"(?:\+|00)?86(?=1[0-9]{10}$)")


def mobile_digits(text):
    """The 11 ASCII digits of a mainland mobile number as typed, or None when it is not one."""
    if not isinstance(text, str):
        return None
    digits = _SPACING.sub("", unicodedata.normalize("NFKC", text))
    digits = _COUNTRY.sub("", digits, count=1) if digits.startswith(("+", "0086", "86")) else digits
    return digits if MOBILE.fullmatch(digits) else None


_PREFIX = re.compile(r"[0-9]{3,11}")


def phone_prefix(text):
    """The ASCII digits of a partly typed mobile number (3 to 11 of them; +86 and spacing dropped), or None:
    for finding someone by the start of a phone number."""
    if not isinstance(text, str):
        return None
    digits = _SPACING.sub("", unicodedata.normalize("NFKC", text))
    digits = re.sub(r"^(?:\+|00)86(?=1)", "", digits)
    return digits if _PREFIX.fullmatch(digits) else None


def normalize_mobile(text, *, field="phone", message="手机号格式不正确，应为11位大陆手机号"):
    """mobile_digits, or InvalidInput on `field` with a Chinese message."""
    digits = mobile_digits(text)
    if digits is None:
        raise InvalidInput.on(field, message)
    return digits


def normalize_contact(text, *, field, message):
    """A mobile number as normalize_mobile, or a landline written area-number (020-12345678)."""
    spaced = unicodedata.normalize("NFKC", text) if isinstance(text, str) else ""
    landline = LANDLINE.fullmatch(re.sub(r"[\s\u2010-\u2015]", "", spaced))
    if landline:
        return f"{landline.group(1)}-{landline.group(2)}"
    return normalize_mobile(text, field=field, message=message)


def normalize_service_phone(text, *, field, message):
    """A customer-service number: a 400/800 number (400-123-4567), a landline or a mobile."""
    spaced = unicodedata.normalize("NFKC", text) if isinstance(text, str) else ""
    service = SERVICE_LINE.fullmatch(re.sub(r"[\s\u2010-\u2015]", "", spaced))
    if service:
        return "-".join(service.groups())
    return normalize_contact(text, field=field, message=message)
