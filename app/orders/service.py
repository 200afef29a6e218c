"""Orders: the domain's public face for doors and other domains.

The lifecycle after placement (`lifecycle`: reading, every transition, the facts for finance), placing
(`placement`), paying (`payments`, `wechat_payments`), refunding (`refunds`, `wechat_refunds`), parcels and
tracking pages (`tracking`), batch work and documents, the sales rules and reports live in sibling modules
and are re-exported here, with the states and their Chinese names the doors show. The siblings import
`lifecycle`, never this module.
"""
from app.orders import placement, pricing, rules
from app.orders.batch import confirm_payments, mark_picked, ship_from_file  # noqa: F401
from app.orders.documents import EXPORT_HEADERS, export_rows, picking_list_pdf  # noqa: F401
from app.orders.holdings import agent_holdings  # noqa: F401
from app.orders.lifecycle import (CODE_BINDING_STATES, ORDER_NO_PATTERN, SYSTEM, AgentTodo, agent_todo,  # noqa: F401
                                  approve, awaiting_my_approval, bind_codes, cancel, cancel_unapproved, complete,
                                  confirm_payment, day_figures, get_order, get_order_by_no, id_from_order_no,
                                  list_orders, lock_order, lock_order_with_lines, log_event, move_order,
                                  order_no, order_numbers, order_shipped_with_code, overdue, paid_order_facts,
                                  payment_due, pick, receive, receive_step, refund_facts, reject,
                                  reserve_stock, return_to_goods_balance, ship, stock_reference, store,
                                  store_in_cloud, wechat_money)
from app.orders.models import PROMOTION_KINDS  # noqa: F401
from app.orders.payments import (confirm_offline_payment, handle_wechat_notification,  # noqa: F401
                                 pay_with_goods_balance, payment_proof_file, start_wechat_payment,
                                 submit_payment_proof)
from app.orders.placement import (draft_from_text, enter_order, place_order, quote, staff_draft,  # noqa: F401
                                  staff_quote)
from app.orders.refunds import list_refunds, refund  # noqa: F401
from app.orders.reports import by_level, by_period, by_product, by_region, by_status, funnel, totals  # noqa: F401
from app.orders.rules import (create_promotion, delete_promotion, delete_shipping_template,  # noqa: F401
                              list_promotions, list_shipping_templates, put_shipping_template, update_promotion)
from app.orders.states import ACTION_NAMES, PAID_STATES, STATE_NAMES, allowed_actions, next_state  # noqa: F401
from app.orders.tracking import (accept_push, carrier_choices, order_tracking, refresh_trace,  # noqa: F401
                                 resubscribe, revoke_links, share_link, trace_of, tracking_page)
from app.orders.wechat_payments import handle_notification as handle_wechat_payment_notification  # noqa: F401
from app.orders.wechat_refunds import handle_notification as handle_wechat_refund_notification  # noqa: F401
from app.orders.wechat_refunds import handle_v2_notification as handle_wechat_v2_refund_notification  # noqa: F401
from app.orders.wechat_refunds import list_wechat_refunds  # noqa: F401


# For cloud stock's pickups (提货): the consignee and shipping rules every order follows

def checked_consignee(given, *, agent):
    """The consignee of a shipment to or for `agent`, checked as an order's (missing fields are the agent's own)."""
    return placement.consignee_of(given, agent)


def shipping_fen_for(*, province, units, goods_fen):
    """What the shipping templates charge to send `units` worth `goods_fen` to `province`."""
    return pricing.shipping_charge(rules.shipping_rule(province), units, goods_fen)
