"""The scheduler's lease and the log of job runs."""
from peewee import AutoField, CharField, DateTimeField

from app.clock import utcnow
from app.database import BaseModel


class SchedulerLease(BaseModel):
    """Who runs the jobs: the holder renews `expires_at`; anyone may take an expired lease."""

    id = AutoField()
    name = CharField(max_length=32, unique=True)
    holder = CharField(max_length=128)
    expires_at = DateTimeField()


class JobRun(BaseModel):
    """One run of a job: by whom, when, and how it ended (running, ok, failed)."""

    id = AutoField()
    job = CharField(max_length=48)
    holder = CharField(max_length=128)
    status = CharField(max_length=16, default="running")
    detail = CharField(max_length=255, default="")
    started_at = DateTimeField(default=utcnow)
    finished_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("job", "started_at"), False),)
