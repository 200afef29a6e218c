"""Authenticity codes and price control: the domain's public face for doors and other domains.

Batches and labels (`batches`, `labels`), binding at shipment (`binding`), the
consumer's look-up (`scans`), price control (`price_control`), violations and
reports live in sibling modules and are re-exported here, with the statuses and their
Chinese names the doors show.
"""
from app.codes.background import LABELS_IN_REQUEST  # noqa: F401
from app.codes.batches import (batch_counts, complete_batch, create_batch, get_batch, iter_codes,  # noqa: F401
                                list_batches)
from app.codes.background import labels_or_task, submit_batch  # noqa: F401  (also registers the task handlers)
from app.codes.binding import bind_codes_for_shipment, codes_of_shipment, shipment_of  # noqa: F401
from app.codes.price_control import list_retail_sales, record_retail_sale, retail_units_sold  # noqa: F401
from app.codes.codec import looks_like_code  # noqa: F401
from app.codes.labels import MAX_PDF_LABELS, csv_stream, label_file, label_range  # noqa: F401
from app.codes.models import (FLAG_REVIEW_NAMES, FLAG_STATUS_NAMES, FLAG_STATUSES, PLACE_SOURCE_NAMES,  # noqa: F401
                              SCAN_CHANNEL_NAMES, VIOLATION_ACTION_NAMES, VIOLATION_KIND_NAMES, VIOLATION_KINDS,
                              VIOLATION_STATUS_NAMES, VIOLATION_STATUSES)
from app.codes.reports import FLAG_LABELS, open_alerts, scan_map, scans_by_product_and_province  # noqa: F401
from app.codes.scans import check_pin, list_flags, look_up, report, review_flag, scans_of  # noqa: F401
from app.codes.violations import act_on_violation, get_violation, list_violations, summary  # noqa: F401
