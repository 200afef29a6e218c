"""Login attempts are recorded before the password is checked (`pending` until it fails), so racing
guesses are all counted; a success removes its own row."""
from peewee import BooleanField


def up(migrator, db):
    migrator.migrate(migrator.add_column("login_failure", "pending", BooleanField(default=False)))


def down(migrator, db):
    migrator.migrate(migrator.drop_column("login_failure", "pending"))
