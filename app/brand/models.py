"""The brand's profile: one row, written from the console's brand settings page."""
from peewee import AutoField, CharField, DateTimeField

from app.clock import utcnow
from app.database import BaseModel

PROFILE_ID = 1


class BrandProfile(BaseModel):
    """The brand as people see it; `logo` is a media name (app/media.py) or empty."""

    id = AutoField()
    name = CharField(max_length=32)
    logo = CharField(max_length=96, default="")
    service_phone = CharField(max_length=20, default="")
    service_wechat = CharField(max_length=32, default="")
    updated_at = DateTimeField(default=utcnow)
