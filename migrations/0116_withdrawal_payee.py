"""A withdrawal names where the money goes: WeChat change, a bank card or an Alipay account."""
from peewee import CharField

COLUMNS = (("payee_kind", 16), ("payee_name", 32), ("payee_account", 64), ("payee_bank", 32))


def up(migrator, db):
    migrator.migrate(*[migrator.add_column("withdrawal", name, CharField(max_length=size, default=""))
                       for name, size in COLUMNS])


def down(migrator, db):
    migrator.migrate(*[migrator.drop_column("withdrawal", name) for name, _ in COLUMNS])
