"""Each buyer's first order claimed once, keyed by the buyer, filled from the settlements so far (any buyer
with one has had its first order)."""
from peewee import AutoField, BigIntegerField, ForeignKeyField, Model


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Agent(Base):
        id = AutoField()

    class BuyerFirstOrder(Base):
        buyer_agent = ForeignKeyField(Agent, primary_key=True, on_delete="RESTRICT")
        order_id = BigIntegerField()

    db.create_tables([BuyerFirstOrder])
    db.execute_sql("INSERT INTO buyer_first_order (buyer_agent_id, order_id) "
                   "SELECT buyer_agent_id, MIN(order_id) FROM order_settlement "
                   "WHERE buyer_agent_id IS NOT NULL GROUP BY buyer_agent_id")


def down(migrator, db):
    db.execute_sql("DROP TABLE IF EXISTS buyer_first_order")
