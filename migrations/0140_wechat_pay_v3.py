"""WeChat Pay APIv3: an order's JSAPI payment (recorded before WeChat is asked) and refunds sent back through
WeChat, pending until WeChat says how they ended."""
import datetime

from peewee import AutoField, BigIntegerField, BooleanField, CharField, DateTimeField, ForeignKeyField, Model, TextField


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Order(Base):
        id = AutoField()

        class Meta:
            table_name = "sales_order"

    class OrderRefund(Base):
        id = AutoField()

    class WechatPayment(Base):
        id = AutoField()
        order = ForeignKeyField(Order, unique=True, on_delete="CASCADE")
        out_trade_no = CharField(max_length=32, unique=True)
        amount_fen = BigIntegerField()
        payer_openid = CharField(max_length=128)
        expires_at = DateTimeField()
        prepay_id = CharField(max_length=64, default="")
        status = CharField(max_length=16, default="started")
        transaction_id = CharField(max_length=32, default="")
        created_at = DateTimeField(default=datetime.datetime.utcnow)
        checked_at = DateTimeField(null=True)
        paid_at = DateTimeField(null=True)

        class Meta:
            indexes = ((("status", "checked_at"), False),)

    class WechatRefund(Base):
        id = AutoField()
        order = ForeignKeyField(Order, on_delete="CASCADE")
        out_refund_no = CharField(max_length=64, unique=True)
        amount_fen = BigIntegerField()
        shipping_fen = BigIntegerField(default=0)
        whole_order = BooleanField()
        goods_back = BooleanField()
        lines = TextField(default="[]")
        reason = CharField(max_length=255)
        actor = CharField(max_length=48)
        status = CharField(max_length=16, default="refunding")
        refund_id = CharField(max_length=64, default="")
        failure = CharField(max_length=64, default="")
        order_refund = ForeignKeyField(OrderRefund, null=True, on_delete="SET NULL")
        created_at = DateTimeField(default=datetime.datetime.utcnow)
        checked_at = DateTimeField(null=True)
        settled_at = DateTimeField(null=True)

        class Meta:
            indexes = ((("status", "checked_at"), False),)

    db.create_tables([WechatPayment, WechatRefund])


def down(migrator, db):
    db.execute_sql("DROP TABLE IF EXISTS wechat_refund")
    db.execute_sql("DROP TABLE IF EXISTS wechat_payment")
