"""gunicorn settings: `gunicorn -c deploy/gunicorn.conf.py wsgi:app` (deploy/weishang-web.service runs this).

Environment: GUNICORN_BIND (default 127.0.0.1:8000, nginx proxies to it) and WEB_CONCURRENCY
(default 2 × cores + 1). The app itself reads its settings from the environment (README).
"""
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# Sync workers: a request is short and spends its time in MySQL, and each worker then holds at
# most one database connection, so MySQL's max_connections bounds workers × machines (+ the
# scheduler and the backup). 2 × cores + 1 keeps the cores busy while some workers wait on MySQL.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"

# WeChat drops a callback (/wechat, /api/pay/wechat/notify) after 5 s and the bot answers within
# BOT_REPLY_BUDGET_SECONDS (4 s); the slowest console requests (xlsx exports, picking lists) take
# seconds, not tens of seconds. A worker stuck longer than this is killed and replaced.
timeout = 30
graceful_timeout = 30
# nginx keeps no upstream connection alive to a sync worker; a short keepalive frees the worker.
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
