"""The catalogue: products, level prices with their history, price ranges."""
import datetime

from peewee import AutoField, BooleanField, Check, CharField, DateTimeField, ForeignKeyField, IntegerField, Model


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class AgentLevel(Base):
        id = AutoField()

    class Product(Base):
        id = AutoField()
        name = CharField(max_length=64)
        spec = CharField(max_length=64, default="")
        unit = CharField(max_length=8, default="件")
        gtin = CharField(max_length=14, null=True, unique=True)
        image_url = CharField(max_length=255, default="")
        cost_fen = IntegerField(default=0)
        retail_fen = IntegerField(default=0)
        low_stock_threshold = IntegerField(default=0)
        active = BooleanField(default=True)
        created_at = DateTimeField(default=datetime.datetime.utcnow)

    class LevelPrice(Base):
        id = AutoField()
        product = ForeignKeyField(Product, on_delete="RESTRICT")
        level = ForeignKeyField(AgentLevel, on_delete="RESTRICT")
        price_fen = IntegerField(constraints=[Check("price_fen > 0")])
        updated_at = DateTimeField(default=datetime.datetime.utcnow)

        class Meta:
            indexes = ((("product", "level"), True),)

    class LevelPriceChange(Base):
        id = AutoField()
        product = ForeignKeyField(Product, on_delete="RESTRICT")
        level = ForeignKeyField(AgentLevel, on_delete="RESTRICT")
        old_fen = IntegerField(null=True)
        new_fen = IntegerField()
        changed_by = CharField(max_length=48, default="")
        changed_at = DateTimeField(default=datetime.datetime.utcnow)

        class Meta:
            indexes = ((("product", "changed_at"), False),)

    class PriceRange(Base):
        id = AutoField()
        product = ForeignKeyField(Product, on_delete="RESTRICT")
        level = ForeignKeyField(AgentLevel, on_delete="RESTRICT")
        min_fen = IntegerField()
        max_fen = IntegerField()
        updated_at = DateTimeField(default=datetime.datetime.utcnow)

        class Meta:
            indexes = ((("product", "level"), True),)
            constraints = [Check("min_fen >= 0"), Check("min_fen <= max_fen")]

    db.create_tables([Product, LevelPrice, LevelPriceChange, PriceRange])


def down(migrator, db):
    for table in ("price_range", "level_price_change", "level_price", "product"):
        db.execute_sql(f"DROP TABLE IF EXISTS {table}")
