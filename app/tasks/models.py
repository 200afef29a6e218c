"""A background task: what to run, who asked, how far it got and what it produced."""
from peewee import AutoField, CharField, DateTimeField, ForeignKeyField, IntegerField, TextField

from app.accounts.models import AdminUser
from app.clock import utcnow
from app.database import BaseModel

TASK_STATUSES = ("queued", "running", "done", "failed")
TASK_STATUS_NAMES = {"queued": "排队中", "running": "进行中", "done": "已完成", "failed": "失败"}


class BackgroundTask(BaseModel):
    """One long operation: queued by a console user, claimed by one worker, which beats `heartbeat_at` while it runs.

    `result` is JSON the kind's handler leaves behind (a batch id); a file result is
    stored at `result_path` and downloaded as `result_name`.
    """

    id = AutoField()
    kind = CharField(max_length=32)
    params = TextField(default="{}")
    status = CharField(max_length=16, default="queued")
    done = IntegerField(default=0)
    total = IntegerField(default=0)
    result = TextField(default="{}")
    result_path = CharField(max_length=255, default="")
    result_name = CharField(max_length=128, default="")
    result_mimetype = CharField(max_length=128, default="")
    error = CharField(max_length=255, default="")
    attempts = IntegerField(default=0)
    worker = CharField(max_length=128, default="")
    created_by = ForeignKeyField(AdminUser, on_delete="RESTRICT")
    created_at = DateTimeField(default=utcnow)
    started_at = DateTimeField(null=True)
    finished_at = DateTimeField(null=True)
    heartbeat_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("status", "id"), False),)
