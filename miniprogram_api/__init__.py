"""The mini-program's JSON API under /api/mp: agents and consumers."""
from miniprogram_api import (agents, auth, authorization, catalogue, cloud, codes, finance, goods_pay, notices, orders,
                             pay, wechat)

BLUEPRINTS = [auth.blp, agents.blp, agents.me_blp, catalogue.blp, orders.blp, pay.blp, codes.blp, codes.sales_blp,
              wechat.blp, finance.blp, notices.blp, authorization.blp, goods_pay.blp, cloud.blp]
