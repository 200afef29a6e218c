"""Reports, aggregated in SQL: scans per product and province, a map-ready table of scan regions, open alerts."""
from dataclasses import dataclass

from peewee import fn

from app.agents import service as agents
from app.catalog import service as catalog
from app.codes import geo
from app.codes.models import VIOLATION_KIND_NAMES, Code, CodeBatch, CodeFlag, CodeScan, Violation

UNKNOWN_PROVINCE = "未知"


def _between(query, since, until):
    if since:
        query = query.where(CodeScan.at >= since)
    if until:
        query = query.where(CodeScan.at < until)
    return query


def scans_by_product_and_province(*, since=None, until=None):
    """[{"product_id", "product_name", "province", "scans", "codes"}], most scans first."""
    query = (CodeScan.select(CodeBatch.product, CodeScan.province, fn.COUNT(CodeScan.id).alias("scans"),
                             fn.COUNT(fn.DISTINCT(CodeScan.code)).alias("codes"))
             .join(Code).join(CodeBatch)
             .group_by(CodeBatch.product, CodeScan.province)
             .order_by(fn.COUNT(CodeScan.id).desc(), CodeBatch.product, CodeScan.province))
    rows = list(_between(query, since, until).dicts())
    names = {product_id: catalog.get_product(product_id).name for product_id in {row["product"] for row in rows}}
    return [{"product_id": row["product"], "product_name": names[row["product"]],
             "province": row["province"] or UNKNOWN_PROVINCE, "scans": row["scans"], "codes": row["codes"]}
            for row in rows]


def scan_map(*, since=None, until=None, product_id=None):
    """One row per province with scans: {"province", "adcode", "lat", "lng", "scans", "codes"} — what a map
    layer of China needs (adcode joins GeoJSON boundaries; lat/lng is the capital for a marker)."""
    query = (CodeScan.select(CodeScan.province, fn.COUNT(CodeScan.id).alias("scans"),
                             fn.COUNT(fn.DISTINCT(CodeScan.code)).alias("codes"))
             .where(CodeScan.province != "")
             .group_by(CodeScan.province).order_by(fn.COUNT(CodeScan.id).desc(), CodeScan.province))
    if product_id:
        query = query.join(Code).join(CodeBatch).where(CodeBatch.product == product_id)
    return [{"province": row["province"], **geo.province_point(row["province"]), "scans": row["scans"],
             "codes": row["codes"]} for row in _between(query, since, until).dicts()]


FLAG_LABELS = {"many_scans": "查询次数过多", "distant_scans": "短时间内异地查询", "unshipped_scan": "未出库即被查询",
               "pin_guessing": "多处输错刮开码"}


@dataclass(frozen=True)
class OpenAlerts:
    """What waits for the owner: open violations counted per kind [(label, count)], open flags, the latest few."""

    violation_counts: list
    flag_count: int
    latest_violations: list
    latest_flags: list


def open_alerts(*, limit=3):
    """Open price (低于/高于控价) and cross-region violations per kind, open code flags, and the newest `limit` of
    each, with Chinese labels (`kind_label`, `reason_label`) and the agent's name."""
    by_kind = dict(Violation.select(Violation.kind, fn.COUNT(Violation.id))
                   .where(Violation.status == "open").group_by(Violation.kind).tuples())
    latest = list(Violation.select(Violation.id, Violation.agent, Violation.kind, Violation.province,
                                   Violation.created_at)
                  .where(Violation.status == "open").order_by(Violation.id.desc()).limit(limit).dicts())
    for row in latest:
        row.update(agent_name=agents.get_agent(row["agent"]).name, kind_label=VIOLATION_KIND_NAMES[row["kind"]])
    flags = CodeFlag.select().where(CodeFlag.status == "open")
    latest_flags = list(flags.select(CodeFlag.id, Code.code, CodeFlag.reason, CodeFlag.created_at).join(Code)
                        .order_by(CodeFlag.id.desc()).limit(limit).dicts())
    for row in latest_flags:
        row["reason_label"] = FLAG_LABELS.get(row["reason"], row["reason"])
    counts = [(label, by_kind[kind]) for kind, label in VIOLATION_KIND_NAMES.items() if kind in by_kind]
    return OpenAlerts(violation_counts=counts, flag_count=flags.count(), latest_violations=latest,
                      latest_flags=latest_flags)
