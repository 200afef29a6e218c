"""The consumer's look-up of a code: the verdict, the scan record, clone flags, 窜货, PIN and price reports.

The verdict never names the agent, and never says "fake" about a known code:
counterfeiters can scan genuine codes to raise false alarms, so unusual
patterns only flag the code for the owner's review.
"""
import functools
import json
import logging
from dataclasses import dataclass
from datetime import timedelta

from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode, want_bytes
from itsdangerous.url_safe import URLSafeSerializerMixin
from peewee import SQL, Case, IntegrityError, fn

from app import iplocation, regions
from app.agents import service as agents
from app.brand import service as brand
from app.catalog import service as catalog
from app.clock import utcnow
from app.codes import codec, geo, price_control, violations
from app.codes.models import Code, CodeBatch, CodeFlag, CodeMiss, CodePinFailure, CodeScan, ConsumerReport
from app.config import get_settings
from app.database import Prepared, atomic_with_retry, create_row, db, for_update, is_mysql
from app.errors import Conflict, InvalidInput, NotFound
from app.notify import service as notify

log = logging.getLogger(__name__)

CHAT = "chat"

MESSAGES = {
    "genuine": "正品验证通过，这是该防伪码的首次查询",
    "repeat": "该防伪码已被查询过",
    "unshipped": "该防伪码尚未从品牌仓库发出，请谨慎核实商品来源",
    "mistyped": "请检查输入",
    "unknown": "未查询到, 谨防假冒",
}


@dataclass(frozen=True)
class Verdict:
    """What a look-up tells the consumer (and nothing about who sold the item)."""

    verdict: str
    code: str
    message: str
    brand: str = ""
    product_name: str = ""
    product_spec: str = ""
    product_image: str = ""
    lot: str = ""
    scans_before: int = 0
    first_scan_at: object = None
    first_scan_place: str = ""
    warning: bool = False
    has_pin: bool = False
    unshipped: bool = False
    scan_id: int = None
    agent_id: int = None  # who the goods were shipped to: never shown, only for the link to its authorization

    @property
    def genuine(self):
        return self.verdict in ("genuine", "repeat")

    @property
    def report_token(self):
        """Signed proof of this scan, for the consumer's follow-up report."""
        return _token_serializer().dumps(self.scan_id) if self.scan_id else None


REPORT_TOKEN_MAX_AGE = 7 * 24 * 3600


def _token_serializer():
    return _serializer_for(get_settings().SECRET_KEY)


@functools.lru_cache(maxsize=4)
def _serializer_for(secret_key):
    """The report tokens' serializer for `secret_key`, made once: a scan page made one for its one token, a
    third of the page's rendering."""
    return _ReportTokens(secret_key, salt="code-scan-report-v1")


class _KeptKeySigner(TimestampSigner):
    """itsdangerous' timestamp signer, each secret key's derived key worked out once (itsdangerous derives it
    for every signature)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._derived = {}

    def derive_key(self, secret_key=None):
        secret_key = self.secret_keys[-1] if secret_key is None else want_bytes(secret_key)
        derived = self._derived.get(secret_key)
        if derived is None:
            derived = self._derived[secret_key] = super().derive_key(secret_key)
        return derived


class _ReportTokens(URLSafeTimedSerializer):
    """itsdangerous' URL-safe timed serializer, the same tokens made with less Python: one signer kept for its
    salt (itsdangerous makes one, and derives its key, for every token), a scan id's JSON written as its digits, and
    the payload not offered to zlib while too short to come out shorter (zlib setting up its state to compress a
    scan id was a quarter of the scan page's rendering). zlib's answer to any payload is at least 9 bytes (header,
    a block, checksum), and itsdangerous takes it only when shorter than the payload less one."""

    NEVER_COMPRESSED = 10  # bytes of JSON, up to a scan id of 10 digits

    def __init__(self, secret_key, *, salt):
        super().__init__(secret_key, salt=salt, signer=_KeptKeySigner)
        self._signer = super().make_signer(salt)

    def make_signer(self, salt=None):
        if salt is None or want_bytes(salt) == self.salt:
            return self._signer
        return super().make_signer(salt)

    def dump_payload(self, obj):
        if type(obj) is int:  # not a bool, whose JSON is not its digits
            payload = str(obj).encode()
        else:
            payload = super(URLSafeSerializerMixin, self).dump_payload(obj)  # the JSON the mixin would compress
        if len(payload) > self.NEVER_COMPRESSED:
            return super().dump_payload(obj)
        return base64_encode(payload)


def _region(province, city):
    province = regions.normalize_province(province) if province else None
    city = regions.normalize_city(city, province) if province and city else None
    return province or "", city or ""


def _place(scan):
    return (scan.province + (scan.city if scan.city != scan.province else "")) or "未知地点"


@dataclass
class _ScannedCode:
    """The columns of a code a scan reads, with its batch's product and lot: a row of `_CODE_WITH_BATCH`, which as a
    code and a batch model joined cost a scan's look-up more Python than its statement's driver."""

    id: int
    code: str
    pin_hash: str
    order_id: int
    pickup_id: int
    agent_id: int
    province: str
    scan_count: int
    product_id: int
    lot: str

    shipped = Code.shipped


# The statements of every scan, written once (see Prepared).
# Only the columns a scan reads: the driver's Python time per result column counts on this path.
_CODE_WITH_BATCH = Prepared(lambda param: Code.select(
    Code.id, Code.code, Code.pin_hash, Code.order_id, Code.pickup_id, Code.agent, Code.province, Code.scan_count,
    CodeBatch.product, CodeBatch.lot).join(CodeBatch).where(Code.code == param).tuples())


def _count_a_scan(param):
    # The raised count comes back with the statement: MySQL hands LAST_INSERT_ID(expr) back as its insert id,
    # SQLite answers RETURNING.
    if is_mysql():
        return Code.update(scan_count=fn.LAST_INSERT_ID(Code.scan_count + SQL("1"))).where(Code.id == param)
    return Code.update(scan_count=Code.scan_count + SQL("1")).where(Code.id == param).returning(
        Code.scan_count).tuples()


_COUNT_A_SCAN = Prepared(_count_a_scan)


def _scans_counted(code_id):
    """The code's count raised by one and read back, its row locked until the transaction ends."""
    if is_mysql():
        return _COUNT_A_SCAN.execute(code_id).lastrowid
    return _COUNT_A_SCAN.first(code_id)[0]


def _first_and_visitor_scans(param):
    by_visitor = ((CodeScan.at >= param) & (CodeScan.ip == param) & (CodeScan.user_agent == param)
                  & (CodeScan.openid == param))
    earlier = CodeScan.alias()
    first_id = earlier.select(fn.MIN(earlier.id)).where(earlier.code == param)
    return (CodeScan.select(CodeScan.id, CodeScan.at, CodeScan.province, CodeScan.city,
                            Case(None, [(by_visitor, SQL("1"))], SQL("0")).alias("by_visitor"))
            .where(CodeScan.code == param, (CodeScan.id == first_id) | by_visitor).order_by(CodeScan.id))


_FIRST_AND_VISITOR_SCANS = Prepared(_first_and_visitor_scans)


def look_up(*, text, ip, user_agent="", openid="", province="", city="", channel="page"):
    """Check a typed or scanned code and record the look-up; returns a Verdict.

    A repeat by the same visitor (address, browser, openid) within SCAN_REPEAT_SECONDS
    is the same scan (a refresh), not counted again.
    """
    shape, code_text = codec.classify(text)
    row = None
    if shape == "valid":
        found = _CODE_WITH_BATCH.first(code_text)
        row = _ScannedCode(*found) if found else None
    if row is None:
        verdict = shape if shape == "mistyped" else "unknown"
        _record_miss(code_text, verdict, ip=ip, openid=openid)
        return Verdict(verdict=verdict, code=code_text, message=MESSAGES[verdict])
    province, city, place_source = _place_of(ip, province, city, channel)
    user_agent = (user_agent or "")[:255]
    def record():
        # The count raised first, which locks the code's row and reads the count fresh: of two first scans at
        # once, one is told it is the first. A repeat rolls the count back. The count is the code's scans, so
        # a first (the usual scan) has no scan before it to find, neither the code's first nor a repeat.
        scan_count = _scans_counted(row.id)
        first, scan = (_first_and_repeated_scan(row, ip=ip, user_agent=user_agent, openid=openid)
                       if scan_count > 1 else (None, None))
        if scan is not None:
            raise _Repeated(first, scan)
        scan = create_row(CodeScan, code=row.id, ip=ip, user_agent=user_agent, openid=(openid or "")[:64],
                          province=province, city=city, place_source=place_source, channel=channel)
        row.scan_count = scan_count
        _check_scan(row, scan)
        return _verdict(row, scan, scan_count - 1, first=first)
    try:
        return atomic_with_retry(record)
    except _Repeated as repeat:
        # Every scan of the code before this visitor's was committed: each held the code's row from its count to
        # its COMMIT, the visitor's own scan too.
        first, scan = repeat.first, repeat.scan
        scans_before = CodeScan.select().where(CodeScan.code == row.id, CodeScan.id < scan.id).count()
        return _verdict(row, scan, scans_before, first=first if first.id < scan.id else None)


class _Repeated(Exception):
    """The visitor's scan within SCAN_REPEAT_SECONDS: nothing is recorded, the count's transaction rolls back."""

    def __init__(self, first, scan):
        super().__init__("repeated scan")
        self.first, self.scan = first, scan


def _place_of(ip, province, city, channel):
    """(province, city, source) of a scan: where its address is, else where the consumer says (on the page or the
    mini-program, or in chat), else nowhere. The address wins: a typed place can be made up."""
    located_province, located_city = iplocation.locate(ip)
    if located_province:
        return located_province, located_city, "network"
    province, city = _region(province, city)
    return province, city, (CHAT if channel == CHAT else "consumer") if province else ""


def _first_and_repeated_scan(code, *, ip, user_agent, openid):
    """(the code's first scan, this visitor's latest scan within SCAN_REPEAT_SECONDS), either None, in one query."""
    since = utcnow() - timedelta(seconds=get_settings().SCAN_REPEAT_SECONDS)
    visitor = (since, ip, user_agent, (openid or "")[:64])
    rows = _FIRST_AND_VISITOR_SCANS.rows(*visitor, code.id, code.id, *visitor)
    repeated = [row for row in rows if row.by_visitor]
    return (rows[0] if rows else None), (repeated[-1] if repeated else None)


def _verdict(code, scan, scans_before, *, first):
    """The verdict of `scan` of `code` (a `_ScannedCode`; `first`: the code's first scan when there were scans
    before it)."""
    settings = get_settings()
    first = first if scans_before else None
    product = catalog.get_product_with_cover(code.product_id)
    verdict = "repeat" if scans_before else "genuine"
    unshipped = not code.shipped
    return Verdict(verdict=verdict, code=code.code, message=MESSAGES["unshipped" if unshipped else verdict],
                   brand=brand.current().name, unshipped=unshipped,
                   product_name=product.name, product_spec=product.spec, product_image=product.cover_url,
                   lot=code.lot,
                   scans_before=scans_before, first_scan_at=first.at if first else None,
                   first_scan_place=_place(first) if first else "",
                   warning=scans_before > settings.SCAN_WARN_AFTER, has_pin=bool(code.pin_hash), scan_id=scan.id,
                   agent_id=code.agent_id)


def _check_scan(code, scan):
    """Flags and 窜货 for a scan whose facts are now known (`code`, a Code or a `_ScannedCode`, with its count); runs
    in the scan's transaction."""
    settings = get_settings()
    if not code.shipped:
        # Goods reach consumers only by shipment: a scan before it means the labels leaked from the brand.
        _flag(code, "unshipped_scan", {"scan_id": scan.id, "scan_ip": scan.ip})
    if code.scan_count >= settings.CLONE_FLAG_SCANS:
        _flag(code, "many_scans", {"scan_count": code.scan_count, "scan_id": scan.id})
    if not scan.province:
        return
    since = scan.at - timedelta(hours=settings.CLONE_FLAG_WINDOW_HOURS)
    elsewhere = (CodeScan.select(CodeScan.province, CodeScan.place_source).distinct()
                 .where(CodeScan.code == code.id, CodeScan.at >= since, CodeScan.province != "",
                        CodeScan.province != scan.province))
    for other, other_source in elsewhere.tuples():
        distance = geo.distance_km(other, scan.province)
        if distance > settings.CLONE_FLAG_DISTANCE_KM:
            # The places' sources tell the owner whether a typed province could have made the flag up.
            _flag(code, "distant_scans", {"provinces": [other, scan.province], "distance_km": round(distance),
                                          "place_sources": [other_source, scan.place_source],
                                          "window_hours": settings.CLONE_FLAG_WINDOW_HOURS, "scan_id": scan.id})
            break
    if code.agent_id and code.province and scan.province != code.province:
        # Only the scan's address is evidence enough to alert; a consumer's word alone is opened for review.
        located = scan.place_source == "network"
        violations.record_violation(
            agent_id=code.agent_id, kind="cross_region", source="scan", code_id=code.id, province=scan.province,
            place_source=scan.place_source, status="open" if located else "review",
            dedupe_key=f"cross_region:{code.id}:{scan.province}" + ("" if located else f":{scan.place_source}"),
            evidence={"code": code.code, "order_id": code.order_id, "pickup_id": code.pickup_id,
                      "bound_province": code.province,
                      "scan_id": scan.id, "scan_province": scan.province, "scan_city": scan.city,
                      "place_source": scan.place_source, "scan_at": scan.at, "scan_ip": scan.ip})


def _flag(code, reason, evidence):
    if create_row(CodeFlag, or_ignore=True, code=code.id, reason=reason,
                  evidence=json.dumps(evidence, ensure_ascii=False)):
        notify.enqueue(kind="code_flagged", recipient="owners", dedupe_key=f"code_flag:{code.id}:{reason}",
                       data={"code": code.code, "reason": reason, **evidence})


def _record_miss(text, verdict, *, ip, openid):
    settings = get_settings()
    with db.atomic():
        CodeMiss.create(text=text[:40], verdict=verdict, ip=ip, openid=(openid or "")[:64])
        since = utcnow() - timedelta(seconds=settings.ENUMERATION_WINDOW_SECONDS)
        source = CodeMiss.openid == openid if openid else CodeMiss.ip == ip
        misses = CodeMiss.select().where(source, CodeMiss.at >= since).count()
        if misses >= settings.ENUMERATION_MISSES:
            log.warning("enumeration attempt: %d unknown codes from ip=%s openid=%s in %ss", misses, ip, openid,
                        settings.ENUMERATION_WINDOW_SECONDS)
            hour = utcnow().strftime("%Y%m%d%H")
            notify.enqueue(kind="code_enumeration", recipient="owners", dedupe_key=f"code_enum:{ip}:{openid}:{hour}",
                           data={"ip": ip, "openid": openid, "misses": misses})


def _known_code(text):
    shape, code_text = codec.classify(text)
    code = Code.get_or_none(Code.code == code_text) if shape == "valid" else None
    if code is None:
        raise NotFound("未查询到该防伪码", code="code_not_found")
    return code


def check_pin(*, text, pin, ip, openid=""):
    """"correct", "wrong", "locked" or "no_pin" for a code's scratch-off PIN.

    Wrong PINs lock the source that entered them (its address, or its openid), never the
    code for its real owner: a code is locked for everyone only once wrong PINs came from
    PIN_LOCK_SOURCES addresses, and then it is flagged for review and the owners alerted.
    """
    code = _known_code(text)
    if not code.pin_hash:
        return "no_pin"
    openid = (openid or "")[:64]
    with db.atomic():
        # The code's row locked: of failures racing from several sources, one counts the sources last.
        for_update(Code.select(Code.id).where(Code.id == code.id)).execute()
        if _pin_locked(code, ip=ip, openid=openid):
            return "locked"
        if codec.pin_matches(code.code, pin, code.pin_hash):
            return "correct"
        CodePinFailure.create(code=code.id, ip=ip, openid=openid)
        Code.update(pin_failures=Code.pin_failures + 1).where(Code.id == code.id).execute()
        sources = (CodePinFailure.select(fn.COUNT(CodePinFailure.ip.distinct()))
                   .where(CodePinFailure.code == code.id).scalar())
        if sources >= get_settings().PIN_LOCK_SOURCES:
            _flag(code, "pin_guessing", {"sources": sources})
    return "wrong"


def _pin_locked(code, *, ip, openid):
    """Locked for this source (too many wrong PINs from its address or openid), or for all (an open flag)."""
    limit = get_settings().PIN_MAX_FAILURES
    failures = CodePinFailure.select().where(CodePinFailure.code == code.id)
    if failures.where(CodePinFailure.ip == ip).count() >= limit:
        return True
    if openid and failures.where(CodePinFailure.openid == openid).count() >= limit:
        return True
    return CodeFlag.select().where(CodeFlag.code == code.id, CodeFlag.reason == "pin_guessing",
                                   CodeFlag.status != "cleared").exists()


def report(*, text, token, province="", city="", price_fen=None, place=""):
    """The consumer's region (when the scan had none), price paid and place of purchase, after a scan.

    The region may reveal 窜货 or a distant clone; a price is checked against the
    range of the level of the agent the code was shipped to.
    """
    code = _known_code(text)
    try:
        scan_id = _token_serializer().loads(token or "", max_age=REPORT_TOKEN_MAX_AGE)
    except BadSignature:
        scan_id = None
    scan = CodeScan.get_or_none(CodeScan.id == scan_id, CodeScan.code == code.id) if scan_id else None
    if scan is None:
        raise NotFound("查询记录不存在", code="scan_not_found")
    province, city = _region(province, city)
    if price_fen is not None and not 0 < price_fen <= 10**8:
        raise InvalidInput.on("price", "价格不正确")
    place = (place or "").strip()[:64]
    try:
        with db.atomic():
            if province and not scan.province:
                CodeScan.update(province=province, city=city, place_source="consumer").where(
                    CodeScan.id == scan.id).execute()
                _check_scan(code, CodeScan.get_by_id(scan.id))
            if price_fen is None and not place:
                return None
            consumer_report = ConsumerReport.create(code=code.id, scan=scan.id, price_fen=price_fen, place=place)
            if price_fen is not None and code.agent_id:
                price_control.record_price_violation(
                    agent=agents.get_agent(code.agent_id), product_id=code.batch.product_id, unit_fen=price_fen,
                    source="consumer_report", dedupe_key=f"consumer_report:{consumer_report.id}", code_id=code.id,
                    evidence={"code": code.code, "report_id": consumer_report.id, "place": place,
                              "scan_province": province or scan.province})
    except IntegrityError:
        raise Conflict("本次查询已提交过反馈", code="already_reported") from None
    return consumer_report


def list_flags(*, status=None, page=1, per_page=50):
    """Flagged codes, newest first, with the code's text and scan count."""
    query = (CodeFlag.select(CodeFlag, Code).join(Code).order_by(CodeFlag.id.desc()))
    if status:
        query = query.where(CodeFlag.status == status)
    return list(query.paginate(page, per_page)), query.order_by().count()


def review_flag(*, flag_id, action, note, actor):
    """The owner clears a flag (a false alarm) or confirms it (a copied label)."""
    statuses = {"clear": "cleared", "confirm": "confirmed"}
    if action not in statuses:
        raise InvalidInput.on("action", "操作必须是 clear 或 confirm")
    with db.atomic():
        updated = (CodeFlag.update(status=statuses[action], reviewed_by=actor, reviewed_at=utcnow(),
                                   note=(note or "").strip()[:255])
                   .where(CodeFlag.id == flag_id, CodeFlag.status == "open").execute())
        flag = CodeFlag.get_or_none(CodeFlag.id == flag_id)
        if flag is None:
            raise NotFound("标记不存在", code="flag_not_found")
        if not updated:
            raise Conflict("该标记已处理", code="flag_reviewed")
    return flag


def scans_of(code_text):
    """Every counted scan of a code, oldest first (for the owner)."""
    code = _known_code(code_text)
    return code, list(CodeScan.select().where(CodeScan.code == code.id).order_by(CodeScan.id))
