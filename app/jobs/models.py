"""The scheduler's lease, the log of job runs and the replicas' heartbeat."""
from peewee import AutoField, CharField, DateTimeField, IntegerField

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


class ReplicaHeartbeat(BaseModel):
    """One row (id 1) the primary stamps with its clock; on a replica its age is how far behind the replica is.

    Written by `app.database.beat_heartbeat` (the scheduler's lease renewal, each lag check) in plain SQL.
    """

    id = IntegerField(primary_key=True)
    beat_at = DateTimeField()
