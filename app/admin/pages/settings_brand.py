"""Console page: the brand's profile (品牌设置) — name, logo, customer-service phone and WeChat, shown on the
console's top bar, the consumer's scan page, the label sheet and the mini-program. Every role reads; the owner
writes."""
from flask import request, url_for

from app.admin.pages.settings import OWNER, READERS
from app.admin.pages.web import act, form_values, page, render
from app.brand import service as brand


def _brand_page(status=200, error=None, values=None):
    current = brand.current()
    shown = values or {"name": current.name, "service_phone": current.service_phone,
                       "service_wechat": current.service_wechat}
    return render("settings/brand.html", status, current=current, values=shown, section="brand",
                  errors=error.fields if error else {}, message=error.message if error else None)


@page("/settings/brand", roles=READERS)
def settings_brand():
    """The brand's name, logo and customer-service contact."""
    return _brand_page()


@page("/settings/brand", roles=OWNER, methods=("POST",), endpoint="settings_brand_update")
def settings_brand_update():
    """Save the brand's name and customer-service contact."""
    values = form_values()
    return act(lambda: brand.update_brand(name=values.get("name", ""), service_phone=values.get("service_phone", ""),
                                          service_wechat=values.get("service_wechat", "")),
               done=url_for("console.settings_brand"), message="品牌设置已保存",
               redisplay=lambda exc: _brand_page(exc.status, exc, values))


@page("/settings/brand/logo", roles=OWNER, methods=("POST",))
def settings_brand_logo():
    """Upload the logo (JPG, PNG or WebP, at most 2 MB; re-encoded, transparency on white)."""
    upload = request.files.get("logo")
    content = upload.read() if upload and upload.filename else b""
    return act(lambda: brand.set_logo(content=content), done=url_for("console.settings_brand"),
               message="标志已上传", redisplay=lambda exc: _brand_page(exc.status, exc))


@page("/settings/brand/logo/delete", roles=OWNER, methods=("POST",))
def settings_brand_logo_delete():
    """Show no logo."""
    return act(brand.remove_logo, done=url_for("console.settings_brand"), message="标志已移除",
               redisplay=lambda exc: _brand_page(exc.status, exc))
