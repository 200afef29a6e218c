"""Scan reports, aggregated in SQL: scans per product and province, and a map-ready table of scan regions."""
from peewee import fn

from app.catalog import service as catalog
from app.codes import geo
from app.codes.models import Code, CodeBatch, CodeScan

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
