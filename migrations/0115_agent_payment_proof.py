"""An agent uploads its transfer proof before finance confirms: when it did, so the order shows 待确认收款."""
from peewee import DateTimeField


def up(migrator, db):
    migrator.migrate(migrator.add_column("sales_order", "proof_submitted_at", DateTimeField(null=True)))


def down(migrator, db):
    migrator.migrate(migrator.drop_column("sales_order", "proof_submitted_at"))
