"""The daily reconciliation reads the refunds WeChat Pay settled on a day: an index on (settled_at, status)."""


def up(migrator, db):
    migrator.migrate(migrator.add_index("wechat_refund", ("settled_at", "status"), False))


def down(migrator, db):
    migrator.migrate(migrator.drop_index("wechat_refund", "wechat_refund_settled_at_status"))
