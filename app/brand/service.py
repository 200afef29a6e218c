"""The brand's profile: name, logo and customer-service contact, on the console's top bar, the consumer's scan
page, the label sheet and the mini-program.

Until the owner saves the profile, the name is the BRAND_NAME setting. The profile is read on nearly every page,
so each process keeps it for CACHE_SECONDS: a change shows at once in the process that made it and within that
time in the others.
"""
import re
from dataclasses import dataclass

from app import media, phones
from app.brand.models import PROFILE_ID, BrandProfile
from app.clock import utcnow
from app.config import get_settings
from app.database import db, upsert
from app.errors import InvalidInput
from app.kept import Kept

CACHE_SECONDS = 30
MAX_NAME = 32
# A WeChat ID: 6–20 letters, digits, _ or -, starting with a letter (WeChat's own rule).
WECHAT_ID = re.compile(r"[A-Za-z][A-Za-z0-9_-]{5,19}")

_kept = Kept(CACHE_SECONDS)


@dataclass(frozen=True)
class Brand:
    """`logo_path` for our own pages (same origin), `logo_url` absolute for the mini-program."""

    name: str
    logo_path: str = ""
    logo_url: str = ""
    service_phone: str = ""
    service_wechat: str = ""


def current():
    """The brand as people see it now."""
    return _kept.get("brand", _read)


def forget_cached():
    """Read the profile afresh next time (after a change, or a test's rollback)."""
    _kept.forget()


def _read():
    row = BrandProfile.get_or_none(BrandProfile.id == PROFILE_ID)
    if row is None:
        return Brand(name=get_settings().BRAND_NAME)
    return Brand(name=row.name, logo_path=f"/media/{row.logo}" if row.logo else "",
                 logo_url=media.media_url(row.logo) if row.logo else "",
                 service_phone=row.service_phone, service_wechat=row.service_wechat)


def _checked_name(name):
    name = (name or "").strip()
    if not name:
        raise InvalidInput.on("name", "请填写品牌名称")
    if len(name) > MAX_NAME:
        raise InvalidInput.on("name", f"品牌名称不超过{MAX_NAME}个字")
    return name


def _checked_wechat(wechat_id):
    wechat_id = (wechat_id or "").strip()
    if wechat_id and not WECHAT_ID.fullmatch(wechat_id):
        raise InvalidInput.on("service_wechat", "微信号为6–20位字母、数字、下划线或减号，以字母开头")
    return wechat_id


def update_brand(*, name, service_phone="", service_wechat=""):
    """Save the brand's name and customer-service contact (400-123-4567, 020-12345678 or a mobile)."""
    phone = (service_phone or "").strip()
    values = {"id": PROFILE_ID, "name": _checked_name(name), "updated_at": utcnow(),
              "service_phone": phones.normalize_service_phone(
                  phone, field="service_phone", message="客服电话格式不正确（400电话、区号-号码或手机号）")
              if phone else "",
              "service_wechat": _checked_wechat(service_wechat)}
    with db.atomic():
        upsert(BrandProfile, values, conflict_fields=[BrandProfile.id],
               update_fields=[BrandProfile.name, BrandProfile.service_phone, BrandProfile.service_wechat,
                              BrandProfile.updated_at])
    forget_cached()
    return current()


def set_logo(*, content):
    """Store an uploaded logo (JPG, PNG or WebP up to 2 MB; transparency on white) as the brand's logo."""
    name = media.store_image(content, folder="brand", field="logo")
    with db.atomic():
        upsert(BrandProfile, {"id": PROFILE_ID, "name": current().name, "logo": name, "updated_at": utcnow()},
               conflict_fields=[BrandProfile.id], update_fields=[BrandProfile.logo, BrandProfile.updated_at])
    forget_cached()
    return current()


def remove_logo():
    """Show no logo any more."""
    BrandProfile.update(logo="", updated_at=utcnow()).where(BrandProfile.id == PROFILE_ID).execute()
    forget_cached()
    return current()
