"""Chat bindings and bind tokens remember the console account's token version: revoking its sessions
revokes the binding's powers too."""
from peewee import IntegerField


def up(migrator, db):
    migrator.migrate(migrator.add_column("wechat_binding", "token_version", IntegerField(default=0)),
                     migrator.add_column("bind_token", "token_version", IntegerField(default=0)))


def down(migrator, db):
    migrator.migrate(migrator.drop_column("wechat_binding", "token_version"),
                     migrator.drop_column("bind_token", "token_version"))
