"""Parcel tracking: each shipped order's parcel with its provider subscription, its trace events, the pushes
already taken (replays are refused), and the customer's revocable share links (`/t/<token>`)."""
from peewee import (AutoField, BigAutoField, BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField,
                    Model)

from app.clock import utcnow


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Order(Base):
        id = AutoField()

        class Meta:
            table_name = "sales_order"

    class Parcel(Base):
        id = AutoField()
        order = ForeignKeyField(Order, unique=True, on_delete="CASCADE")
        carrier_code = CharField(max_length=32)
        tracking_no = CharField(max_length=64)
        phone = CharField(max_length=20, default="")
        subscription = CharField(max_length=16, default="pending")
        attempts = IntegerField(default=0)
        next_attempt_at = DateTimeField(null=True)
        last_error = CharField(max_length=255, default="")
        callback_token = CharField(max_length=48, unique=True)
        salt = CharField(max_length=32)
        state = CharField(max_length=8, default="")
        last_trace_at = DateTimeField(null=True)
        stuck_since = DateTimeField(null=True)
        created_at = DateTimeField(default=utcnow)

        class Meta:
            indexes = ((("subscription", "next_attempt_at"), False),)

    class ParcelEvent(Base):
        id = BigAutoField()
        parcel = ForeignKeyField(Parcel, on_delete="CASCADE")
        digest = CharField(max_length=40)
        at = DateTimeField()
        place = CharField(max_length=64, default="")
        text = CharField(max_length=255)
        status = CharField(max_length=16, default="")

        class Meta:
            indexes = ((("parcel", "digest"), True), (("parcel", "at"), False))

    class ParcelPush(Base):
        id = BigAutoField()
        parcel = ForeignKeyField(Parcel, on_delete="CASCADE")
        digest = CharField(max_length=64, unique=True)
        received_at = DateTimeField(default=utcnow)

    class TrackingLink(Base):
        id = AutoField()
        order = ForeignKeyField(Order, on_delete="CASCADE")
        token = CharField(max_length=48, unique=True)
        show_prices = BooleanField(default=False)
        created_by = CharField(max_length=48)
        created_at = DateTimeField(default=utcnow)
        revoked_at = DateTimeField(null=True)

        class Meta:
            indexes = ((("order", "revoked_at"), False),)

    db.create_tables([Parcel, ParcelEvent, ParcelPush, TrackingLink])


def down(migrator, db):
    for table in ("tracking_link", "parcel_push", "parcel_event", "parcel"):
        db.execute_sql(f"DROP TABLE {table}")
