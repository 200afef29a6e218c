"""Codes packed for a 提货 pickup name it in their own column (code.pickup_id); until now they carried minus the
pickup's id as their order id. Those codes move over, so that every stored order id is a real order's."""
from peewee import BigAutoField, BigIntegerField, Model
from playhouse.migrate import make_index_name

INDEX = ("code", ("pickup_id",))


def _code_model(db):
    class Code(Model):
        id = BigAutoField()
        order_id = BigIntegerField(null=True)
        pickup_id = BigIntegerField(null=True)

        class Meta:
            database = db
            table_name = "code"

    return Code


def move_pickup_codes(db):
    """Codes bound with a negative order id name their pickup instead (repeating it changes nothing)."""
    Code = _code_model(db)
    # Two statements: MySQL assigns SET columns left to right, each seeing the ones before it.
    Code.update(pickup_id=Code.order_id * -1).where(Code.order_id < 0).execute()
    Code.update(order_id=None).where(Code.order_id < 0).execute()


def up(migrator, db):
    migrator.migrate(migrator.add_column("code", "pickup_id", BigIntegerField(null=True)),
                     migrator.add_index(*INDEX))
    move_pickup_codes(db)


def down(migrator, db):
    Code = _code_model(db)
    Code.update(order_id=Code.pickup_id * -1).where(Code.pickup_id.is_null(False)).execute()
    Code.update(pickup_id=None).where(Code.pickup_id.is_null(False)).execute()
    migrator.migrate(migrator.drop_index(INDEX[0], make_index_name(*INDEX)), migrator.drop_column("code", "pickup_id"))
