"""Background tasks of the console: queued, claimed by one worker, with progress and a result file."""
import datetime

from peewee import AutoField, CharField, DateTimeField, ForeignKeyField, IntegerField, Model, TextField


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class AdminUser(Base):
        id = AutoField()

    class BackgroundTask(Base):
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
        created_at = DateTimeField(default=datetime.datetime.utcnow)
        started_at = DateTimeField(null=True)
        finished_at = DateTimeField(null=True)
        heartbeat_at = DateTimeField(null=True)

        class Meta:
            indexes = ((("status", "id"), False),)

    db.create_tables([BackgroundTask])


def down(migrator, db):
    db.execute_sql("DROP TABLE IF EXISTS background_task")
