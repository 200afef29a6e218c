"""Cloud stock (云仓): the domain's public face for doors and other domains.

An agent's cloud units are a ledger (`ledger`): every change is a CloudMove (reason, reference) written with the
change of its CloudStock row in one transaction, a decrement one guarded UPDATE, so units never go negative. In the
warehouse the same units sit in the Stock row's `reserved` (inventory's `cloud_in` / `cloud_out` moves):

    on-hand = free stock + every agent's cloud units + order reservations

The use cases live in sibling modules and are re-exported here: buying into cloud stock and refunds of stored cloud
orders (`purchases`), 转货 and their reversal (`transfers`), 提货 pickups (`pickups`), and what can be seen, with
`check_ledger`, which verifies the equation above (`flask stock check`) (`views`).
"""
from app.cloud.models import MOVE_REASONS  # noqa: F401
from app.cloud.pickups import (PICKUP_STATE_NAMES, cancel_pickup, get_pickup, list_pickups, pick_pickup,  # noqa: F401
                               picked_up_to_self, pickup_reference, request_pickup, ship_pickup)
from app.cloud.purchases import add_purchase, take_back_refunded  # noqa: F401
from app.cloud.transfers import (TransferResult, UplineOffer, reverse_transfer, transfer_from_upline,  # noqa: F401
                                 upline_offers)
from app.cloud.views import (TRANSFER_STATUS_NAMES, CloudDifference, Holding, TransferRow, check_ledger,  # noqa: F401
                             export_holdings, export_transfers, list_holdings, list_moves, list_transfers,
                             my_cloud_stock, transfer_rows)
