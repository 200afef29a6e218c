"""Index agents by when they joined: new-agent counts on the dashboard, in chat and in reviews read a range of it."""
from playhouse.migrate import make_index_name


def up(migrator, db):
    migrator.migrate(migrator.add_index("agent", ("joined_at",), False))


def down(migrator, db):
    migrator.migrate(migrator.drop_index("agent", make_index_name("agent", ["joined_at"])))
