"""gunicorn settings: `gunicorn -c deploy/gunicorn.conf.py wsgi:app` (deploy/weishang-web.service runs this).

Environment: GUNICORN_BIND (default 127.0.0.1:8000, nginx proxies to it), WEB_CONCURRENCY (processes,
default 2 × cores + 1) and GUNICORN_THREADS (threads per process, default 4). The app itself reads its
settings from the environment (docs/configuration.md; the deployment: docs/deployment.md).
"""
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# Threaded workers, not sync ones: a sync worker is killed when one request outlives `timeout`,
# and the label downloads (labels.zip/.csv of a batch of up to 1,000,000 codes) and exports stream
# for minutes; the download then ends early with a 200, a truncated file. A gthread worker's
# heartbeat runs beside its requests, so `timeout` only catches a process that is stuck.
# Each thread holds at most one database connection: MySQL's max_connections bounds
# workers × threads × machines (+ a scheduler per machine and the backup).
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", 4))

# A worker process silent this long is stuck: it is killed and replaced.
timeout = 30
graceful_timeout = 30
keepalive = 2

# Recycle workers now and then so a slow leak in a library cannot grow without bound; the jitter
# keeps them from restarting together.
max_requests = 5000
max_requests_jitter = 500

# Request line and headers: gunicorn's defaults, stated. The body limit is the app's
# MAX_BODY_BYTES (2 MiB, Flask's MAX_CONTENT_LENGTH) and nginx's client_max_body_size, which
# refuses a larger body before it reaches a worker; gunicorn has no body limit of its own.
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190

# The client address and scheme come from nginx's X-Forwarded-For/-Proto, trusted by the app
# (TRUSTED_PROXIES=1, werkzeug's ProxyFix) for exactly one hop; gunicorn trusts only loopback.
forwarded_allow_ips = "127.0.0.1"

accesslog = "-"
errorlog = "-"
loglevel = "info"


def post_fork(server, worker):
    """Blank /wechat's signatures in the access log: with its timestamp and nonce one is all a replay needs."""
    from app.logs import redact_logger

    redact_logger("gunicorn.access")
