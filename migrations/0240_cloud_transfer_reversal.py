"""转货 can be reversed by the brand (cloud_transfer.reversed_at, reversed_by, reversal_reason; commission_fen: what
the rules paid on it, which a reversal does not take back); the goods ledger check
(`flask finance check`) sums every agent's entries from a covering index on (agent_id, amount_fen, held_fen)."""
from peewee import BigIntegerField, CharField, DateTimeField
from playhouse.migrate import make_index_name

GOODS_CHECK_INDEX = ("goods_entry", ("agent_id", "amount_fen", "held_fen"))
COLUMNS = {"reversed_at": DateTimeField(null=True), "reversed_by": CharField(max_length=48, default=""),
           "reversal_reason": CharField(max_length=255, default=""), "commission_fen": BigIntegerField(default=0)}


def up(migrator, db):
    migrator.migrate(*[migrator.add_column("cloud_transfer", name, field) for name, field in COLUMNS.items()],
                     migrator.add_index(*GOODS_CHECK_INDEX))


def down(migrator, db):
    migrator.migrate(migrator.drop_index(GOODS_CHECK_INDEX[0], make_index_name(*GOODS_CHECK_INDEX)),
                     *[migrator.drop_column("cloud_transfer", name) for name in COLUMNS])
