"""Where a scan's place came from (its address located, or the consumer's word), and which of them a 窜货 rests on.
Places recorded before were all the consumer's word."""
from peewee import CharField


def up(migrator, db):
    migrator.migrate(migrator.add_column("code_scan", "place_source", CharField(max_length=8, default="")),
                     migrator.add_column("violation", "place_source", CharField(max_length=8, default="")))
    db.execute_sql("UPDATE code_scan SET place_source = 'consumer' WHERE province <> ''")
    db.execute_sql("UPDATE violation SET place_source = 'consumer' WHERE kind = 'cross_region'")


def down(migrator, db):
    migrator.migrate(migrator.drop_column("violation", "place_source"),
                     migrator.drop_column("code_scan", "place_source"))
