"""The heartbeat row a read replica ages its data by (the primary stamps it; replication copies it)."""
from peewee import DateTimeField, IntegerField, Model


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class ReplicaHeartbeat(Base):
        id = IntegerField(primary_key=True)
        beat_at = DateTimeField()

    db.create_tables([ReplicaHeartbeat])


def down(migrator, db):
    db.execute_sql("DROP TABLE replica_heartbeat")
